// The vendors' push receivers on the collector, through the real app (buildApp) and its sink:
// Okta event hooks (verification handshake, deliveries) and Auth0 log streams (custom webhook),
// each with the Authorization value configured for it; embedded (rows in ClickHouse) and Kafka
// (raw messages with pulse-source okta / auth0). Requests are shaped as Okta and Auth0 document them
// (test/connectors-fixtures/); the vendors themselves cannot reach this test, hence app.inject.
import type { FastifyInstance } from 'fastify'
import type { Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TokenVerifier } from '../../access/tokens.js'
import { buildApp } from '../../analytics/server.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { createKafka, ensureTopics } from '../../ingest/kafka/client.js'
import { HEADER_SOURCE, HEADER_TENANT } from '../../ingest/kafka/messages.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink, kafkaSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { fixture } from '../connectors-fixtures/vendors.js'
import { kafkaEnv, readTopic, testKafka } from '../helpers/kafka.js'
import { count, openTestStore, type TestStore } from '../helpers/store.js'

const OKTA_AUTH = 'okta-hook-shared-value-0123456789'
const AUTH0_AUTH = 'Bearer auth0-stream-shared-value-0123456789'
const HOOK_ENV = {
  PULSE_OKTA_HOOK_AUTHORIZATION: OKTA_AUTH, PULSE_OKTA_HOOK_TENANT: 'okta-org',
  PULSE_AUTH0_HOOK_AUTHORIZATION: AUTH0_AUTH, PULSE_AUTH0_HOOK_TENANT: 'auth0-org',
}

interface OktaDelivery { data: { events: { uuid: string }[] } }
interface StreamItem { log_id: string; data: unknown }

const log = createLogger('error')
let t: TestStore
let writer: BatchWriter
let app: FastifyInstance
const closers: (() => Promise<void>)[] = []

beforeAll(async () => {
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '20', ...HOOK_ENV })
  writer = new BatchWriter(t.store.client, { ...t.config.batch, log })
  const verifier = new TokenVerifier(t.store.client)
  app = await buildApp({ config: t.config, store: t.store, sink: embeddedSink(new IngestService(writer)), verifier, log })
})

afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await app?.close()
  await writer?.close()
  await t?.cleanup()
})

const storedUnder = (tenant: string, source: string) =>
  count(t.store, 'SELECT count() AS n FROM auth_events FINAL WHERE tenant = {tenant:String} AND source = {source:String}', { tenant, source })

describe('Okta event hook', () => {
  it('answers the one-time verification with the challenge, only for the configured Authorization', async () => {
    const ok = await app.inject({ method: 'GET', url: '/v1/hooks/okta', headers: { authorization: OKTA_AUTH, 'x-okta-verification-challenge': 'zEwm9J1-Ny4sJUnJIqgM5eycQ5bqEBcbyKcdzmEk' } })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ verification: 'zEwm9J1-Ny4sJUnJIqgM5eycQ5bqEBcbyKcdzmEk' })
    const wrong = await app.inject({ method: 'GET', url: '/v1/hooks/okta', headers: { authorization: 'guess', 'x-okta-verification-challenge': 'x' } })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.body).not.toContain('x-okta')
    const noChallenge = await app.inject({ method: 'GET', url: '/v1/hooks/okta', headers: { authorization: OKTA_AUTH } })
    expect(noChallenge.statusCode).toBe(400)
    expect(noChallenge.json().message).toContain('x-okta-verification-challenge')
  })

  it('stores the events of a delivery as source okta under the hook tenant, and refuses a wrong Authorization', async () => {
    const delivery = fixture<OktaDelivery>('okta', 'event-hook-delivery.json')
    const wrong = await app.inject({ method: 'POST', url: '/v1/hooks/okta', headers: { authorization: `${OKTA_AUTH}x`, 'content-type': 'application/json' }, payload: JSON.stringify(delivery) })
    expect(wrong.statusCode).toBe(401)
    expect(await storedUnder('okta-org', 'okta')).toBe(0)

    const r = await app.inject({ method: 'POST', url: '/v1/hooks/okta', headers: { authorization: OKTA_AUTH, 'content-type': 'application/json' }, payload: JSON.stringify(delivery) })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toEqual({ received: delivery.data.events.length, mode: 'embedded' })
    expect(await storedUnder('okta-org', 'okta')).toBe(delivery.data.events.length)

    const notADelivery = await app.inject({ method: 'POST', url: '/v1/hooks/okta', headers: { authorization: OKTA_AUTH, 'content-type': 'application/json' }, payload: '{"events":[]}' })
    expect(notADelivery.statusCode).toBe(400)
    expect(notADelivery.json().message).toContain('data.events')
  })
})

describe('Auth0 log stream', () => {
  it('refuses a wrong or missing Authorization and stores nothing', async () => {
    const items = fixture<StreamItem[]>('auth0', 'log-stream-delivery.json')
    for (const headers of [{ authorization: 'Bearer nope' }, {}]) {
      const r = await app.inject({ method: 'POST', url: '/v1/hooks/auth0', headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(items) })
      expect(r.statusCode).toBe(401)
    }
    expect(await storedUnder('auth0-org', 'auth0')).toBe(0)
  })

  it('stores a JSON array delivery as source auth0, and a JSON-lines redelivery of it once more as nothing new', async () => {
    const items = fixture<StreamItem[]>('auth0', 'log-stream-delivery.json')
    const r = await app.inject({ method: 'POST', url: '/v1/hooks/auth0', headers: { authorization: AUTH0_AUTH, 'content-type': 'application/json' }, payload: JSON.stringify(items) })
    expect(r.statusCode).toBe(200)
    expect(r.json()).toEqual({ received: items.length, mode: 'embedded' })
    expect(await storedUnder('auth0-org', 'auth0')).toBe(items.length)
    // Auth0 retries deliveries; "JSON Lines" streams send one item per line under application/json.
    const lines = items.map((i) => JSON.stringify(i)).join('\n')
    const again = await app.inject({ method: 'POST', url: '/v1/hooks/auth0', headers: { authorization: AUTH0_AUTH, 'content-type': 'application/json' }, payload: lines })
    expect(again.statusCode).toBe(200)
    expect(again.json().received).toBe(items.length)
    expect(await storedUnder('auth0-org', 'auth0')).toBe(items.length)
  })
})

describe('hooks without a configured Authorization', () => {
  it('are off, and say which setting turns them on', async () => {
    const config = loadConfig({ ...process.env, PULSE_DATA_DIR: t.dataDir, PULSE_OKTA_HOOK_AUTHORIZATION: '', PULSE_AUTH0_HOOK_AUTHORIZATION: '' })
    const off = await buildApp({ config, store: t.store, sink: embeddedSink(new IngestService(writer)), verifier: new TokenVerifier(t.store.client), log })
    closers.push(() => off.close())
    const okta = await off.inject({ method: 'GET', url: '/v1/hooks/okta', headers: { authorization: '', 'x-okta-verification-challenge': 'x' } })
    expect(okta.statusCode).toBe(404)
    expect(okta.json().message).toContain('PULSE_OKTA_HOOK_AUTHORIZATION')
    const auth0 = await off.inject({ method: 'POST', url: '/v1/hooks/auth0', headers: { 'content-type': 'application/json' }, payload: '[]' })
    expect(auth0.statusCode).toBe(404)
    expect(auth0.json().message).toContain('PULSE_AUTH0_HOOK_AUTHORIZATION')
  })
})

describe('hooks in Kafka mode', () => {
  it('put each delivered event on the raw topic with pulse-source and the hook tenant', async () => {
    const env = kafkaEnv('hooks')
    const config = loadConfig({ ...process.env, ...HOOK_ENV, ...env, PULSE_DATA_DIR: t.dataDir })
    const kafka = createKafka(config.kafka, log)
    await ensureTopics(kafka, config.kafka, 1)
    const producer: Producer = kafka.producer()
    await producer.connect()
    closers.push(() => producer.disconnect())
    const kafkaApp = await buildApp({ config, store: t.store, sink: kafkaSink(producer, config.kafka), verifier: new TokenVerifier(t.store.client), log })
    closers.push(() => kafkaApp.close())

    const delivery = fixture<OktaDelivery>('okta', 'event-hook-delivery.json')
    const items = fixture<StreamItem[]>('auth0', 'log-stream-delivery.json')
    expect((await kafkaApp.inject({ method: 'POST', url: '/v1/hooks/okta', headers: { authorization: OKTA_AUTH, 'content-type': 'application/json' }, payload: JSON.stringify(delivery) })).statusCode).toBe(200)
    expect((await kafkaApp.inject({ method: 'POST', url: '/v1/hooks/auth0', headers: { authorization: AUTH0_AUTH, 'content-type': 'application/x-ndjson' }, payload: items.map((i) => JSON.stringify(i)).join('\n') })).statusCode).toBe(200)

    const messages = await readTopic(testKafka(), env.KAFKA_RAW_TOPIC, delivery.data.events.length + items.length)
    const bySource = (s: string) => messages.filter((m) => m.headers[HEADER_SOURCE] === s)
    expect(bySource('okta').map((m) => (JSON.parse(m.value) as { uuid: string }).uuid).sort()).toEqual(delivery.data.events.map((e) => e.uuid).sort())
    expect(bySource('auth0').map((m) => (JSON.parse(m.value) as StreamItem).log_id).sort()).toEqual(items.map((i) => i.log_id).sort())
    expect(new Set(bySource('okta').map((m) => m.headers[HEADER_TENANT]))).toEqual(new Set(['okta-org']))
    expect(new Set(bySource('auth0').map((m) => m.headers[HEADER_TENANT]))).toEqual(new Set(['auth0-org']))
  })
})
