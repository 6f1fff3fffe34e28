// `passkey-pulse connect <vendor>` as an operator runs it: the built CLI as a child process, producing
// to a real Kafka broker (KAFKA_BROKERS: the distributed shape, pulse-source header = the source), against
// local stand-ins of the vendor APIs (test/connectors-fixtures/vendors.ts; the real vendors cannot be reached
// from here). Covered: a kill in the middle of a backfill (SIGKILL while page 2 is being served) and a
// rerun that resumes at that page with no gap and no duplicate; bad credentials ending with exit 1 and one
// sentence; the secret read from --secret-file and never printed, even at debug level; connectors inside
// `start`. What reaches the raw topic is then ingested here, as a worker would, to show each event stored once.
//
// The fake servers live in this process, so children are awaited asynchronously (never spawnSync, which
// would block the event loop that answers them).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Vendor } from '../../connectors/types.js'
import { HEADER_SOURCE, HEADER_TENANT } from '../../ingest/kafka/messages.js'
import { normalize } from '../../ingest/normalizers/index.js'
import { IngestService } from '../../ingest/service.js'
import { BatchWriter } from '../../ingest/writer.js'
import { fixtureEvents, idOf, startFakeVendor, type FakeVendor } from '../connectors-fixtures/vendors.js'
import { assertBuilt, startCli } from '../helpers/cli.js'
import { kafkaEnv, readTopic, testKafka, waitFor } from '../helpers/kafka.js'
import { openTestStore, queryRows, type TestStore } from '../helpers/store.js'

const VENDORS: Vendor[] = ['okta', 'entra', 'google-workspace', 'auth0', 'atlassian']
const SOURCE: Record<Vendor, string> = { okta: 'okta', entra: 'entra', 'google-workspace': 'google_workspace', auth0: 'auth0', atlassian: 'atlassian' }
const SINCE = '2026-11-20'

let root: string
const fakes: FakeVendor[] = []
let t: TestStore
let writer: BatchWriter
let service: IngestService

beforeAll(async () => {
  assertBuilt()
  root = mkdtempSync(join(tmpdir(), 'pulse-connect-cli-'))
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '20' })
  writer = new BatchWriter(t.store.client, { ...t.config.batch, maxMs: 20 })
  service = new IngestService(writer)
})

afterAll(async () => {
  for (const f of fakes) await f.close()
  await writer?.close()
  await t?.cleanup()
  rmSync(root, { recursive: true, force: true })
})

/** Rows the vendor's fixture events normalise to (some are ignored, by design). */
function expectedRows(vendor: Vendor): number {
  return fixtureEvents(vendor).reduce((n, e) => {
    const r = normalize(SOURCE[vendor], e.payload, { tenant: 't', ingestedAt: '2026-11-27 00:00:00.000' })
    return n + (r.kind === 'accepted' ? r.rows.length : 0)
  }, 0)
}

async function fake(vendor: Vendor): Promise<FakeVendor> {
  const f = await startFakeVendor(vendor)
  fakes.push(f)
  return f
}

/** Runs `connect` to its end and returns its exit code and everything it printed. */
async function connect(args: string[], env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const child = startCli(['connect', ...args], env)
  const { code, signal } = await child.exited
  return { code, signal, out: child.output() }
}

describe.each(VENDORS)('connect %s', (vendor) => {
  it('resumes a killed backfill at the page it was fetching: no page fetched twice, no gap, each event stored once', async () => {
    const f = await fake(vendor)
    const kafka = kafkaEnv(`connect-${vendor}`)
    const tenant = `acme-${vendor}`
    const env = { ...f.env(), ...kafka, PULSE_DATA_DIR: join(root, `kill-${vendor}`), PULSE_CONNECTOR_BACKOFF_MS: '20', PULSE_DEFAULT_TENANT: tenant }
    const args = [vendor, '--once', '--since', SINCE, '--page-size', '3']

    // The second data request never gets an answer: the connector sits in the middle of the backfill.
    f.faults.stallFrom = 1
    const first = startCli(['connect', ...args], env)
    await waitFor('the connector to reach the stalled page', async () => f.requests.length >= 2, 60_000, 50)
    first.proc.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    const stalled = f.requests[1]!
    const firstRunRequests = f.requests.length

    f.faults.stallFrom = undefined
    const second = await connect(args, env)
    expect(second.code, second.out).toBe(0)
    expect(second.out).toMatch(new RegExp(`^${vendor}: \\d+ events in \\d+ pages delivered \\(kafka\\); checkpoint `, 'm'))

    // It resumed exactly at the stalled page, and asked for nothing the first run had been given.
    const rerun = f.requests.slice(firstRunRequests).map((r) => `${r.path}?${r.query}`)
    expect(rerun).toContain(`${stalled.path}?${stalled.query}`)
    const answered = f.requests.slice(0, firstRunRequests).filter((r) => r.status === 200).map((r) => `${r.path}?${r.query}`)
    for (const a of answered) expect(rerun).not.toContain(a)

    // Every event is on the topic: no gap. (The connector delivered each once, as the request log above shows;
    // a Kafka producer retry under load may still add a copy, which the writer stores once.)
    const expected = fixtureEvents(vendor).map((e) => e.id).sort()
    const messages = await readTopic(testKafka(), kafka.KAFKA_RAW_TOPIC, expected.length)
    expect([...new Set(messages.map((m) => idOf(vendor, JSON.parse(m.value))))].sort()).toEqual(expected)
    for (const m of messages) {
      expect(m.headers[HEADER_SOURCE]).toBe(SOURCE[vendor])
      expect(m.headers[HEADER_TENANT]).toBe(tenant)
    }
    // What an ingest worker makes of the topic: each event stored exactly once, under its source.
    await service.ingest(messages.map((m) => ({ payload: JSON.parse(m.value) as unknown, source: m.headers[HEADER_SOURCE]!, tenant: m.headers[HEADER_TENANT]! })))
    await service.flush()
    const rows = await queryRows<{ source: string; n: number; ids: number }>(t.store,
      'SELECT source, count() AS n, uniqExact(event_id) AS ids FROM auth_events FINAL WHERE tenant = {tenant:String} GROUP BY source', { tenant })
    expect(rows.map((r) => ({ ...r, n: Number(r.n), ids: Number(r.ids) }))).toEqual([{ source: SOURCE[vendor], n: expectedRows(vendor), ids: expectedRows(vendor) }])
  })

  it('exits 1 with one sentence naming the connector and what to check when the credentials are refused', async () => {
    const f = await fake(vendor)
    f.faults.refuseCredentials = true
    const r = await connect([vendor, '--once', '--since', SINCE], {
      ...f.env(), ...kafkaEnv(`refused-${vendor}`), PULSE_DATA_DIR: join(root, `refused-${vendor}`), LOG_LEVEL: 'debug',
    })
    expect(r.code, r.out).toBe(1)
    expect(r.out).toMatch(new RegExp(`^passkey-pulse: The ${vendor} connector was refused by \\S+ \\(HTTP 40[013]\\): check .+\\.$`, 'm'))
    const probe = vendor === 'google-workspace' ? (JSON.parse(f.secret) as { private_key: string }).private_key.split('\n')[1]! : f.secret
    expect(r.out).not.toContain(probe)
  })
})

describe('connect okta with --secret-file', () => {
  it('reads the token from the file, works, and never prints it', async () => {
    const f = await fake('okta')
    const file = join(root, 'okta-token')
    writeFileSync(file, `${f.secret}\n`, { mode: 0o600 })
    const { PULSE_OKTA_TOKEN: _fromEnv, ...settings } = f.env()
    const kafka = kafkaEnv('connect-secret-file')
    const stateDir = join(root, 'secret-file-state')
    const r = await connect(['okta', '--once', '--since', SINCE, '--secret-file', file, '--tenant', 'filed'], {
      ...settings, ...kafka, PULSE_DATA_DIR: join(root, 'secret-file'), PULSE_CONNECTOR_STATE_DIR: stateDir, LOG_LEVEL: 'debug',
    })
    expect(r.code, r.out).toBe(0)
    expect(r.out).not.toContain(f.secret)
    expect(readFileSync(join(stateDir, 'okta.json'), 'utf8')).not.toContain(f.secret)
    const messages = await readTopic(testKafka(), kafka.KAFKA_RAW_TOPIC, fixtureEvents('okta').length)
    expect(new Set(messages.map((m) => m.headers[HEADER_TENANT]))).toEqual(new Set(['filed']))
  })

  it('names every missing setting before touching anything', async () => {
    const r = await connect(['entra', '--once'], { PULSE_DATA_DIR: join(root, 'unset'), PULSE_ENTRA_TENANT_ID: '', PULSE_ENTRA_CLIENT_ID: '', PULSE_ENTRA_CLIENT_SECRET: '' })
    expect(r.code).toBe(1)
    expect(r.out).toContain('The entra connector is not configured: set PULSE_ENTRA_TENANT_ID, PULSE_ENTRA_CLIENT_ID, PULSE_ENTRA_CLIENT_SECRET')
  })
})

describe('connect okta, long-running and failing', () => {
  it('exits 1 in --once on a malformed page, naming it, with the checkpoint still before that page', async () => {
    const f = await fake('okta')
    f.faults.malformedAt = 1
    const stateDir = join(root, 'malformed-state')
    const r = await connect(['okta', '--once', '--since', SINCE, '--page-size', '3'], {
      ...f.env(), ...kafkaEnv('malformed'), PULSE_DATA_DIR: join(root, 'malformed'), PULSE_CONNECTOR_STATE_DIR: stateDir,
    })
    expect(r.code, r.out).toBe(1)
    expect(r.out).toMatch(/^passkey-pulse: The okta connector received a malformed page: \/api\/v1\/logs is not JSON/m)
    const saved = JSON.parse(readFileSync(join(stateDir, 'okta.json'), 'utf8')) as { streams: { logs: { cursor: { url: string } } } }
    const bad = f.requests[1]!
    expect(saved.streams.logs.cursor.url).toBe(`${bad.path}?${bad.query}`)
  })

  it('polls until SIGTERM, then exits 0 and releases its lock', async () => {
    const f = await fake('okta')
    const stateDir = join(root, 'sigterm-state')
    const c = startCli(['connect', 'okta', '--since', SINCE, '--poll', '1'], {
      ...f.env(), ...kafkaEnv('sigterm'), PULSE_DATA_DIR: join(root, 'sigterm'), PULSE_CONNECTOR_STATE_DIR: stateDir,
    })
    // Two passes: caught up, waited the poll interval, asked again from the checkpoint.
    await waitFor('a second pass', async () => f.requests.length >= 2, 60_000, 50)
    expect(readFileSync(join(stateDir, 'okta.lock'), 'utf8')).toBe(String(c.proc.pid))
    c.proc.kill('SIGTERM')
    expect(await c.exited, c.output()).toEqual({ code: 0, signal: null })
    expect(() => readFileSync(join(stateDir, 'okta.lock'))).toThrow()
  })
})

describe('connectors inside start (PULSE_CONNECTORS)', () => {
  it('poll into the server sink, count on /metrics, survive a refused connector, and stop cleanly on SIGTERM', { timeout: 120_000 }, async () => {
    const okta = await fake('okta')
    const auth0 = await fake('auth0')
    const atlassian = await fake('atlassian')
    atlassian.faults.refuseCredentials = true
    const dataDir = join(root, 'start')
    const env: Record<string, string> = {
      ...okta.env(), ...auth0.env(), ...atlassian.env(),
      PULSE_CONNECTORS: 'okta,auth0,atlassian', PULSE_CONNECTOR_LOOKBACK_HOURS: String(Math.ceil((Date.now() - Date.parse(SINCE)) / 3_600_000)),
      PULSE_CONNECTOR_PAGE_SIZE: '3', PULSE_DATA_DIR: dataDir, KAFKA_BROKERS: '', LOG_LEVEL: 'warn',
    }
    const c = startCli(['start', '--port', '0'], env)
    let base = ''
    await waitFor('the start banner', async () => {
      if (c.proc.exitCode !== null) throw new Error(`start exited early: ${c.output()}`)
      base = /Dashboard: {2}(http:\/\/127\.0\.0\.1:\d+)\//.exec(c.output())?.[1] ?? ''
      return base !== ''
    }, 60_000, 100)
    const metric = (text: string, name: string, connector: string) =>
      Number(new RegExp(`^${name}\\{connector="${connector}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? -1)
    let metrics = ''
    await waitFor('okta and auth0 to deliver their fixtures', async () => {
      metrics = await (await fetch(`${base}/metrics`)).text()
      return metric(metrics, 'pulse_connector_events_fetched_total', 'okta') === fixtureEvents('okta').length &&
        metric(metrics, 'pulse_connector_events_fetched_total', 'auth0') === fixtureEvents('auth0').length
    }, 60_000, 200)
    expect(metrics).toMatch(/^pulse_connector_errors_total\{connector="atlassian",kind="auth"\} 1$/m)
    expect(c.output()).toContain('The atlassian connector was refused by')
    expect((await fetch(`${base}/healthz`)).status).toBe(200)

    c.proc.kill('SIGTERM')
    expect(await c.exited).toEqual({ code: 0, signal: null })
    const state = join(dataDir, 'connectors')
    expect(JSON.parse(readFileSync(join(state, 'okta.json'), 'utf8'))).toMatchObject({ vendor: 'okta' })
    expect(() => readFileSync(join(state, 'okta.lock'))).toThrow()
    expect(c.output()).not.toContain(okta.secret)
  })
})
