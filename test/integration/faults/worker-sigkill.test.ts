// Fault 1: a worker SIGKILLed at a seeded moment in the middle of a 100,000-event stream (not at a named
// failpoint: wherever it happens to be — normalising, inserting, committing), then restarted. Every event
// must be stored exactly once, and the KPIs computed from the crashed run's store must equal those of a
// clean in-process ingest of the same events. Real broker, real chDB, real processes and signals.
// PULSE_LONG_FAULTS=1: a million events and five kills.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, startCli, type Child } from '../../helpers/cli.js'
import { cleanIngest, demoEvents, kpiSnapshot, lagOf, LONG, recordFigures, seeded, storedCounts, toMessages, withStore } from '../../helpers/faults.js'
import { createTopic, kafkaEnv, produce, testKafka, waitFor } from '../../helpers/kafka.js'

const TOTAL = LONG ? 1_000_000 : 100_000
const KILLS = LONG ? 5 : 1
const SEED = Number(process.env.PULSE_FAULT_SEED ?? 20261127)

const dataDir = mkdtempSync(join(tmpdir(), 'pulse-fault-kill-'))
const children: Child[] = []
beforeAll(() => assertBuilt())
afterAll(() => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

describe('fault: worker SIGKILLed mid-stream', () => {
  it(`stores each of ${TOTAL} events exactly once across ${KILLS} kill(s), with the KPIs of a clean run`, { timeout: LONG ? 3_600_000 : 420_000 }, async () => {
    const env = { ...kafkaEnv('fault-kill'), PULSE_DATA_DIR: dataDir, PULSE_METRICS_PORT: '0' }
    const kafka = testKafka()
    const rnd = seeded(SEED)
    await createTopic(kafka, env.KAFKA_RAW_TOPIC, 4)
    const events = demoEvents(TOTAL)
    expect(events).toHaveLength(TOTAL)
    await produce(kafka, env.KAFKA_RAW_TOPIC, toMessages(events, 'crashed'))

    const killedAt: number[] = []
    for (let k = 0; k < KILLS; k++) {
      // Somewhere in the stream still ahead of the group: a seeded fraction of what is left.
      const lagNow = await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)
      const target = TOTAL - lagNow + Math.floor(lagNow * (0.15 + 0.6 * rnd()) / (KILLS - k))
      const worker = startCli(['ingest'], env)
      children.push(worker)
      let committed = 0
      await waitFor(`the worker to commit ${target} events`, async () => {
        committed = TOTAL - (await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC))
        return committed >= target || worker.proc.exitCode !== null
      }, 300_000, 100)
      worker.proc.kill('SIGKILL')
      expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' })
      const left = await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)
      // Killed mid-stream: part committed, part not.
      expect(left).toBeGreaterThan(0)
      expect(left).toBeLessThan(TOTAL)
      killedAt.push(TOTAL - left)
    }

    const t0 = Date.now()
    const last = startCli(['ingest'], env)
    children.push(last)
    await waitFor('the restarted worker to commit everything', async () => (await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)) === 0, 600_000, 250)
    const catchUpMs = Date.now() - t0
    last.proc.kill('SIGTERM')
    expect(await last.exited).toEqual({ code: 0, signal: null })
    expect(last.output()).not.toMatch(/"level":(50|60)/)

    // The worker processes are gone: the test may open their data directory now.
    await withStore(dataDir, async (store) => {
      const clean = await cleanIngest(store.client, events, 'clean')
      expect(clean.received).toBe(TOTAL)
      const crashed = await storedCounts(store.client, 'crashed')
      const reference = await storedCounts(store.client, 'clean')
      expect(reference.rows).toBe(clean.stored)
      expect(reference.rows + clean.rejected + clean.ignored).toBe(TOTAL)
      expect(crashed).toEqual(reference)
      expect(crashed.ids).toBe(crashed.rows)

      const [a, b] = [await kpiSnapshot(store.client, 'crashed'), await kpiSnapshot(store.client, 'clean')]
      expect(a.methodMix.length).toBeGreaterThan(0)
      expect(a.successRate.overall.denominator).toBeGreaterThan(0)
      expect(a).toEqual(b)

      recordFigures({
        scenario: 'worker-sigkill', seed: SEED, sent: TOTAL, stored: crashed.rows, dead_lettered: crashed.deadLetters,
        ignored: clean.ignored, duplicated: crashed.rows - crashed.ids, lost: reference.rows - crashed.ids,
        kills: KILLS, killed_after_committed: killedAt, catch_up_ms: catchUpMs,
        method_mix_rows: a.methodMix.length, success_rate_overall: a.successRate.overall,
      })
    })
  })
})
