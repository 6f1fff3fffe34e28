// The ingest worker on a real Kafka broker and embedded ClickHouse: exact counts with poison messages
// in the stream, and two workers in one group sharing four partitions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Message } from 'kafkajs'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { createKafka } from '../../ingest/kafka/client.js'
import { encodeRawMessage } from '../../ingest/kafka/messages.js'
import { startIngestWorker, type IngestWorker } from '../../ingest/kafka/worker.js'
import { BatchWriter } from '../../ingest/writer.js'
import { nativeLogin } from '../helpers/events.js'
import { assignment, createTopic, groupLag, kafkaEnv, type KafkaEnv, produce, readTopic, testKafka, waitFor } from '../helpers/kafka.js'
import { count, openTestStore, queryRows, type TestStore } from '../helpers/store.js'

let t: TestStore
const log = createLogger('error')
const running: IngestWorker[] = []
beforeAll(async () => { t = await openTestStore() })
afterAll(async () => {
  for (const w of running) await w.stop()
  await t?.cleanup()
})

function worker(env: KafkaEnv) {
  const config = loadConfig({ ...process.env, ...env, PULSE_BATCH_MAX_ROWS: '2000', PULSE_BATCH_MAX_MS: '200' })
  const writer = new BatchWriter(t.store.client, { ...config.batch, log, maxAttempts: Infinity })
  return startIngestWorker({ kafka: createKafka(config.kafka, log), config, writer, log }).then((w) => { running.push(w); return w })
}

const good = (tenant: string, i: number): Message =>
  encodeRawMessage(nativeLogin({ user_id: `u${i % 300}@acme.example`, source_event_id: `${tenant}-${i}` }), 'native', tenant, `u${i % 300}@acme.example`)

describe('Kafka ingest worker', () => {
  it('stores every valid event once and dead-letters exactly the malformed 1 %', { timeout: 180_000 }, async () => {
    const env = kafkaEnv('poison')
    const tenant = 'poison'
    const kafka = testKafka()
    await createTopic(kafka, env.KAFKA_RAW_TOPIC, 2)
    const poison: Message[] = [
      { value: '{"ts": "2026-10-01T00:00:00Z", "user_id": ' },                            // truncated JSON
      { value: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },                         // invalid UTF-8
      { value: JSON.stringify(nativeLogin({ user_id: undefined })) },                      // missing user
      { value: JSON.stringify(nativeLogin({ method: 'telepathy' })) },                     // not an enum value
      { value: JSON.stringify(nativeLogin({ ts: 'last tuesday' })) },                      // not a time
      { value: JSON.stringify({ hello: 'world' }) },                                       // no source header, and auto matches none
      { value: '' },                                                                       // empty
      { value: JSON.stringify([1, 2, 3]) },                                                // not an object
      { value: JSON.stringify(nativeLogin()), headers: { 'pulse-source': 'myspace' } },    // unknown source
      { value: JSON.stringify(nativeLogin({ latency_ms: 'slow' })) },                      // wrong type
    ].map((m, i) => ({ ...m, headers: { 'pulse-tenant': tenant, ...(i === 5 ? {} : { 'pulse-source': 'native' }), ...(m.headers ?? {}) } }))
    // One message in every hundred is poison, cycling through the kinds above.
    const messages = Array.from({ length: 10_000 }, (_, i) => (i % 100 === 99 ? poison[((i - 99) / 100) % poison.length]! : good(tenant, i)))
    await produce(kafka, env.KAFKA_RAW_TOPIC, messages)

    await worker(env)
    await waitFor('the group to consume everything', async () => (await groupLag(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)) === 0, 120_000)

    expect(await count(t.store, 'SELECT count() AS n FROM auth_events FINAL WHERE tenant = {tenant:String}', { tenant })).toBe(9_900)
    expect(await count(t.store, 'SELECT count() AS n FROM auth_events WHERE tenant = {tenant:String}', { tenant })).toBe(9_900)
    const reasons = await queryRows<{ reason_code: string; n: number }>(t.store,
      'SELECT reason_code, count() AS n FROM dead_letters FINAL WHERE tenant = {tenant:String} GROUP BY reason_code ORDER BY reason_code', { tenant })
    expect(Object.fromEntries(reasons.map((r) => [r.reason_code, Number(r.n)]))).toEqual({
      invalid_json: 30, missing_field: 10, invalid_value: 30, unrecognised: 10, invalid_shape: 10, unknown_source: 10,
    })
    const origins = await count(t.store,
      'SELECT uniqExact(kafka_topic, kafka_partition, kafka_offset) AS n FROM dead_letters FINAL WHERE tenant = {tenant:String} AND kafka_topic = {topic:String}',
      { tenant, topic: env.KAFKA_RAW_TOPIC })
    expect(origins).toBe(100)

    const dlq = await readTopic(kafka, env.KAFKA_DLQ_TOPIC, 100)
    expect(dlq).toHaveLength(100)
    expect(dlq.every((m) => m.headers['pulse-reason'] && m.headers['pulse-origin-topic'] === env.KAFKA_RAW_TOPIC)).toBe(true)
    expect(new Set(dlq.map((m) => m.headers['pulse-reason-code']))).toEqual(new Set(reasons.map((r) => r.reason_code)))
  })

  it('shares four partitions between two workers in one group and stores every event once', { timeout: 180_000 }, async () => {
    const env = kafkaEnv('pair')
    const tenant = 'pair'
    const kafka = testKafka()
    await createTopic(kafka, env.KAFKA_RAW_TOPIC, 4)
    await worker(env)
    await worker(env)
    let partitionsPerMember: number[] = []
    await waitFor('both workers to hold partitions', async () => {
      partitionsPerMember = await assignment(kafka, env.KAFKA_GROUP_ID)
      return partitionsPerMember.length === 2 && partitionsPerMember.every((n) => n > 0)
    }, 60_000)
    expect(partitionsPerMember.reduce((a, b) => a + b, 0)).toBe(4)

    const messages = Array.from({ length: 8_000 }, (_, i) => good(tenant, i))
    await produce(kafka, env.KAFKA_RAW_TOPIC, messages)
    await waitFor('the group to consume everything', async () => (await groupLag(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)) === 0, 120_000)

    const [r] = await queryRows<{ rows: number; ids: number }>(t.store,
      'SELECT count() AS rows, uniqExact(event_id) AS ids FROM auth_events WHERE tenant = {tenant:String}', { tenant })
    expect({ rows: Number(r!.rows), ids: Number(r!.ids) }).toEqual({ rows: 8_000, ids: 8_000 })
  })
})
