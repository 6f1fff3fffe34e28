// A batch the writer gives up on must not be passed by a later batch's commit. The worker hands batches to
// the writer and fetches on before ClickHouse has them; when one cannot be stored (here a writer allowed a
// single attempt while ClickHouse refuses every insert), the batches after it must stay uncommitted and
// the partition must be fetched again from the failed batch. Real broker, real chDB: the refusal is a
// CHECK constraint that fails every row, added and then dropped while the worker runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../../core/logger.js'
import { createKafka } from '../../../ingest/kafka/client.js'
import { startIngestWorker, type IngestWorker } from '../../../ingest/kafka/worker.js'
import { BatchWriter } from '../../../ingest/writer.js'
import { demoEvents, lagOf, storedCounts, toMessages } from '../../helpers/faults.js'
import { createTopic, kafkaEnv, produce, testKafka, waitFor } from '../../helpers/kafka.js'
import { openTestStore, type TestStore } from '../../helpers/store.js'

const EVENTS = 6_000
const log = createLogger('silent')
let t: TestStore
let worker: IngestWorker | undefined
const env = kafkaEnv('fault-unstored')

beforeAll(async () => { t = await openTestStore({ ...env, PULSE_BATCH_MAX_ROWS: '300', PULSE_BATCH_MAX_MS: '20' }) })
afterAll(async () => {
  await worker?.stop().catch(() => {})
  await t?.cleanup()
})

describe('fault: a batch that cannot be stored', () => {
  it('is fetched again, and no later commit passes it', { timeout: 240_000 }, async () => {
    const kafka = testKafka()
    await createTopic(kafka, env.KAFKA_RAW_TOPIC, 2)
    await produce(kafka, env.KAFKA_RAW_TOPIC, toMessages(demoEvents(EVENTS, 31), 'unstored'))
    await t.store.client.command({ query: 'ALTER TABLE auth_events ADD CONSTRAINT pulse_test_refuse CHECK 0' })

    let failures = 0
    const writerLog = createLogger('error', { write: (line: string) => { if (line.includes('giving up on this batch')) failures++ } })
    const writer = new BatchWriter(t.store.client, { ...t.config.batch, maxAttempts: 1, log: writerLog })
    worker = await startIngestWorker({ kafka: createKafka(t.config.kafka, log), config: t.config, writer, log })
    await waitFor('inserts to be refused', async () => failures >= 1, 60_000, 50)
    await new Promise((r) => setTimeout(r, 2_000))
    // Nothing may be committed while nothing can be stored.
    expect(await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)).toBe(EVENTS)

    await t.store.client.command({ query: 'ALTER TABLE auth_events DROP CONSTRAINT pulse_test_refuse' })
    await waitFor('everything committed', async () => (await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)) === 0, 120_000, 250)
    await worker.stop()
    worker = undefined

    // Refused batches were fetched again (not only the first ones handed over).
    expect(failures).toBeGreaterThan(2)
    expect(await storedCounts(t.store.client, 'unstored')).toEqual({ rows: EVENTS, ids: EVENTS, deadLetters: 0 })
  })
})
