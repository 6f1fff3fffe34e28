// Fuzz target "collector": POST /v1/events over the real app (app.inject) and a real embedded store,
// fuzzRuns() requests (10,000 in CI), sent 48 at a time so the batching writer sees concurrent requests.
// Each request draws a token (ingest, none, wrong, revoked, a reading role, in either header), a query
// (known, unknown, hostile or duplicated source; unknown parameters), a content type (JSON, NDJSON
// variants, text, unsupported ones) and a body (arrays and single events of fixtures — intact or
// mutated —, hostile JSON, NDJSON with broken and blank lines, garbage, over the count or byte limit).
// Every request has an expected status computed from what was sent, in fastify's order (media type,
// size, parse, querystring, token, source, count). Asserted for every one: that status; never a 5xx;
// a 4xx carries a JSON {code, message}; a 200 reports received = events sent and, per event, what the
// pipeline itself decides (ignored, rejected; stored + duplicates = its rows). At the end the store
// holds exactly the rows reported stored (plus the flows drained at close) and the dead letters
// reported rejected, all under the token's tenant; no unhandled rejection happened.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, revokeToken, TokenVerifier } from '../../access/tokens.js'
import { buildApp } from '../../analytics/server.js'
import { PROJECT_ROOT } from '../../core/paths.js'
import { createLogger } from '../../core/logger.js'
import { FlowAssembler } from '../../ingest/flow-assembly.js'
import { knownSources } from '../../ingest/normalizers/index.js'
import { processEvent } from '../../ingest/pipeline.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink } from '../../ingest/sinks.js'
import { nowTimestamp } from '../../ingest/time.js'
import { BatchWriter } from '../../ingest/writer.js'
import { nativeLogin } from '../helpers/events.js'
import { applyMutations, collectUnhandled, fuzzParams, fuzzRuns, fuzzTimeout, hostileJson, hostileString, mutationArb, pool } from '../helpers/fuzz.js'
import { count, openTestStore, queryRows, type TestStore } from '../helpers/store.js'

const TENANT = 'fuzzco'
const MAX_BODY = 64 * 1024
const MAX_EVENTS = 40
const CONCURRENCY = 48
const RUNS = fuzzRuns(10_000)
const log = createLogger('error')

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures')
const fixtures: { source: string; payload: unknown }[] = readdirSync(FIXTURES).flatMap((source) =>
  readdirSync(join(FIXTURES, source)).flatMap((file) => {
    const p = JSON.parse(readFileSync(join(FIXTURES, source, file), 'utf8')) as unknown
    return (Array.isArray(p) ? p : [p]).filter((x) => typeof x === 'object').map((payload) => ({ source, payload }))
  }))

let t: TestStore
let app: FastifyInstance
let writer: BatchWriter
let service: IngestService
const tokens: Record<string, string> = {}

beforeAll(async () => {
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '5', PULSE_MAX_BODY_BYTES: String(MAX_BODY), PULSE_MAX_EVENTS_PER_REQUEST: String(MAX_EVENTS),
    // The brake on failed token checks would answer 429 to every later request from 127.0.0.1;
    // it has its own test (api-security): here each bad token must get its own 401.
    PULSE_AUTH_FAILURES_PER_MINUTE: '100000000' })
  writer = new BatchWriter(t.store.client, { ...t.config.batch, log })
  // A window longer than the run: no flow expires mid-run, so each answer's rows are its own events'.
  service = new IngestService(writer, { assembler: new FlowAssembler({ windowMs: 86_400_000 }) })
  const verifier = new TokenVerifier(t.store.client)
  app = await buildApp({ config: t.config, store: t.store, sink: embeddedSink(service), verifier, log })
  await app.ready()
  tokens.ingest = (await createToken(t.store.client, TENANT, 'ingest', 'fuzz ingest')).token
  tokens.admin = (await createToken(t.store.client, TENANT, 'admin', 'fuzz admin')).token
  tokens.finance = (await createToken(t.store.client, TENANT, 'finance', 'fuzz finance')).token
  const revoked = await createToken(t.store.client, TENANT, 'ingest', 'fuzz revoked')
  await revokeToken(t.store.client, revoked.tokenId, TENANT)
  tokens.revoked = revoked.token
}, 180_000)
afterAll(async () => {
  await app?.close()
  await writer?.close()
  await t?.cleanup()
})

// ---- what a request is made of --------------------------------------------------------------------

type Auth = 'ingest' | 'admin' | 'ingest-x-header' | 'none' | 'wrong' | 'revoked' | 'finance' | 'bearer-junk'
type Ctype = 'json' | 'json-charset' | 'ndjson' | 'text' | 'unsupported' | 'none'

interface FuzzRequest {
  auth: Auth
  /** Query pairs as sent (a name may repeat). */
  query: [string, string][]
  ctype: Ctype
  contentType?: string
  /** The bytes sent. */
  body: string
  /** Events in the body as the collector should count them, or a reason the body is not readable. */
  events: { payload: unknown; broken?: boolean }[] | 'unparseable' | 'empty-json'
}

const SOURCES = knownSources()
const event: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...fixtures).map((f) => f.payload) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...fixtures), fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([f, m]) => applyMutations(f.payload, m)) },
  { weight: 2, arbitrary: fc.record({ over: fc.dictionary(fc.constantFrom('ts', 'user_id', 'method', 'latency_ms', 'tenant', 'event_type', 'flow_id'), hostileJson, { maxKeys: 2 }) }).map(({ over }) => nativeLogin(over)) },
  { weight: 1, arbitrary: hostileJson },
  // Keys the collector itself might read from a body: a body is events, never instructions.
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('ndjson', 'payload', 'parseError', 'tenant', 'tenantMappable', 'source'), v: hostileJson })
    .map(({ k, v }) => JSON.parse(`{${JSON.stringify(k)}:${JSON.stringify(k === 'ndjson' ? [{ payload: nativeLogin(), tenantMappable: true, tenant: 'globex' }, v] : v) ?? 'null'}}`)) },
)

/** A line no JSON parser accepts (so the expected verdict is known): cut JSON, or text that starts like none. */
const brokenLine = fc.oneof(
  fc.tuple(event, fc.nat()).map(([e, n]) => { const s = JSON.stringify(e) ?? 'null'; return `{${s.slice(0, 1 + (n % Math.max(1, s.length)))}` }),
  hostileString.filter((s) => !/[\r\n]/.test(s)).map((s) => `@${s}`),
)

const bodyArb: fc.Arbitrary<Pick<FuzzRequest, 'ctype' | 'contentType' | 'body' | 'events'>> = fc.oneof(
  // A JSON array (sometimes over the event limit) or one event.
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom<Ctype>('json', 'json', 'json-charset'), fc.oneof({ weight: 9, arbitrary: fc.array(event, { maxLength: 8 }) }, { weight: 1, arbitrary: fc.array(event, { minLength: MAX_EVENTS + 1, maxLength: MAX_EVENTS + 3 }) }), fc.boolean())
    .map(([ctype, list, single]) => {
      const payloads = single && list.length > 0 ? list[0] : list
      const body = JSON.stringify(payloads)
      const events = Array.isArray(payloads) ? payloads.map((payload) => ({ payload })) : payloads === null || payloads === '' ? [] : [{ payload: payloads }]
      return { ctype, body, events }
    }) },
  // NDJSON with broken and blank lines, CRLF, record separators.
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/json-seq'),
    fc.array(fc.oneof({ weight: 4, arbitrary: event.map((payload) => ({ payload, broken: false })) }, { weight: 1, arbitrary: brokenLine.map((line) => ({ payload: line, broken: true })) }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 8 }),
    fc.constantFrom('\n', '\r\n'), fc.boolean())
    .map(([contentType, lines, eol, rs]) => {
      const text = lines.map((l) => (l === null ? '  ' : `${rs ? '\u001e' : ''}${l.broken ? l.payload as string : JSON.stringify(l.payload)}`)).join(eol)
      return { ctype: 'ndjson' as const, contentType, body: text, events: lines.flatMap((l) => (l === null ? [] : [l as { payload: unknown; broken: boolean }])) }
    }) },
  // Not JSON at all, under a JSON content type.
  { weight: 1, arbitrary: brokenLine.map((body) => ({ ctype: 'json' as const, body, events: 'unparseable' as const })) },
  { weight: 1, arbitrary: fc.constant({ ctype: 'json' as const, body: '', events: 'empty-json' as const }) },
  // Plain text: one event, the text itself (which no source reads as JSON).
  { weight: 1, arbitrary: hostileString.map((s) => ({ ctype: 'text' as const, body: s, events: s === '' ? [] : [{ payload: s }] })) },
  // Media types the collector does not read.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('application/xml', 'application/x-www-form-urlencoded', 'image/png', 'application/octet-stream', 'application/jsonx', 'x/y'), hostileString)
    .map(([contentType, s]) => ({ ctype: 'unsupported' as const, contentType, body: `a=${s}`, events: 'unparseable' as const })) },
  // Over the byte limit.
  { weight: 1, arbitrary: fc.constantFrom('json', 'ndjson').map((kind) => {
    const one = JSON.stringify(nativeLogin({ app: 'x'.repeat(2000) }))
    const n = Math.ceil(MAX_BODY / one.length) + 1
    return kind === 'json'
      ? { ctype: 'json' as const, body: `[${Array(n).fill(one).join(',')}]`, events: 'unparseable' as const }
      : { ctype: 'ndjson' as const, contentType: 'application/x-ndjson', body: Array(n).fill(one).join('\n'), events: 'unparseable' as const }
  }) },
)

const queryArb: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...SOURCES).map((s) => [['source', s]] as [string, string][]) },
  { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
  { weight: 1, arbitrary: hostileString.map((s) => [['source', s]] as [string, string][]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SOURCES), hostileString).map(([s, x]) => [['source', s], ['source', x]] as [string, string][]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SOURCES), fc.constantFrom('tenant', 'Source', 'source[]', '__proto__', 'limit'), hostileString).map(([s, k, v]) => [['source', s], [k, v]] as [string, string][]) },
)

const requestArb: fc.Arbitrary<FuzzRequest> = fc.record({
  auth: fc.oneof({ weight: 12, arbitrary: fc.constant<Auth>('ingest') }, { weight: 1, arbitrary: fc.constantFrom<Auth>('admin', 'ingest-x-header', 'none', 'wrong', 'revoked', 'finance', 'bearer-junk') }),
  query: queryArb,
  body: bodyArb,
}).map(({ auth, query, body }) => ({ auth, query, ...body }))

// ---- what must come back ----------------------------------------------------------------------------

const CONTENT_TYPE: Record<Ctype, string | undefined> = {
  json: 'application/json', 'json-charset': 'application/json; charset=utf-8', ndjson: 'application/x-ndjson', text: 'text/plain', unsupported: 'application/xml', none: undefined,
}

/** The querystring as fastify reads it (a repeated name is an array), then whether the schema admits it. */
function queryProblem(q: [string, string][]): boolean {
  const names = q.map(([k]) => k)
  if (names.some((k) => k !== 'source')) return true
  if (names.length > 1) return true
  const v = q[0]?.[1]
  return v !== undefined && (v.length < 1 || [...v].length > 64)
}

/** A `__proto__` key, or `constructor.prototype`, anywhere: what secure-json-parse refuses. */
function poisoned(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false
  if (Array.isArray(v)) return v.some(poisoned)
  if (Object.prototype.hasOwnProperty.call(v, '__proto__')) return true
  const c = (v as Record<string, unknown>).constructor
  if (Object.prototype.hasOwnProperty.call(v, 'constructor') && c !== null && typeof c === 'object' && Object.prototype.hasOwnProperty.call(c, 'prototype')) return true
  return Object.values(v).some(poisoned)
}

function expectedStatus(r: FuzzRequest): number {
  if (r.ctype === 'unsupported') return 415
  if (Buffer.byteLength(r.body) > MAX_BODY) return 413
  if (r.events === 'unparseable' || r.events === 'empty-json') return 400
  // fastify's JSON parser refuses prototype poisoning outright (NDJSON lines are the pipeline's to judge).
  if ((r.ctype === 'json' || r.ctype === 'json-charset') && r.events.some((e) => poisoned(e.payload))) return 400
  if (queryProblem(r.query)) return 400
  if (r.auth === 'none' || r.auth === 'wrong' || r.auth === 'revoked' || r.auth === 'bearer-junk') return 401
  if (r.auth === 'finance') return 403
  const source = r.query[0]?.[1] ?? 'auto'
  if (!SOURCES.includes(source)) return 400
  if (r.events.length === 0) return 400
  if (r.events.length > MAX_EVENTS) return 413
  return 200
}

function headersOf(r: FuzzRequest): Record<string, string> {
  const h: Record<string, string> = {}
  const ct = r.contentType ?? CONTENT_TYPE[r.ctype]
  if (ct) h['content-type'] = ct
  switch (r.auth) {
    case 'ingest': h.authorization = `Bearer ${tokens.ingest}`; break
    case 'admin': h.authorization = `Bearer ${tokens.admin}`; break
    case 'ingest-x-header': h['x-pulse-token'] = tokens.ingest!; break
    case 'finance': h.authorization = `Bearer ${tokens.finance}`; break
    case 'revoked': h.authorization = `Bearer ${tokens.revoked}`; break
    case 'wrong': h.authorization = `Bearer ${tokens.ingest!.slice(0, -2)}zz`; break
    case 'bearer-junk': h.authorization = 'Bearer \' OR 1=1 --'; break
    case 'none': break
  }
  return h
}

interface Totals { requests: number; stored: number; rejected: number; deadLetterIds: Set<string>; byStatus: Record<number, number> }

async function send(r: FuzzRequest, totals: Totals): Promise<string | null> {
  const qs = new URLSearchParams(r.query).toString()
  const res = await app.inject({ method: 'POST', url: `/v1/events${qs ? `?${qs}` : ''}`, headers: headersOf(r), payload: r.body })
  totals.requests++
  totals.byStatus[res.statusCode] = (totals.byStatus[res.statusCode] ?? 0) + 1
  const want = expectedStatus(r)
  const where = () => `${r.auth} ${qs} ${r.contentType ?? CONTENT_TYPE[r.ctype]} ${r.body.slice(0, 300)}`
  if (res.statusCode !== want) return `expected ${want}, got ${res.statusCode} ${res.body.slice(0, 300)} for ${where()}`
  let body: Record<string, unknown>
  try {
    body = res.json()
  } catch {
    return `not JSON (${res.statusCode}): ${res.body.slice(0, 200)} for ${where()}`
  }
  if (res.statusCode >= 400) {
    if (typeof body.code !== 'string' || typeof body.message !== 'string' || body.message === '') return `4xx without {code, message}: ${res.body.slice(0, 200)}`
    return null
  }
  // What the pipeline itself decides for each event sent.
  const events = r.events as { payload: unknown; broken?: boolean }[]
  const source = r.query[0]?.[1] ?? 'auto'
  const at = nowTimestamp()
  let rows = 0; let ignored = 0; let rejected = 0
  const deadLetterIds = new Set<string>()
  for (const e of events) {
    // A broken line is kept as the text the collector read (trimmed), with the parser's complaint.
    const raw = e.broken ? { payload: (e.payload as string).trim(), parseError: 'not JSON' } : { payload: e.payload }
    const fate = processEvent({ ...raw, source, tenant: TENANT }, at)
    if (fate.kind === 'accepted') rows += fate.rows.length
    else if (fate.kind === 'ignored') ignored++
    else { rejected++; deadLetterIds.add(fate.deadLetter.dead_letter_id) }
  }
  const got = { tenant: body.tenant, received: body.received, rows: Number(body.stored) + Number(body.duplicates), ignored: body.ignored, rejected: body.rejected }
  const exp = { tenant: TENANT, received: events.length, rows, ignored, rejected }
  if (JSON.stringify(got) !== JSON.stringify(exp)) return `counts ${JSON.stringify(got)}, expected ${JSON.stringify(exp)} for ${where()}`
  totals.stored += Number(body.stored)
  totals.rejected += Number(body.rejected)
  for (const id of deadLetterIds) totals.deadLetterIds.add(id)
  return null
}

describe('fuzz: the collector', () => {
  it(`${RUNS} requests: the expected status, never a 5xx, exact counts, nothing lost or misplaced`, { timeout: fuzzTimeout(900_000) }, async () => {
    const unhandled = collectUnhandled()
    const totals: Totals = { requests: 0, stored: 0, rejected: 0, deadLetterIds: new Set(), byStatus: {} }
    try {
      // One property run is a wave of CONCURRENCY requests sent at once: cases = requests.
      await fc.assert(fc.asyncProperty(fc.noShrink(fc.array(requestArb, { minLength: CONCURRENCY, maxLength: CONCURRENCY })), async (wave) => {
        const problems = (await pool(wave, CONCURRENCY, (r) => send(r, totals))).filter((p): p is string => p !== null)
        if (problems.length > 0) throw new Error(problems.join('\n'))
      }), fuzzParams(Math.ceil(RUNS / CONCURRENCY), 101, { shrink: false }))
      const drained = await service.drain()
      const storedRows = await count(t.store, 'SELECT count() AS n FROM auth_events FINAL')
      const ours = await count(t.store, 'SELECT count() AS n FROM auth_events FINAL WHERE tenant = {t:String}', { t: TENANT })
      // A dead letter's id is derived from its payload: the same bad event sent twice is one dead letter.
      const deadLetters = await count(t.store, 'SELECT count(DISTINCT dead_letter_id) AS n FROM dead_letters')
      const ourDeadLetters = await queryRows<{ id: string }>(t.store, 'SELECT DISTINCT dead_letter_id AS id FROM dead_letters WHERE tenant = {t:String}', { t: TENANT })
      expect({ storedRows, deadLetters }).toEqual({ storedRows: ours, deadLetters: ourDeadLetters.length })
      expect(ours).toBe(totals.stored + drained.stored)
      expect(new Set(ourDeadLetters.map((d) => d.id))).toEqual(totals.deadLetterIds)
      expect(totals.rejected).toBeGreaterThanOrEqual(totals.deadLetterIds.size)
    } finally {
      unhandled.stop()
    }
    expect(unhandled.errors).toEqual([])
    expect(totals.requests).toBeGreaterThanOrEqual(RUNS)
    // The mix must reach every outcome, or the fuzzer only tests the first check.
    for (const status of [200, 400, 401, 403, 413, 415]) expect(totals.byStatus[status] ?? 0, JSON.stringify(totals.byStatus)).toBeGreaterThan(0)
    expect(totals.byStatus[200]!, JSON.stringify(totals.byStatus)).toBeGreaterThan(RUNS / 3)
    expect(totals.stored).toBeGreaterThan(0)
  })
})
