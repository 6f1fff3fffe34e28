// A worker killed after ClickHouse accepted a batch but before it committed the offsets: the restarted
// worker gets the batch again and must store nothing twice. Real processes, real broker, SIGKILL.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../core/config.js'
import { encodeRawMessage } from '../../ingest/kafka/messages.js'
import { openStore } from '../../store/clickhouse.js'
import { assertBuilt, startCli, type Child } from '../helpers/cli.js'
import { nativeLogin } from '../helpers/events.js'
import { createTopic, groupLag, kafkaEnv, produce, testKafka, waitFor } from '../helpers/kafka.js'
import { queryRows } from '../helpers/store.js'

const dataDir = mkdtempSync(join(tmpdir(), 'pulse-crash-'))
const children: Child[] = []
beforeAll(() => assertBuilt())
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

async function storedCounts(): Promise<{ rows: number; ids: number }> {
  // The worker processes own the data directory while they run; the test opens it only between them.
  const store = openStore(loadConfig({ PULSE_DATA_DIR: dataDir }).clickhouse, dataDir)
  try {
    const [r] = await queryRows<{ rows: number; ids: number }>(store, "SELECT count() AS rows, uniqExact(event_id) AS ids FROM auth_events WHERE tenant = 'crash'")
    return { rows: Number(r?.rows ?? 0), ids: Number(r?.ids ?? 0) }
  } finally {
    await store.close()
  }
}

describe('worker crash between insert and commit', () => {
  it('redelivers the batch after a restart and stores every event exactly once', { timeout: 240_000 }, async () => {
    const env = { ...kafkaEnv('crash'), PULSE_DATA_DIR: dataDir, PULSE_METRICS_PORT: '0', PULSE_BATCH_MAX_ROWS: '500', PULSE_BATCH_MAX_MS: '200' }
    const kafka = testKafka()
    await createTopic(kafka, env.KAFKA_RAW_TOPIC, 2)
    const messages = Array.from({ length: 3_000 }, (_, i) =>
      encodeRawMessage(nativeLogin({ source_event_id: `crash-${i}`, user_id: `p${i % 50}@acme.example` }), 'native', 'crash', `p${i % 50}@acme.example`))
    await produce(kafka, env.KAFKA_RAW_TOPIC, messages)

    const first = startCli(['ingest'], { ...env, PULSE_FAILPOINTS: 'worker-after-insert-before-commit' })
    children.push(first)
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' })
    expect(await groupLag(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)).toBe(3_000)
    const afterCrash = await storedCounts()
    expect(afterCrash.rows).toBeGreaterThan(0)
    expect(afterCrash.rows).toBeLessThan(3_000)

    const second = startCli(['ingest'], env)
    children.push(second)
    await waitFor('the restarted worker to commit everything', async () => (await groupLag(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)) === 0, 120_000, 500)
    second.proc.kill('SIGTERM')
    expect(await second.exited).toEqual({ code: 0, signal: null })
    expect(second.output()).not.toMatch(/"level":(50|60)/)

    expect(await storedCounts()).toEqual({ rows: 3_000, ids: 3_000 })
  })
})
