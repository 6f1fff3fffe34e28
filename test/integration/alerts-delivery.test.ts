// Delivery guarantees against real HTTP receivers on 127.0.0.1: a receiver that is down (refusing, then
// answering 503) across a restart gets every alert exactly once when it is back; a hanging receiver
// does not hold up ingestion; a permanent refusal is given up, not retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAlerting, type Alerting } from '../../alerts/runtime.js'
import { saveChannel } from '../../alerts/settings.js'
import { createLogger } from '../../core/logger.js'
import { IngestService } from '../../ingest/service.js'
import { BatchWriter } from '../../ingest/writer.js'
import { waitFor } from '../helpers/kafka.js'
import { count, openTestStore, queryRows, type TestStore } from '../helpers/store.js'
import { DAY, event, MIN, Receiver } from '../helpers/alerts.js'

const log = createLogger('error')
let t: TestStore

interface Pipeline { alerting: Alerting; service: IngestService; close(): Promise<void> }

async function pipeline(): Promise<Pipeline> {
  const alerting = await startAlerting({
    client: t.store.client, config: t.config, log, perEvent: true, rateRules: false, exclusive: true,
    retry: { baseMs: 50, capMs: 300 }, stateRefreshEveryMs: 0,
  })
  const writer = new BatchWriter(t.store.client, { ...t.config.batch, log, onInserted: alerting.onInserted })
  return { alerting, service: new IngestService(writer), close: async () => { await writer.close(); await alerting.close() } }
}

const ingest = (p: Pipeline, tenant: string, events: Record<string, unknown>[]) =>
  p.service.ingest(events.map((payload) => ({ payload, source: 'native', tenant })))

/** A user with a passkey (registered two days ago) signing in with a password `agoMs` ago. */
const fallback = (user: string, agoMs = 5 * MIN) => [
  event(2 * DAY, { event_type: 'passkey_registered', user_id: user, method: 'passkey', passkey_type: 'synced' }),
  event(agoMs, { user_id: user }),
]

interface OutboxRow { delivery_id: string; status: string; attempts: number; last_status: number; last_error: string }
const outboxOf = (tenant: string) => queryRows<OutboxRow>(t.store,
  'SELECT delivery_id, status, attempts, last_status, last_error FROM alert_outbox FINAL WHERE tenant = {tenant:String} ORDER BY delivery_id', { tenant })

beforeAll(async () => {
  // A long per-request timeout: the hanging receiver is released by the test, not by the timeout.
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '20', PULSE_ALERT_DELIVERY_TIMEOUT_MS: '60000' })
})
afterAll(async () => { await t?.cleanup() })

describe('alert delivery', () => {
  it('a receiver down for a while (refusing, then 503) across a restart gets every alert exactly once when back', { timeout: 90_000 }, async () => {
    const rx = new Receiver()
    await rx.up()
    await rx.down() // the port is known; connections are refused from now on
    await saveChannel(t.store.client, { tenant: 'down', channel_id: 'hook', kind: 'webhook', url: rx.url, secret: 'whsec-down-0123456789', enabled: true }, 'test')

    const first = await pipeline()
    await ingest(first, 'down', ['a', 'b', 'c'].flatMap((u) => fallback(`${u}@down.example`)))
    await first.alerting.settled()
    await waitFor('every delivery to have failed twice', async () => {
      const rows = await outboxOf('down')
      return rows.length === 3 && rows.every((r) => r.status === 'pending' && r.attempts >= 2)
    }, 30_000, 50)
    expect((await outboxOf('down'))[0]!.last_error).toMatch(/ECONNREFUSED/)
    await first.close() // "restart": nothing held in memory survives

    rx.mode = { kind: 'status', status: 503 }
    await rx.up()
    const second = await pipeline() // takes the pending rows from ClickHouse at start-up
    await waitFor('three 503s', async () => rx.requests.length >= 3, 30_000, 20)
    rx.mode = { kind: 'ok' }
    await rx.waitForDelivered(3)
    await waitFor('the outbox to record them', async () => (await outboxOf('down')).every((r) => r.status === 'delivered'), 30_000, 50)
    await second.close()

    // A third start finds nothing left to send.
    const third = await pipeline()
    await third.alerting.outbox.sweep()
    await third.close()

    const perId = rx.deliveredPerId()
    expect(perId.size).toBe(3)
    expect([...perId.values()]).toEqual([1, 1, 1])
    // No attempt after a delivery's success.
    for (const id of perId.keys()) {
      const tries = rx.requests.filter((r) => r.headers['x-pulse-delivery'] === id)
      expect(tries.at(-1)!.status).toBe(200)
    }
    const rows = await outboxOf('down')
    expect(rows.map((r) => [r.status, r.last_status])).toEqual([['delivered', 200], ['delivered', 200], ['delivered', 200]])
    expect(rows.every((r) => r.attempts >= 3)).toBe(true)
    expect(new Set(rows.map((r) => r.delivery_id))).toEqual(new Set(perId.keys()))
    expect(rx.delivered().map((d) => d.alert.subject.id).sort()).toEqual(['a@down.example', 'b@down.example', 'c@down.example'])
    await rx.down()
  })

  it('a hanging receiver does not slow ingestion: events are stored and alerts recorded while it holds the request', async () => {
    const rx = new Receiver()
    rx.mode = { kind: 'hang' }
    await rx.up()
    await saveChannel(t.store.client, { tenant: 'hang', channel_id: 'hook', kind: 'webhook', url: rx.url, secret: 'whsec-hang-0123456789', enabled: true }, 'test')
    const p = await pipeline()
    await ingest(p, 'hang', fallback('first@hang.example'))
    await waitFor('the receiver to hold the first delivery', async () => rx.heldCount === 1, 30_000, 20)

    const more = [...fallback('second@hang.example'), ...Array.from({ length: 200 }, (_, i) => event(MIN, { user_id: `n${i}@hang.example`, method: 'passkey', passkey_type: 'synced' }))]
    const summary = await ingest(p, 'hang', more)
    // Ingest finished while the receiver still holds the request unanswered.
    expect(rx.heldCount).toBeGreaterThanOrEqual(1)
    expect(rx.requests.every((r) => r.status === 0)).toBe(true)
    expect(summary.stored).toBe(202)
    await p.alerting.settled()
    expect(await count(t.store, "SELECT count() AS n FROM alerts FINAL WHERE tenant = 'hang'")).toBe(2)
    expect(rx.requests.every((r) => r.status === 0)).toBe(true)

    rx.release()
    await rx.waitForDelivered(2)
    await waitFor('the outbox to empty', async () => p.alerting.outbox.pending === 0, 30_000, 20)
    expect([...rx.deliveredPerId().values()]).toEqual([1, 1])
    await p.close()
    await rx.down()
  })

  it('gives up on a permanent refusal (410) after one attempt, and records why', async () => {
    const rx = new Receiver()
    rx.mode = { kind: 'status', status: 410 }
    await rx.up()
    await saveChannel(t.store.client, { tenant: 'gone', channel_id: 'hook', kind: 'webhook', url: rx.url, secret: 'whsec-gone-0123456789', enabled: true }, 'test')
    const p = await pipeline()
    await ingest(p, 'gone', fallback('x@gone.example'))
    await p.alerting.settled()
    await waitFor('the outbox to empty', async () => p.alerting.outbox.pending === 0, 30_000, 20)
    await p.close()
    expect(await outboxOf('gone')).toMatchObject([{ status: 'failed', attempts: 1, last_status: 410, last_error: 'HTTP 410: nope' }])
    expect(rx.requests).toHaveLength(1)
    await rx.down()
  })
})
