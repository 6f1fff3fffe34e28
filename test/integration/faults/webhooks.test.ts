// Fault 7: alert receivers that are down, slow, or answering errors, while a real `ingest` worker process
// keeps consuming. Extends test/integration/alerts-delivery.test.ts (one in-process pipeline, one receiver
// at a time) to the distributed shape: three webhook channels of one tenant failing in three ways at once.
// Ingestion must not wait for them (every event committed and stored while they fail); once they recover,
// each receiver must hold every alert exactly once (retried until delivered, never delivered twice).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { saveChannel } from '../../../alerts/settings.js'
import { migrate } from '../../../store/migrate.js'
import { DAY, event, MIN, Receiver } from '../../helpers/alerts.js'
import { assertBuilt, startCli, type Child } from '../../helpers/cli.js'
import { lagOf, recordFigures, storedCounts, withStore } from '../../helpers/faults.js'
import { createTopic, kafkaEnv, produce, testKafka, waitFor } from '../../helpers/kafka.js'
import { encodeRawMessage } from '../../../ingest/kafka/messages.js'

const USERS = 20
const NOISE = 5_000
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-fault-hooks-'))
const children: Child[] = []
beforeAll(() => assertBuilt())
afterAll(() => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

/** Per alert id, how many 2xx deliveries a receiver got. */
const perAlert = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>())

describe('fault: alert receivers down, slow and failing', () => {
  it('ingestion goes on while they fail; afterwards each receiver has every alert exactly once', { timeout: 300_000 }, async () => {
    const down = new Receiver()
    await down.up()
    await down.down() // its port is known; connections refused until it comes back
    const failing = new Receiver()
    failing.mode = { kind: 'status', status: 500 }
    await failing.up()
    const slow = new Receiver()
    slow.mode = { kind: 'slow', ms: 1_500 }
    await slow.up()

    const tenant = 'hooks'
    await withStore(dataDir, async (store) => {
      await migrate(store.client)
      for (const [id, url] of [['down', down.url], ['failing', failing.url], ['slow', slow.url]] as const) {
        await saveChannel(store.client, { tenant, channel_id: id, kind: 'webhook', url, secret: `whsec-${id}-0123456789`, enabled: true }, 'test')
      }
    })

    const env = { ...kafkaEnv('fault-hooks'), PULSE_DATA_DIR: dataDir, PULSE_METRICS_PORT: '0', PULSE_ALERT_RETRY_MAX_S: '2' }
    const kafka = testKafka()
    await createTopic(kafka, env.KAFKA_RAW_TOPIC, 4)
    // USERS passkey holders falling back to a password (one alert each), among NOISE ordinary sign-ins.
    const payloads = [
      ...Array.from({ length: USERS }, (_, i) => [
        event(2 * DAY, { event_type: 'passkey_registered', user_id: `f${i}@hooks.example`, method: 'passkey', passkey_type: 'synced' }),
        event(5 * MIN, { user_id: `f${i}@hooks.example` }),
      ]).flat(),
      ...Array.from({ length: NOISE }, (_, i) => event(MIN, { user_id: `n${i % 500}@hooks.example`, method: 'passkey', passkey_type: 'synced' })),
    ]
    await produce(kafka, env.KAFKA_RAW_TOPIC, payloads.map((p) => encodeRawMessage(p, 'native', tenant, String(p.user_id))))

    const worker = startCli(['ingest'], env)
    children.push(worker)
    const t0 = Date.now()
    await waitFor('every event committed while the receivers fail', async () => (await lagOf(kafka, env.KAFKA_GROUP_ID, env.KAFKA_RAW_TOPIC)) === 0, 180_000, 250)
    const ingestMs = Date.now() - t0
    await waitFor('the failing receiver to have refused every alert', async () => new Set(failing.requests.map((r) => r.headers['x-pulse-delivery'])).size >= USERS, 60_000, 100)
    expect(down.requests).toHaveLength(0)
    expect(failing.delivered()).toHaveLength(0)

    // Recovery.
    failing.mode = { kind: 'ok' }
    await down.up()
    const recoveredAt = Date.now()
    await down.waitForDelivered(USERS, 120_000)
    await failing.waitForDelivered(USERS, 120_000)
    await waitFor('the slow receiver to have every alert', async () => slow.delivered().length >= USERS, 120_000, 100)
    const deliveredMs = Date.now() - recoveredAt
    await new Promise((r) => setTimeout(r, 5_000)) // room for any wrongful re-delivery to show up

    const counts = {
      down: perAlert(down.delivered().map((d) => d.alert.id)),
      failing: perAlert(failing.delivered().map((d) => d.alert.id)),
      slow: perAlert(slow.delivered().map((d) => d.alert.id)),
    }
    for (const m of Object.values(counts)) {
      expect(m.size).toBe(USERS)
      expect([...m.values()].every((n) => n === 1)).toBe(true)
    }
    expect(new Set(counts.down.keys())).toEqual(new Set(counts.slow.keys()))
    expect(new Set(counts.failing.keys())).toEqual(new Set(counts.slow.keys()))

    worker.proc.kill('SIGTERM')
    expect(await worker.exited).toEqual({ code: 0, signal: null })
    await Promise.all([failing.down(), down.down(), slow.down()])

    await withStore(dataDir, async (store) => {
      const s = await storedCounts(store.client, tenant)
      expect(s).toEqual({ rows: payloads.length, ids: payloads.length, deadLetters: 0 })
      recordFigures({
        scenario: 'webhooks', sent: payloads.length, stored: s.rows, dead_lettered: s.deadLetters, duplicated: s.rows - s.ids,
        lost: payloads.length - s.ids, alerts: USERS, ingest_ms_while_failing: ingestMs, delivered_ms_after_recovery: deliveredMs,
        failing_receiver_refusals: failing.requests.filter((r) => r.status === 500).length,
        deliveries_per_alert: { down: 1, failing: 1, slow: 1 },
      })
    })
  })
})
