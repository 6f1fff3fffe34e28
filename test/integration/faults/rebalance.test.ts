// Fault 4: a second worker joins the group in the middle of a load, then leaves again, while a producer
// keeps sending: two real rebalances (partitions revoked with batches in flight, then handed back). Each
// member has its own consumer (its own connections, a real group member) and its own batching writer on
// one ClickHouse, as two `ingest` processes on a ClickHouse server are (embedded chDB allows one process
// per data directory, so the members share this test's process). Every event must be stored once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../../core/logger.js'
import { createKafka } from '../../../ingest/kafka/client.js'
import { startIngestWorker, type IngestWorker } from '../../../ingest/kafka/worker.js'
import { BatchWriter } from '../../../ingest/writer.js'
import { demoEvents, lagOf, recordFigures, storedCounts, toMessages } from '../../helpers/faults.js'
import { assignment, createTopic, kafkaEnv, produce, testKafka, waitFor } from '../../helpers/kafka.js'
import { openTestStore, type TestStore } from '../../helpers/store.js'

const AHEAD = 40_000
const DURING = 20_000
const log = createLogger('error')
let t: TestStore
const env = kafkaEnv('fault-rebalance')
const members: IngestWorker[] = []

beforeAll(async () => { t = await openTestStore({ ...env, PULSE_BATCH_MAX_ROWS: '2000', PULSE_BATCH_MAX_MS: '100' }) })
afterAll(async () => {
  for (const m of members) await m.stop().catch(() => {})
  await t?.cleanup()
})

async function member(): Promise<IngestWorker> {
  const writer = new BatchWriter(t.store.client, { ...t.config.batch, log, maxAttempts: Infinity })
  const w = await startIngestWorker({ kafka: createKafka(t.config.kafka, log), config: t.config, writer, log })
  members.push(w)
  return w
}

describe('fault: rebalance under load', () => {
  it('a worker joining and then leaving during a load loses and duplicates nothing', { timeout: 300_000 }, async () => {
    const kafka = testKafka()
    await createTopic(kafka, env.KAFKA_RAW_TOPIC, 4)
    const messages = toMessages(demoEvents(AHEAD + DURING, 21), 'rebalance')
    await produce(kafka, env.KAFKA_RAW_TOPIC, messages.slice(0, AHEAD))
    const total = AHEAD + DURING
    const lag = () => lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)

    await member()
    await waitFor('the first member to commit a quarter', async () => (await lag()) <= total - AHEAD / 4 - DURING, 120_000, 100)
    // The rest arrives while the group changes shape.
    const producing = (async () => {
      for (let i = AHEAD; i < total; i += 2_000) {
        await produce(kafka, env.KAFKA_RAW_TOPIC, messages.slice(i, i + 2_000))
        await new Promise((r) => setTimeout(r, 200))
      }
    })()
    const second = await member()
    await waitFor('both members to hold partitions', async () => {
      const a = await assignment(kafka, env.KAFKA_GROUP_ID)
      return a.length === 2 && a.every((n) => n > 0)
    }, 120_000, 250)
    const lagAtJoin = await lag()
    await waitFor('the pair to commit more', async () => (await lag()) < lagAtJoin - 5_000 || (await lag()) === 0, 120_000, 100)
    await second.stop()
    members.splice(members.indexOf(second), 1)
    await waitFor('the remaining member to take every partition back', async () => {
      const a = await assignment(kafka, env.KAFKA_GROUP_ID)
      return a.length === 1 && a[0] === 4
    }, 120_000, 250)
    await producing
    const t0 = Date.now()
    await waitFor('everything committed', async () => (await lag()) === 0, 180_000, 250)
    const drainMs = Date.now() - t0

    const s = await storedCounts(t.store.client, 'rebalance')
    expect(s).toEqual({ rows: total, ids: total, deadLetters: 0 })
    recordFigures({
      scenario: 'rebalance', sent: total, stored: s.rows, dead_lettered: s.deadLetters, duplicated: s.rows - s.ids,
      lost: total - s.ids, rebalances: 2, lag_when_second_joined: lagAtJoin, drain_ms_after_leave: drainMs,
    })
  })
})
