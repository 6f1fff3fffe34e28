// The HTTP collector through fastify's real request pipeline (app.inject), on embedded ClickHouse:
// the in-process pipeline (embedded mode) and a real Kafka broker plus a real worker (kafka mode),
// authentication and every 4xx a sender can meet, health, metrics and the first analytics route.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions } from 'fastify'
import type { Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, TokenVerifier, type Role } from '../../access/tokens.js'
import { buildApp } from '../../analytics/server.js'
import { loadConfig, type Config } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { PROJECT_ROOT } from '../../core/paths.js'
import { createKafka, ensureTopics } from '../../ingest/kafka/client.js'
import { startIngestWorker, type IngestWorker } from '../../ingest/kafka/worker.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink, kafkaSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { nativeLogin, ONE_PER_SOURCE } from '../helpers/events.js'
import { groupLag, kafkaEnv, readTopic, testKafka, waitFor } from '../helpers/kafka.js'
import { count, openTestStore, queryRows, type TestStore } from '../helpers/store.js'

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures')
const fixture = (path: string): unknown => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'))


const MAX_BODY = 64 * 1024
const MAX_EVENTS = 100
const STATIC_TOKEN = 'static-ingest-secret-for-tests-0123456789'

const log = createLogger('error')
let t: TestStore
let config: Config
let app: FastifyInstance
let writer: BatchWriter
const tokens: Partial<Record<Role, string>> = {}
const closers: (() => Promise<void>)[] = []

beforeAll(async () => {
  t = await openTestStore({
    PULSE_MAX_BODY_BYTES: String(MAX_BODY),
    PULSE_MAX_EVENTS_PER_REQUEST: String(MAX_EVENTS),
    PULSE_BATCH_MAX_MS: '20',
    PULSE_DEFAULT_TENANT: 'env-tenant',
    PULSE_INGEST_TOKEN: STATIC_TOKEN,
  })
  config = t.config
  writer = new BatchWriter(t.store.client, { ...config.batch, log })
  const service = new IngestService(writer)
  // As `start` wires it: the configured ingest token writes for the default tenant.
  const verifier = new TokenVerifier(t.store.client, { token: config.ingestToken, tenant: config.defaultTenant })
  app = await buildApp({ config, store: t.store, sink: embeddedSink(service), verifier, log })
  for (const role of ['admin', 'security', 'finance', 'viewer', 'ingest'] as const) {
    tokens[role] = (await createToken(t.store.client, 'acme', role, `test ${role}`)).token
  }
})

afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await app?.close()
  await writer?.close()
  await t?.cleanup()
})

interface PostOptions {
  token?: string | null
  query?: string
  body: unknown
  contentType?: string
}

function post(o: PostOptions, on: FastifyInstance = app) {
  const headers: Record<string, string> = {}
  const token = o.token === undefined ? tokens.ingest! : o.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  if (o.contentType) headers['content-type'] = o.contentType
  const req: InjectOptions = {
    method: 'POST',
    url: `/v1/events${o.query ?? '?source=native'}`,
    headers,
    payload: typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
  }
  if (!o.contentType) headers['content-type'] = 'application/json'
  return on.inject(req)
}

const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n'
const ids = (events: { source_event_id?: unknown }[]) => events.map((e) => String(e.source_event_id))

async function storedIn(tenant: string, sourceEventIds: string[], final = true): Promise<number> {
  return count(t.store,
    `SELECT count() AS n FROM auth_events ${final ? 'FINAL' : ''} WHERE tenant = {tenant:String} AND source_event_id IN {ids:Array(String)}`,
    { tenant, ids: sourceEventIds })
}

const summary = (received: number, stored: number, more: Partial<Record<'duplicates' | 'ignored' | 'rejected', number>> = {}) => ({
  received, stored, duplicates: 0, ignored: 0, rejected: 0, ...more,
})

describe('collector, embedded mode', () => {
  it('stores a JSON array, a single object and NDJSON under the token tenant, with exact counts', async () => {
    const array = Array.from({ length: 5 }, () => nativeLogin())
    const r1 = await post({ body: array })
    expect(r1.statusCode).toBe(200)
    expect(r1.json()).toMatchObject({ mode: 'embedded', source: 'native', tenant: 'acme', ...summary(5, 5), rejections: [] })

    const single = nativeLogin({ method: 'password', second_factor: 'totp', passkey_type: '' })
    const r2 = await post({ body: single })
    expect(r2.statusCode).toBe(200)
    expect(r2.json()).toMatchObject(summary(1, 1))

    const lines = Array.from({ length: 3 }, () => nativeLogin())
    const r3 = await post({ body: ndjson(lines), contentType: 'application/x-ndjson' })
    expect(r3.statusCode).toBe(200)
    expect(r3.json()).toMatchObject(summary(3, 3))

    const all = ids([...array, single, ...lines])
    expect(await storedIn('acme', all)).toBe(9)
    const rows = await queryRows<{ source: string; method: string; second_factor: string }>(t.store,
      'SELECT source, method, second_factor FROM auth_events FINAL WHERE tenant = {tenant:String} AND source_event_id = {id:String}',
      { tenant: 'acme', id: String(single.source_event_id) })
    expect(rows).toEqual([{ source: 'native', method: 'password', second_factor: 'totp' }])
  })

  it('counts re-posted events as duplicates and stores nothing twice', async () => {
    const events = Array.from({ length: 4 }, () => nativeLogin())
    expect((await post({ body: events })).json()).toMatchObject(summary(4, 4))
    const again = await post({ body: events })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject(summary(4, 0, { duplicates: 4 }))
    const asNdjson = await post({ body: ndjson(events), contentType: 'application/x-ndjson' })
    expect(asNdjson.json()).toMatchObject(summary(4, 0, { duplicates: 4 }))
    expect(await storedIn('acme', ids(events))).toBe(4)
    expect(await storedIn('acme', ids(events), false)).toBe(4)
  })

  it('rejects the one broken NDJSON line into dead_letters with its reason and stores the others', async () => {
    const [a, b] = [nativeLogin(), nativeLogin()]
    const broken = '{"ts": "2026-10-01T09:00:00Z", "user_id": "x@acme.example",'
    const body = `${JSON.stringify(a)}\n${broken}\n${JSON.stringify(b)}\n`
    const r = await post({ body, contentType: 'application/x-ndjson' })
    expect(r.statusCode).toBe(200)
    const s = r.json()
    expect(s).toMatchObject(summary(3, 2, { rejected: 1 }))
    expect(s.rejections).toHaveLength(1)
    expect(s.rejections[0]).toMatchObject({ index: 1, code: 'invalid_json' })
    expect(s.rejections[0].reason).toMatch(/^not JSON: /)
    expect(await storedIn('acme', ids([a, b]))).toBe(2)
    const dl = await queryRows<{ source: string; reason_code: string; reason: string; payload: string; kafka_topic: string }>(t.store,
      'SELECT source, reason_code, reason, payload, kafka_topic FROM dead_letters FINAL WHERE tenant = {tenant:String} AND payload = {p:String}',
      { tenant: 'acme', p: broken })
    expect(dl).toHaveLength(1)
    expect(dl[0]).toMatchObject({ source: 'native', reason_code: 'invalid_json', kafka_topic: '' })
    expect(dl[0]!.reason).toMatch(/^not JSON: .+/)
  })

  it('normalises a real Okta event with ?source=okta', async () => {
    const okta = fixture('okta/session-start-password.json') as { uuid: string }
    const r = await post({ query: '?source=okta', body: okta })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toMatchObject({ source: 'okta', tenant: 'acme', ...summary(1, 1) })
    const rows = await queryRows<{ source: string; event_type: string; user_id: string; method: string }>(t.store,
      'SELECT source, event_type, user_id, method FROM auth_events FINAL WHERE tenant = {tenant:String} AND source_event_id = {id:String}',
      { tenant: 'acme', id: okta.uuid })
    expect(rows).toEqual([{ source: 'okta', event_type: 'login', user_id: 'alice.nguyen@example.com', method: 'password' }])
  })

  it('detects every vendor with ?source=auto, and counts the non-auth and the unrecognised', async () => {
    const vendor = Object.entries(ONE_PER_SOURCE).map(([source, file]) => ({ source, payload: fixture(`${source}/${file}`) }))
    const body = [
      ...vendor.map((v) => v.payload),
      fixture('okta/policy-evaluate-sign-on.json'), // not about authentication: ignored
      { hello: 'world' }, // no source claims it: rejected
    ]
    const r = await post({ query: '?source=auto', body, token: tokens.admin })
    expect(r.statusCode).toBe(200)
    const s = r.json()
    expect(s).toMatchObject({ source: 'auto', tenant: 'acme', ...summary(14, 12, { ignored: 1, rejected: 1 }) })
    expect(s.rejections).toEqual([{ index: 13, code: 'unrecognised', reason: expect.stringMatching(/matches no known source/) }])
    const raws = vendor.map((v) => JSON.stringify(v.payload))
    const bySource = await queryRows<{ source: string; n: number }>(t.store,
      'SELECT source, count() AS n FROM auth_events FINAL WHERE tenant = {tenant:String} AND raw IN {raws:Array(String)} GROUP BY source ORDER BY source',
      { tenant: 'acme', raws })
    expect(Object.fromEntries(bySource.map((b) => [b.source, Number(b.n)])))
      .toEqual(Object.fromEntries(Object.keys(ONE_PER_SOURCE).sort().map((k) => [k, 1])))
  })

  it('writes an event that claims another tenant under the token tenant', async () => {
    const e = nativeLogin({ tenant: 'someone-else' })
    const r = await post({ body: [e] })
    expect(r.json()).toMatchObject({ tenant: 'acme', ...summary(1, 1) })
    expect(await storedIn('acme', ids([e]))).toBe(1)
    expect(await storedIn('someone-else', ids([e]))).toBe(0)
  })

  it('accepts the configured PULSE_INGEST_TOKEN for the default tenant', async () => {
    const e = nativeLogin({ tenant: 'acme' })
    const r = await post({ body: [e], token: STATIC_TOKEN })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toMatchObject({ tenant: 'env-tenant', ...summary(1, 1) })
    expect(await storedIn('env-tenant', ids([e]))).toBe(1)
    expect(await storedIn('acme', ids([e]))).toBe(0)
    // The same secret with one character changed is not it.
    const wrong = await post({ body: [nativeLogin()], token: `${STATIC_TOKEN.slice(0, -1)}X` })
    expect(wrong.statusCode).toBe(401)
  })
})

describe('collector errors', () => {
  const expectError = (res: { statusCode: number; json(): any }, status: number, message: RegExp) => {
    expect({ status: res.statusCode, message: res.json().message as string }).toEqual({ status, message: expect.stringMatching(message) })
  }

  it('401 without a token, 401 for an unknown token', async () => {
    expectError(await post({ body: [nativeLogin()], token: null }), 401, /token is required.*Authorization: Bearer/)
    expectError(await post({ body: [nativeLogin()], token: 'pp_not-a-real-token' }), 401, /unknown or revoked/)
  })

  it('403 for finance and viewer tokens, which may not write events', async () => {
    expectError(await post({ body: [nativeLogin()], token: tokens.finance }), 403, /finance token may not/)
    expectError(await post({ body: [nativeLogin()], token: tokens.viewer }), 403, /viewer token may not/)
  })

  it('400 for an unknown source, naming the known ones', async () => {
    const res = await post({ query: '?source=myspace', body: [nativeLogin()] })
    expectError(res, 400, /Unknown source "myspace"/)
    for (const s of ['okta', 'entra', 'auth0', 'native', 'auto']) expect(res.json().message).toContain(s)
  })

  it('400 for an empty array and for invalid JSON', async () => {
    expectError(await post({ body: [] }), 400, /holds no events/)
    expectError(await post({ body: '{"ts": "2026-10-01", ' }), 400, /not valid JSON/i)
  })

  it('413 for a body over PULSE_MAX_BODY_BYTES and for more events than PULSE_MAX_EVENTS_PER_REQUEST', async () => {
    const big = Array.from({ length: 60 }, () => nativeLogin({ user_agent: 'x'.repeat(2_000) }))
    expect(JSON.stringify(big).length).toBeGreaterThan(MAX_BODY)
    expectError(await post({ body: big }), 413, /larger than \d+ bytes \(PULSE_MAX_BODY_BYTES\)/)
    const many = Array.from({ length: MAX_EVENTS + 1 }, () => nativeLogin())
    expect(JSON.stringify(many).length).toBeLessThan(MAX_BODY)
    expectError(await post({ body: many }), 413, new RegExp(`at most ${MAX_EVENTS}`))
    expectError(await post({ body: ndjson(many), contentType: 'application/x-ndjson' }), 413, new RegExp(`at most ${MAX_EVENTS}`))
  })

  it('400 for an unknown query parameter, naming it', async () => {
    expectError(await post({ query: '?source=native&tenant=other', body: [nativeLogin()] }), 400, /querystring has an unknown parameter "tenant"/)
  })
})

describe('collector, kafka mode', () => {
  let producer: Producer
  let kafkaApp: FastifyInstance
  let kconfig: Config

  beforeAll(async () => {
    kconfig = loadConfig({ ...process.env, ...kafkaEnv('collector'), PULSE_DATA_DIR: t.dataDir, PULSE_BATCH_MAX_MS: '100' })
    const kafka = createKafka(kconfig.kafka, log)
    await ensureTopics(kafka, kconfig.kafka, 2)
    producer = kafka.producer()
    await producer.connect()
    closers.push(() => producer.disconnect())
    kafkaApp = await buildApp({ config: kconfig, store: t.store, sink: kafkaSink(producer, kconfig.kafka), verifier: new TokenVerifier(t.store.client), log })
    closers.push(() => kafkaApp.close())
  })

  it('queues events on the raw topic (202), keyed by flow or user, and a worker stores them once', { timeout: 120_000 }, async () => {
    const withFlow = [nativeLogin({ flow_id: 'flow-a', user_id: 'fa@acme.example' }), nativeLogin({ flow_id: 'flow-b', user_id: 'fb@acme.example' })]
    const noFlow = [nativeLogin({ user_id: 'nf1@acme.example' }), nativeLogin({ user_id: 'nf2@acme.example' })]
    const native = [...withFlow, ...noFlow]
    const r1 = await post({ body: native }, kafkaApp)
    expect(r1.statusCode).toBe(202)
    expect(r1.json()).toEqual({ mode: 'kafka', source: 'native', tenant: 'acme', queued: 4 })
    // The same events again (a sender retrying): queued again, stored once in the end.
    const r2 = await post({ body: ndjson(native), contentType: 'application/x-ndjson' }, kafkaApp)
    expect(r2.statusCode).toBe(202)
    expect(r2.json()).toMatchObject({ queued: 4 })
    // An Okta sign-in spread over three events (MFA, MFA, session start): one flow id, so one key.
    const flow = fixture('okta/flow-password-push.json') as unknown[]
    const r3 = await post({ query: '?source=okta', body: flow }, kafkaApp)
    expect(r3.statusCode).toBe(202)
    expect(r3.json()).toMatchObject({ source: 'okta', queued: 3 })

    const messages = await readTopic(testKafka(), kconfig.kafka.rawTopic, 11)
    expect(messages).toHaveLength(11)
    for (const m of messages) expect(m.headers['pulse-tenant']).toBe('acme')
    const nativeMsgs = messages.filter((m) => m.headers['pulse-source'] === 'native')
    const oktaMsgs = messages.filter((m) => m.headers['pulse-source'] === 'okta')
    expect(nativeMsgs).toHaveLength(8)
    expect(oktaMsgs).toHaveLength(3)
    const keyOf = new Map(nativeMsgs.map((m) => [String((JSON.parse(m.value) as { source_event_id: string }).source_event_id), m.key]))
    expect(native.map((e) => keyOf.get(String(e.source_event_id)))).toEqual(['flow-a', 'flow-b', 'nf1@acme.example', 'nf2@acme.example'])
    expect(new Set(oktaMsgs.map((m) => m.key))).toEqual(new Set(['idxT0kLm3nOpQ4rS5tU6vW7']))
    // The payload travels untouched.
    expect(oktaMsgs.map((m) => JSON.parse(m.value))).toEqual(expect.arrayContaining(flow))

    const wconfig = kconfig
    const wwriter = new BatchWriter(t.store.client, { ...wconfig.batch, log, maxAttempts: Infinity })
    const worker: IngestWorker = await startIngestWorker({ kafka: createKafka(wconfig.kafka, log), config: wconfig, writer: wwriter, log })
    let stopped = false
    closers.push(async () => { if (!stopped) await worker.stop() })
    const kafka = testKafka()
    await waitFor('the worker to commit every message', async () => (await groupLag(kafka, wconfig.kafka.groupId, wconfig.kafka.rawTopic)) === 0, 90_000)
    await worker.stop()
    stopped = true

    expect(await storedIn('acme', ids(native))).toBe(4)
    expect(await storedIn('acme', ids(native), false)).toBe(4)
    const okta = await queryRows<{ event_type: string; method: string; second_factor: string; flow_id: string }>(t.store,
      "SELECT event_type, method, second_factor, flow_id FROM auth_events WHERE tenant = 'acme' AND source = 'okta' AND flow_id = 'idxT0kLm3nOpQ4rS5tU6vW7'")
    expect(okta).toEqual([{ event_type: 'login', method: 'password', second_factor: 'push', flow_id: 'idxT0kLm3nOpQ4rS5tU6vW7' }])
  })
})

describe('health, metrics and analytics', () => {
  it('GET /healthz answers with the store kind, /metrics with the pipeline counters', async () => {
    const h = await app.inject({ method: 'GET', url: '/healthz' })
    expect(h.statusCode).toBe(200)
    expect(h.json()).toEqual({ status: 'ok', clickhouse: t.store.kind, ingest: 'embedded' })
    expect(t.store.kind).toBe(process.env.CLICKHOUSE_URL ? 'server' : 'embedded')
    const m = await app.inject({ method: 'GET', url: '/metrics' })
    expect(m.statusCode).toBe(200)
    expect(m.headers['content-type']).toMatch(/^text\/plain/)
    const stored = /^pulse_events_stored_total (\d+)$/m.exec(m.body)
    expect(stored).not.toBeNull()
    expect(Number(stored![1])).toBeGreaterThan(0)
  })

  it('GET /api/v1/method-mix gives the token tenant its own successful logins per method class', async () => {
    const mixTenant = 'mix'
    const ingest = (await createToken(t.store.client, mixTenant, 'ingest', 'mix ingest')).token
    const admin = (await createToken(t.store.client, mixTenant, 'admin', 'mix admin')).token
    const day = { ts: '2026-10-05T10:00:00.000Z' }
    const events = [
      nativeLogin({ ...day, method: 'passkey', passkey_type: 'synced' }),
      nativeLogin({ ...day, method: 'passkey', passkey_type: 'synced' }),
      nativeLogin({ ...day, method: 'passkey', passkey_type: 'synced' }),
      nativeLogin({ ...day, method: 'password', second_factor: 'totp', passkey_type: '' }),
      nativeLogin({ ...day, method: 'password', passkey_type: '', outcome: 'failure', failure_reason: 'invalid_credentials' }),
      nativeLogin({ ...day, method: 'api_token', passkey_type: '' }),
    ]
    expect((await post({ body: events, token: ingest })).json()).toMatchObject({ tenant: mixTenant, ...summary(6, 6) })

    const url = '/api/v1/method-mix?from=2026-10-04T00:00:00Z&to=2026-10-07T00:00:00Z&bucket=day'
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin}` } })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ tenant: mixTenant, bucket: 'day' })
    expect(body.rows).toEqual([
      { bucket: '2026-10-05 00:00:00', method_class: 'passkey_synced', logins: 3, bucket_total: 4, share: 0.75 },
      { bucket: '2026-10-05 00:00:00', method_class: 'password_mfa', logins: 1, bucket_total: 4, share: 0.25 },
    ])
    // The acme tenant's admin sees none of them.
    const other = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.admin}` } })
    expect(other.json().rows).toEqual([])
  })

  it('GET /api/v1/method-mix refuses a missing token (401), bucket=fortnight and from after to (400)', async () => {
    const auth = { authorization: `Bearer ${tokens.viewer}` }
    const none = await app.inject({ method: 'GET', url: '/api/v1/method-mix' })
    expect(none.statusCode).toBe(401)
    expect(none.json().message).toMatch(/token is required/)
    const fortnight = await app.inject({ method: 'GET', url: '/api/v1/method-mix?bucket=fortnight', headers: auth })
    expect(fortnight.statusCode).toBe(400)
    expect(fortnight.json().message).toMatch(/querystring\/bucket must be equal to one of the allowed values \(hour, day, week, month\)/)
    const backwards = await app.inject({ method: 'GET', url: '/api/v1/method-mix?from=2026-10-07&to=2026-10-01', headers: auth })
    expect(backwards.statusCode).toBe(400)
    expect(backwards.json().message).toMatch(/from must be before to/)
  })
})
