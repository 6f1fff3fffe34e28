// Every connector, in process, against a local stand-in of its vendor's API (test/connectors-fixtures/
// vendors.ts: the real APIs cannot be reached from here, so these servers implement their documented
// paging, cursors, rate-limit headers and token handshakes over fixtures written from the vendor docs),
// delivering into the collector's embedded sink on a real (embedded) ClickHouse:
// full backfill stored once with the right source, resume from the checkpoint without re-fetching,
// 429 honoured, an expired token refreshed once, bad credentials refused with one sentence, and a
// malformed page that stops the pass without moving the checkpoint past it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CheckpointFile } from '../../connectors/checkpoints.js'
import { buildConnector } from '../../connectors/registry.js'
import { runConnector, type RunSummary } from '../../connectors/runner.js'
import type { Vendor } from '../../connectors/types.js'
import { loadConfig } from '../../core/config.js'
import { connectorErrors, connectorEventsFetched, connectorLag, connectorPages, connectorRetries } from '../../core/metrics.js'
import type { EventSink } from '../../ingest/collector.js'
import { normalize } from '../../ingest/normalizers/index.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { fixtureEvents, idOf, startFakeVendor, type FakeVendor } from '../connectors-fixtures/vendors.js'
import { count, openTestStore, queryRows, type TestStore } from '../helpers/store.js'

const VENDORS: Vendor[] = ['okta', 'entra', 'google-workspace', 'auth0', 'atlassian']
const SOURCE: Record<Vendor, string> = { okta: 'okta', entra: 'entra', 'google-workspace': 'google_workspace', auth0: 'auth0', atlassian: 'atlassian' }
/** The fixtures span 2026-11-20 and 2026-11-21. */
const SINCE = Date.parse('2026-11-20T00:00:00Z')

// Everything the connectors log, at debug level, to prove no secret is ever written.
let logged = ''
const log = pino({ level: 'debug' }, new Writable({ write(chunk, _enc, done) { logged += String(chunk); done() } }))

let t: TestStore
let writer: BatchWriter
let service: IngestService
let stateRoot: string
const fakes: FakeVendor[] = []

beforeAll(async () => {
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '20' })
  writer = new BatchWriter(t.store.client, { ...t.config.batch, maxMs: 20, log, maxAttempts: 3 })
  service = new IngestService(writer)
  stateRoot = mkdtempSync(join(tmpdir(), 'pulse-connectors-'))
})

afterAll(async () => {
  for (const f of fakes) await f.close()
  await service?.drain()
  await writer?.close()
  await t?.cleanup()
  rmSync(stateRoot, { recursive: true, force: true })
})

async function fake(vendor: Vendor): Promise<FakeVendor> {
  const f = await startFakeVendor(vendor)
  fakes.push(f)
  return f
}

let dirs = 0
const stateDir = () => join(stateRoot, `s${++dirs}`)

/** One `--once` pass of the vendor's connector, as `connect` runs it, into the embedded sink. */
function run(vendor: Vendor, f: FakeVendor, o: { tenant: string; dir: string; since?: number }): Promise<RunSummary> {
  const config = loadConfig({ PULSE_CONNECTOR_PAGE_SIZE: '3', PULSE_CONNECTOR_BACKOFF_MS: '20', PULSE_CONNECTOR_MAX_ATTEMPTS: '4', PULSE_CONNECTOR_TIMEOUT_MS: '10000' }).connectors
  const env = f.env()
  return runConnector({
    connector: buildConnector(vendor, { env, config, log, name: vendor }),
    name: vendor,
    sink: recordingSink(vendor),
    tenant: o.tenant,
    checkpoints: new CheckpointFile(o.dir, vendor),
    log,
    since: o.since ?? SINCE,
    lookbackMs: 0,
    once: true,
    pollMs: 1000,
    signal: new AbortController().signal,
  })
}

/** The source_event_id of every row the fixture events normalise to (some events are ignored, by design). */
function expectedRows(vendor: Vendor): string[] {
  return fixtureEvents(vendor)
    .flatMap((e) => {
      const r = normalize(SOURCE[vendor], e.payload, { tenant: 't', ingestedAt: '2026-11-27 00:00:00.000' })
      return r.kind === 'accepted' ? r.rows.map((row) => row.source_event_id) : []
    })
    .sort()
}

/**
 * Vendor ids of every event delivered to the sink per tenant, duplicates kept. Storage is checked by the
 * backfill test; the other scenarios re-deliver the same fixtures, whose event ids (a hash of source and
 * vendor id, not of the tenant) the writer already holds, so they are checked at delivery, where a
 * duplicate or a gap would show before any deduplication hides it.
 */
const delivered = new Map<string, string[]>()
function recordingSink(vendor: Vendor): EventSink {
  const inner = embeddedSink(service)
  return {
    mode: inner.mode,
    accept: async (raws) => {
      const result = await inner.accept(raws)
      for (const r of raws) {
        const list = delivered.get(r.tenant) ?? []
        list.push(idOf(vendor, r.payload))
        delivered.set(r.tenant, list)
      }
      return result
    },
  }
}
const allIds = (vendor: Vendor) => fixtureEvents(vendor).map((e) => e.id).sort()

async function stored(tenant: string): Promise<{ source: string; source_event_id: string }[]> {
  return queryRows(t.store, 'SELECT source, source_event_id FROM auth_events FINAL WHERE tenant = {tenant:String} ORDER BY source_event_id', { tenant })
}

async function metric(m: { get(): Promise<{ values: { labels: Record<string, string | number>; value: number }[] }> }, labels: Record<string, string>): Promise<number> {
  const { values } = await m.get()
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0)
}

describe.each(VENDORS)('%s connector', (vendor) => {
  it('backfills every event once, normalised under its source, and a rerun resumes without re-fetching', async () => {
    const f = await fake(vendor)
    const tenant = `backfill-${vendor}`
    const dir = stateDir()
    const pagesBefore = await metric(connectorPages, { connector: vendor })
    const fetchedBefore = await metric(connectorEventsFetched, { connector: vendor })

    const first = await run(vendor, f, { tenant, dir })
    await service.flush()
    expect(first.events).toBe(fixtureEvents(vendor).length)
    expect([...delivered.get(tenant)!].sort()).toEqual(allIds(vendor))
    const rows = await stored(tenant)
    expect(rows.map((r) => r.source_event_id)).toEqual(expectedRows(vendor))
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set([SOURCE[vendor]]))
    // Paging was used (pages of 3), and counted.
    expect(f.requests.filter((r) => r.query.has('after') || r.query.has('$skiptoken') || r.query.has('pageToken') || r.query.has('from') || r.query.has('cursor')).length).toBeGreaterThan(0)
    expect(await metric(connectorPages, { connector: vendor }) - pagesBefore).toBe(first.pages)
    expect(await metric(connectorEventsFetched, { connector: vendor }) - fetchedBefore).toBe(first.events)
    // Caught up: the lag is what the vendor's settling delay leaves (0 here), not days of history.
    expect(await metric(connectorLag, { connector: vendor })).toBeLessThan(120)

    const checkpoint = JSON.parse(readFileSync(join(dir, `${vendor}.json`), 'utf8')) as { origin: string; streams: Record<string, unknown> }
    expect(checkpoint.origin).toBe(new Date(SINCE).toISOString())

    // A second pass starts from the checkpoint: nothing already delivered is asked for again.
    const answered = new Set(f.requests.filter((r) => r.status === 200 && r.query.toString() !== '').map((r) => `${r.path}?${r.query}`))
    const seen = f.requests.length
    const second = await run(vendor, f, { tenant, dir })
    expect(second.events).toBe(0)
    const repeated = f.requests.slice(seen).filter((r) => answered.has(`${r.path}?${r.query}`))
    expect(repeated).toEqual([])
    expect(await count(t.store, 'SELECT count() AS n FROM auth_events FINAL WHERE tenant = {tenant:String}', { tenant })).toBe(rows.length)
  })

  it('waits as long as a 429 asks, then carries on', async () => {
    const f = await fake(vendor)
    f.faults.rateLimitAt = 1
    const retriesBefore = await metric(connectorRetries, { connector: vendor, reason: 'rate_limited' })
    const summary = await run(vendor, f, { tenant: `ratelimit-${vendor}`, dir: stateDir() })
    expect(summary.events).toBe(fixtureEvents(vendor).length)
    const limited = f.requests[1]!
    expect(limited.status).toBe(429)
    const retry = f.requests[2]!
    // The same request again, no earlier than the vendor allowed (Retry-After: 1, or Okta's X-Rate-Limit-Reset).
    expect(`${retry.path}?${retry.query}`).toBe(`${limited.path}?${limited.query}`)
    expect(retry.at).toBeGreaterThanOrEqual(limited.retryNotBefore! - 5)
    expect(await metric(connectorRetries, { connector: vendor, reason: 'rate_limited' }) - retriesBefore).toBe(1)
  })

  it('stops at a malformed page without moving the checkpoint past it, then resumes there', async () => {
    for (const kind of ['json', 'shape'] as const) {
      const f = await fake(vendor)
      const tenant = `malformed-${kind}-${vendor}`
      const dir = stateDir()
      f.faults.malformedAt = 1
      f.faults.malformedKind = kind
      const errorsBefore = await metric(connectorErrors, { connector: vendor, kind: 'page' })
      const failed = run(vendor, f, { tenant, dir })
      await expect(failed).rejects.toMatchObject({ code: 'PULSE_ERR_CONNECTOR_PAGE' })
      await expect(failed).rejects.toThrow(new RegExp(`^The ${vendor} connector received a malformed page`))
      expect(await metric(connectorErrors, { connector: vendor, kind: 'page' }) - errorsBefore).toBe(1)
      const bad = f.requests[1]!
      // The checkpoint still points at the bad page: the rerun asks for exactly it first (after any earlier stream's turn).
      f.faults.malformedAt = undefined
      const seen = f.requests.length
      await run(vendor, f, { tenant, dir })
      const rerun = f.requests.slice(seen).map((r) => `${r.path}?${r.query}`)
      expect(rerun).toContain(`${bad.path}?${bad.query}`)
      // Across the failed and the resumed pass, every event was delivered exactly once.
      expect([...delivered.get(tenant)!].sort()).toEqual(allIds(vendor))
    }
  })

  it('refuses bad credentials with one sentence naming the connector and what to check, never the secret', async () => {
    const f = await fake(vendor)
    f.faults.refuseCredentials = true
    const errorsBefore = await metric(connectorErrors, { connector: vendor, kind: 'auth' })
    const failed = run(vendor, f, { tenant: `refused-${vendor}`, dir: stateDir() })
    await expect(failed).rejects.toMatchObject({ code: 'PULSE_ERR_CONNECTOR_AUTH' })
    const err = await failed.catch((e: Error) => e)
    expect((err as Error).message).toMatch(new RegExp(`^The ${vendor} connector was refused by \\S+ \\(HTTP 40[013]\\): check .+\\.$`))
    expect((err as Error).message).not.toContain('\n')
    expect((err as Error).message).not.toContain(f.secret)
    expect(await metric(connectorErrors, { connector: vendor, kind: 'auth' }) - errorsBefore).toBe(1)
  })
})

describe.each(['entra', 'google-workspace', 'auth0'] as const)('%s token', (vendor) => {
  it('is refreshed once when the API says it expired, and the pass goes on', async () => {
    const f = await fake(vendor)
    f.faults.expireTokenAfterPages = 1
    const tenant = `expired-${vendor}`
    const summary = await run(vendor, f, { tenant, dir: stateDir() })
    expect(summary.events).toBe(fixtureEvents(vendor).length)
    expect(f.tokenRequests).toBe(2)
    expect(f.requests.filter((r) => r.status === 401)).toHaveLength(1)
    expect([...delivered.get(tenant)!].sort()).toEqual(allIds(vendor))
  })
})

describe('secrets', () => {
  it('never reach the logs, even at debug level', () => {
    expect(logged.length).toBeGreaterThan(0)
    for (const f of fakes) {
      const probe = f.vendor === 'google-workspace' ? (JSON.parse(f.secret) as { private_key: string }).private_key.split('\n')[1]! : f.secret
      expect(logged).not.toContain(probe)
    }
  })
})
