// Distributed mode on a real broker: raw events on the raw topic → a Kafka ingest worker (as `ingest`
// wires it: the writer's hook feeds the alert engine) → alerts on the alerts topic, one message per
// alert with its delivery id, and the outbox records them delivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Producer } from 'kafkajs'
import { startAlerting, type Alerting } from '../../alerts/runtime.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { createKafka, ensureTopics } from '../../ingest/kafka/client.js'
import { encodeRawMessage } from '../../ingest/kafka/messages.js'
import { startIngestWorker, type IngestWorker } from '../../ingest/kafka/worker.js'
import { BatchWriter } from '../../ingest/writer.js'
import { kafkaEnv, produce, readTopic, testKafka, waitFor } from '../helpers/kafka.js'
import { openTestStore, queryRows, type TestStore } from '../helpers/store.js'
import { DAY, event, MIN } from '../helpers/alerts.js'

const log = createLogger('error')
let t: TestStore
let alerting: Alerting | undefined
let worker: IngestWorker | undefined
let producer: Producer | undefined

beforeAll(async () => { t = await openTestStore({ PULSE_BATCH_MAX_MS: '50' }) })
afterAll(async () => {
  await worker?.stop()
  await alerting?.close()
  await producer?.disconnect()
  await t?.cleanup()
})

describe('alerts in Kafka mode', () => {
  it('a worker publishes each alert once to the alerts topic', { timeout: 120_000 }, async () => {
    const env = kafkaEnv('alerts')
    const config = loadConfig({ ...process.env, ...env, PULSE_DATA_DIR: t.dataDir, PULSE_BATCH_MAX_MS: '50' })
    const kafka = createKafka(config.kafka, log)
    await ensureTopics(kafka, config.kafka, 2)
    producer = kafka.producer()
    await producer.connect()
    alerting = await startAlerting({ client: t.store.client, config, log, perEvent: true, rateRules: false, exclusive: false, producer, stateRefreshEveryMs: 0 })
    const writer = new BatchWriter(t.store.client, { ...config.batch, log, maxAttempts: Infinity, onInserted: alerting.onInserted })
    worker = await startIngestWorker({ kafka, config, writer, log, partitionsConsumedConcurrently: 2 })

    const tenant = 'kafka-acme'
    const raw = [
      event(2 * DAY, { event_type: 'passkey_registered', user_id: 'ann@acme.example', method: 'passkey', passkey_type: 'synced' }),
      event(5 * MIN, { user_id: 'ann@acme.example' }),
      event(5 * MIN, { user_id: 'ann@acme.example', method: 'otp' }), // same window: counted, not published again
      event(5 * MIN, { user_id: 'bob@acme.example', method: 'app_password' }),
      event(5 * MIN, { user_id: 'cy@acme.example' }), // no passkey: nothing
    ]
    await produce(testKafka(), env.KAFKA_RAW_TOPIC, raw.map((e) => encodeRawMessage(e, 'native', tenant, String(e.user_id))))

    const messages = await readTopic(testKafka(), env.KAFKA_ALERTS_TOPIC, 2)
    expect(messages).toHaveLength(2)
    const alerts = messages.map((m) => ({ key: m.key, headers: m.headers, alert: JSON.parse(m.value) as { id: string; rule: string; tenant: string; subject: { id: string } } }))
    expect(alerts.map((a) => [a.alert.rule, a.alert.subject.id]).sort()).toEqual([['deprecated_credential', 'bob@acme.example'], ['password_fallback', 'ann@acme.example']])
    for (const a of alerts) {
      expect(a.key).toBe(a.alert.id)
      expect(a.headers['pulse-tenant']).toBe(tenant)
      expect(a.headers['pulse-rule']).toBe(a.alert.rule)
      expect(a.headers['pulse-delivery']).toMatch(/^[0-9a-f]{32}$/)
    }
    await waitFor('the outbox to record both', async () => {
      const rows = await queryRows<{ status: string }>(t.store, "SELECT status FROM alert_outbox FINAL WHERE tenant = {tenant:String} AND channel_id = 'kafka'", { tenant })
      return rows.length === 2 && rows.every((r) => r.status === 'delivered')
    }, 30_000, 100)
    const ann = await queryRows<{ count: number }>(t.store, "SELECT count FROM alerts FINAL WHERE tenant = {tenant:String} AND rule = 'password_fallback'", { tenant })
    expect(ann.map((r) => Number(r.count))).toEqual([2])
  })
})
