// Fault 3: ClickHouse refusing every insert for 20 s (embedded chDB: the clickhouse-insert outage point
// of core/failpoints.ts makes each insert attempt throw), while events keep arriving. The worker must not
// commit anything it has not stored (committed offsets stay put), must back off and say so (warn lines,
// pulse_write_retries_total), must keep its group membership (same member id, no rebalance: a slow
// ClickHouse is not a dead worker), and must catch up afterwards with every event stored once.
// Server mode (CLICKHOUSE_URL) is not run here: no ClickHouse server binary on the test machine.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, startCli, type Child } from '../../helpers/cli.js'
import { committedTotal, demoEvents, freePort, groupMembers, lagOf, recordFigures, scrapeMetric, storedCounts, toMessages, withStore } from '../../helpers/faults.js'
import { createTopic, kafkaEnv, produce, testKafka, waitFor } from '../../helpers/kafka.js'

const OUTAGE_S = 20
const BEFORE = 20_000
const DURING = 10_000
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-fault-ch-'))
const children: Child[] = []
beforeAll(() => assertBuilt())
afterAll(() => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

describe('fault: ClickHouse unavailable for a while', () => {
  it(`stops committing, backs off, keeps its membership through a ${OUTAGE_S} s insert outage, then stores everything once`, { timeout: 300_000 }, async () => {
    const metricsPort = await freePort()
    const env = {
      ...kafkaEnv('fault-ch'), PULSE_DATA_DIR: dataDir, PULSE_METRICS_PORT: String(metricsPort),
      PULSE_FAILPOINTS: `clickhouse-insert:fail-for-${OUTAGE_S}s`,
    }
    const kafka = testKafka()
    await createTopic(kafka, env.KAFKA_RAW_TOPIC, 4)
    const events = demoEvents(BEFORE + DURING, 11)
    const messages = toMessages(events, 'outage')
    await produce(kafka, env.KAFKA_RAW_TOPIC, messages.slice(0, BEFORE))

    const worker = startCli(['ingest'], env)
    children.push(worker)
    await waitFor('the first failed insert', async () => worker.output().includes('ClickHouse write failed; retrying'), 120_000, 100)
    const outageSeenAt = Date.now()
    await waitFor('a stable group', async () => (await groupMembers(kafka, env.KAFKA_GROUP_ID)).state === 'Stable', 30_000, 250)
    const during = await groupMembers(kafka, env.KAFKA_GROUP_ID)
    expect(during.members).toHaveLength(1)

    // Load goes on during the outage; nothing may be committed while nothing can be stored.
    await produce(kafka, env.KAFKA_RAW_TOPIC, messages.slice(BEFORE))
    const committedSamples: number[] = []
    while (Date.now() - outageSeenAt < (OUTAGE_S - 4) * 1000) {
      committedSamples.push(await committedTotal(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC))
      await new Promise((r) => setTimeout(r, 1_000))
    }
    expect(committedSamples.length).toBeGreaterThan(5)
    expect(new Set(committedSamples)).toEqual(new Set([0]))
    const retries = await scrapeMetric(metricsPort, 'pulse_write_retries_total')
    expect(retries).toBeGreaterThanOrEqual(3)
    expect(await groupMembers(kafka, env.KAFKA_GROUP_ID)).toEqual(during)

    await waitFor('the worker to catch up', async () => (await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)) === 0, 180_000, 250)
    const caughtUpAfterMs = Date.now() - outageSeenAt - OUTAGE_S * 1000
    // Same member, same (Stable) group: the outage cost no rebalance.
    expect(await groupMembers(kafka, env.KAFKA_GROUP_ID)).toEqual({ state: 'Stable', members: during.members })
    const retriesTotal = await scrapeMetric(metricsPort, 'pulse_write_retries_total')
    const backoffLines = worker.output().split('\n').filter((l) => l.includes('ClickHouse write failed; retrying'))
    expect(backoffLines.length).toBe(retriesTotal)
    // Backing off: the delays grow (not a tight loop against a dead database).
    const delays = backoffLines.map((l) => (JSON.parse(l) as { delayMs: number }).delayMs)
    expect(Math.max(...delays)).toBeGreaterThan(Math.min(...delays))
    worker.proc.kill('SIGTERM')
    expect(await worker.exited).toEqual({ code: 0, signal: null })
    expect(worker.output()).not.toMatch(/"level":(50|60)/)

    await withStore(dataDir, async (store) => {
      const s = await storedCounts(store.client, 'outage')
      expect(s).toEqual({ rows: BEFORE + DURING, ids: BEFORE + DURING, deadLetters: 0 })
      recordFigures({
        scenario: 'clickhouse-outage', sent: BEFORE + DURING, stored: s.rows, dead_lettered: s.deadLetters,
        duplicated: s.rows - s.ids, lost: BEFORE + DURING - s.ids, outage_s: OUTAGE_S, write_retries: retriesTotal,
        backoff_delays_ms: delays, committed_during_outage: Math.max(...committedSamples), rebalances: 0,
        caught_up_ms_after_outage: caughtUpAfterMs,
      })
    })
  })
})
