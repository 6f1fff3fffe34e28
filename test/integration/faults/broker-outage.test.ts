// Fault 2: the Kafka broker stopped for 20 s and started again (same port, same data) under load. The
// test runs its own broker for that (scripts/kafka/broker.mjs), a worker as a real `ingest` process, and
// a producer that keeps sending across the outage, retrying a refused send as any producer must. The
// worker must reconnect by itself and store each event once: nothing lost, nothing duplicated.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, startCli, type Child } from '../../helpers/cli.js'
import { demoEvents, freePort, lagOf, LONG, recordFigures, storedCounts, toMessages, withStore } from '../../helpers/faults.js'
import { createTopic, waitFor } from '../../helpers/kafka.js'

interface Broker { brokers: string; stop: () => Promise<void> }
type StartBroker = (o: { port: number; dataDir: string; keepDataDir: boolean; timeoutMs?: number }) => Promise<Broker>
const { startBroker } = (await import(new URL('../../../scripts/kafka/broker.mjs', import.meta.url).href)) as { startBroker: StartBroker }

const OUTAGE_MS = 20_000
const TOTAL = LONG ? 300_000 : 60_000
const CHUNK = 1_000
const brokerDir = mkdtempSync(join(tmpdir(), 'pulse-fault-broker-'))
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-fault-broker-ch-'))
const children: Child[] = []
let broker: Broker | null = null
let port = 0

beforeAll(async () => {
  assertBuilt()
  port = await freePort()
  broker = await startBroker({ port, dataDir: brokerDir, keepDataDir: true, timeoutMs: 120_000 })
})
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  await broker?.stop()
  rmSync(brokerDir, { recursive: true, force: true })
  rmSync(dataDir, { recursive: true, force: true })
})

describe('fault: Kafka broker down for 20 s under load', () => {
  it('the worker reconnects and every event produced across the outage is stored once', { timeout: 420_000 }, async () => {
    const id = `fault-broker-${process.pid}`
    const env = {
      KAFKA_BROKERS: broker!.brokers, KAFKA_RAW_TOPIC: `${id}.raw`, KAFKA_DLQ_TOPIC: `${id}.dlq`, KAFKA_ALERTS_TOPIC: `${id}.alerts`,
      KAFKA_GROUP_ID: `${id}-ingest`, PULSE_DATA_DIR: dataDir, PULSE_METRICS_PORT: '0',
    }
    const kafka = new Kafka({ clientId: 'fault-broker-test', brokers: [broker!.brokers], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 200 } })
    await createTopic(kafka, env.KAFKA_RAW_TOPIC, 4)
    const messages = toMessages(demoEvents(TOTAL, 31), 'outage')

    const worker = startCli(['ingest'], env)
    children.push(worker)

    // The producer: one chunk every 150 ms; a refused send is retried (after a pause) until it goes through.
    let sent = 0
    let refusedSends = 0
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 3, initialRetryTime: 200 } })
    await producer.connect()
    const producing = (async () => {
      while (sent < TOTAL) {
        try {
          await producer.send({ topic: env.KAFKA_RAW_TOPIC, acks: -1, messages: messages.slice(sent, sent + CHUNK) })
          sent += CHUNK
          await new Promise((r) => setTimeout(r, 150))
        } catch {
          refusedSends++
          await new Promise((r) => setTimeout(r, 1_000))
        }
      }
    })()

    // Down while the worker is busy and most of the load is still to come.
    await waitFor('the worker to commit 3,000 events', async () => sent - (await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)) >= 3_000, 180_000, 250)
    const sentBeforeOutage = sent
    expect(sentBeforeOutage).toBeLessThan(TOTAL)
    await broker!.stop()
    const downAt = Date.now()
    await new Promise((r) => setTimeout(r, OUTAGE_MS))
    broker = await startBroker({ port, dataDir: brokerDir, keepDataDir: true, timeoutMs: 120_000 })
    const upAt = Date.now()
    expect(worker.proc.exitCode).toBeNull() // it waited for the broker rather than exiting

    await producing
    await producer.disconnect()
    await waitFor('the worker to commit everything after the outage', async () => (await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC, 120_000)) === 0, 300_000, 500)
    const catchUpMs = Date.now() - upAt
    worker.proc.kill('SIGTERM')
    expect(await worker.exited).toEqual({ code: 0, signal: null })
    expect(worker.output()).not.toMatch(/"level":60/)

    // A send retried after a lost acknowledgement may put a message on the topic twice: that is the
    // at-least-once half; storage must still hold each event once.
    const end = await kafka.admin()
    await end.connect()
    const onTopic = (await end.fetchTopicOffsets(env.KAFKA_RAW_TOPIC)).reduce((s, p) => s + Number(p.high), 0)
    await end.disconnect()
    expect(onTopic).toBeGreaterThanOrEqual(TOTAL)

    await withStore(dataDir, async (store) => {
      const s = await storedCounts(store.client, 'outage')
      expect(s).toEqual({ rows: TOTAL, ids: TOTAL, deadLetters: 0 })
      recordFigures({
        scenario: 'broker-outage', sent: TOTAL, stored: s.rows, dead_lettered: s.deadLetters, duplicated: s.rows - s.ids,
        lost: TOTAL - s.ids, outage_ms: upAt - downAt, messages_on_topic: onTopic, sent_before_outage: sentBeforeOutage,
        producer_sends_refused: refusedSends, catch_up_ms_after_restart: catchUpMs,
        worker_log_lines_warn_or_error: worker.output().split('\n').filter((l) => /"level":(40|50)/.test(l)).length,
      })
    })
  })
})
