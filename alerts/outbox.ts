// The delivery outbox. Why ClickHouse and not a local file: it is already the durable store in both
// runtime shapes (chDB under the data directory, or the server), it survives a container that has no
// volume (ingest workers), any process can see and take over what a dead one left, and the API can show
// each alert's deliveries from the same table. Deliveries are few (one per opened alert and channel),
// so a row version per attempt costs nothing.
//
// Flow: an opened alert → one `pending` row per enabled channel, written BEFORE the first attempt →
// attempts in the background (never on the ingest path), each bounded by a timeout → after each attempt
// a new version of the row: `delivered`, `failed` (permanent refusal, or too old), or `pending` with the
// next attempt time (exponential backoff, capped). A restart finds the pending rows and carries on.
//
// Exactly once per receiver, from our side: one attempt at a time per delivery, never another after a
// recorded success, and the same `X-Pulse-Delivery` id on every attempt, so the one remaining gap (a
// crash between the receiver's 2xx and our write) is a repeat the receiver can drop by id.
//
// Who delivers: the process that opened the alert. An `exclusive` process (embedded `start`, the only
// one on its store) also takes every pending row at start-up; shared-store processes (Kafka workers,
// distributed `start`) take only rows overdue by `orphanAfterMs` (their owner died), claiming them first
// and proceeding only if their claim is the one that stuck.
import { createHash, randomBytes } from 'node:crypto'
import type { Logger } from '../core/logger.js'
import type { ClickHouseClient } from '../store/clickhouse.js'
import { alertPayload, sendAlert, type AlertPayload, type SenderOptions } from './channels.js'
import { alertDeliveries, alertOutboxPending } from './metrics.js'
import type { AlertSettings } from './settings.js'
import type { Alert } from './types.js'
import { chTime, nextVersion, parseChTime } from './versions.js'

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

export interface Delivery {
  delivery_id: string
  tenant: string
  alert_id: string
  channel_id: string
  channel_kind: string
  payload: AlertPayload
  status: DeliveryStatus
  attempts: number
  created_at: number
  next_attempt_at: number
  last_attempt_at: number | null
  delivered_at: number | null
  last_status: number
  last_error: string
  owner: string
}

export function deliveryIdOf(alertId: string, channelId: string): string {
  return createHash('sha256').update(`${alertId}\u0000${channelId}`).digest('hex').slice(0, 32)
}

/** Wait before attempt n+1 after n failed ones: base·2^(n-1), capped, plus up to 10 % jitter. */
export function backoffMs(failedAttempts: number, baseMs: number, capMs: number, jitter = Math.random()): number {
  const plain = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 30))
  return Math.round(Math.min(capMs, plain * (1 + 0.1 * jitter)))
}

export interface RetryPolicy {
  baseMs: number
  capMs: number
  /** A delivery still failing this long after the alert opened is given up (`failed`). */
  maxAgeMs: number
}

export interface OutboxOptions {
  client: ClickHouseClient
  settings: AlertSettings
  sender: SenderOptions
  retry: RetryPolicy
  /** The only dispatcher on this store: takes every pending row at start-up and on each sweep. */
  exclusive: boolean
  log?: Logger
  /** How often pending rows are looked for in ClickHouse (start-up, and then this often). */
  sweepEveryMs?: number
  /** A shared-store process takes over a pending row once it is overdue by this much. */
  orphanAfterMs?: number
  /** Attempts in flight per channel: a hanging receiver holds this many slots, no more. */
  perChannel?: number
  /** Deliveries held in memory; beyond this they wait in ClickHouse for a sweep. */
  maxInMemory?: number
}

interface OutboxRow {
  delivery_id: string
  tenant: string
  alert_id: string
  channel_id: string
  channel_kind: string
  payload: string
  status: string
  attempts: number | string
  created_at: string
  next_attempt_at: string
  last_attempt_at: string | null
  delivered_at: string | null
  last_status: number | string
  last_error: string
  owner: string
}

const COLUMNS = 'delivery_id, tenant, alert_id, channel_id, channel_kind, payload, status, attempts, created_at, next_attempt_at, last_attempt_at, delivered_at, last_status, last_error, owner'

function toRow(d: Delivery): Record<string, unknown> {
  return {
    delivery_id: d.delivery_id, tenant: d.tenant, alert_id: d.alert_id, channel_id: d.channel_id, channel_kind: d.channel_kind,
    payload: JSON.stringify(d.payload), status: d.status, attempts: d.attempts, created_at: chTime(d.created_at),
    next_attempt_at: chTime(d.next_attempt_at), last_attempt_at: d.last_attempt_at === null ? null : chTime(d.last_attempt_at),
    delivered_at: d.delivered_at === null ? null : chTime(d.delivered_at), last_status: d.last_status, last_error: d.last_error,
    owner: d.owner, version: nextVersion(),
  }
}

function fromRow(r: OutboxRow): Delivery {
  return {
    delivery_id: r.delivery_id, tenant: r.tenant, alert_id: r.alert_id, channel_id: r.channel_id, channel_kind: r.channel_kind,
    payload: JSON.parse(r.payload) as AlertPayload, status: r.status as DeliveryStatus, attempts: Number(r.attempts),
    created_at: parseChTime(r.created_at), next_attempt_at: parseChTime(r.next_attempt_at),
    last_attempt_at: r.last_attempt_at ? parseChTime(r.last_attempt_at) : null, delivered_at: r.delivered_at ? parseChTime(r.delivered_at) : null,
    last_status: Number(r.last_status), last_error: r.last_error, owner: r.owner,
  }
}

async function readRows(client: ClickHouseClient, where: string, params: Record<string, unknown>): Promise<Delivery[]> {
  const rs = await client.query({ query: `SELECT ${COLUMNS} FROM alert_outbox FINAL WHERE ${where}`, query_params: params, format: 'JSONEachRow' })
  return (await rs.json<OutboxRow>()).map(fromRow)
}

/** Deliveries of some alerts of a tenant (for the API). */
export async function deliveriesOf(client: ClickHouseClient, tenant: string, alertIds: readonly string[]): Promise<Delivery[]> {
  if (alertIds.length === 0) return []
  return readRows(client, 'tenant = {tenant:String} AND alert_id IN {ids:Array(String)} ORDER BY created_at, channel_id', { tenant, ids: alertIds })
}

const FAR_FUTURE = Date.UTC(2100, 0, 1)

export class Outbox {
  readonly owner = `${process.pid}-${randomBytes(4).toString('hex')}`
  private readonly items = new Map<string, Delivery>()
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly waiting = new Map<string, string[]>()
  private readonly active = new Map<string, number>()
  private readonly attempts = new Set<Promise<void>>()
  /** Finished here (delivered or failed): a sweep that read an older version must not revive them. */
  private readonly finished = new Set<string>()
  private readonly stop = new AbortController()
  private sweepTimer: NodeJS.Timeout | null = null
  private sweeping: Promise<void> | null = null
  private closed = false

  constructor(private readonly o: OutboxOptions) {}

  private get client(): ClickHouseClient {
    return this.o.client
  }

  /** Looks for pending rows now (start-up), then every `sweepEveryMs`. */
  async start(): Promise<void> {
    await this.sweep(true)
    this.sweepTimer = setInterval(() => { void this.sweep(false) }, this.o.sweepEveryMs ?? 30_000)
    this.sweepTimer.unref()
  }

  /**
   * One pending delivery per enabled channel of each alert (silenced ones get none), stored before the
   * first attempt. Resolves once stored; the attempts run in the background.
   */
  async enqueue(alerts: readonly Alert[], now = Date.now()): Promise<Delivery[]> {
    const created: Delivery[] = []
    for (const a of alerts) {
      if (a.silenced) continue
      const payload = alertPayload(a)
      for (const c of this.o.settings.channelsFor(a.tenant)) {
        if (!c.enabled) continue
        created.push({
          delivery_id: deliveryIdOf(a.alert_id, c.channel_id), tenant: a.tenant, alert_id: a.alert_id, channel_id: c.channel_id,
          channel_kind: c.kind, payload, status: 'pending', attempts: 0, created_at: now, next_attempt_at: now,
          last_attempt_at: null, delivered_at: null, last_status: 0, last_error: '', owner: this.owner,
        })
      }
    }
    if (created.length === 0) return created
    try {
      await this.client.insert({ table: 'alert_outbox', values: created.map(toRow), format: 'JSONEachRow' })
    } catch (err) {
      // Better a notification without a record than none: deliver anyway; a restart may not retry these.
      this.o.log?.error({ err: (err as Error).message, deliveries: created.length }, 'could not store alert deliveries; delivering without a record')
    }
    for (const d of created) this.schedule(d)
    return created
  }

  /** Deliveries this process is holding (due, backing off or in flight). */
  get pending(): number {
    return this.items.size
  }

  private schedule(d: Delivery): void {
    if (this.closed || this.finished.has(d.delivery_id)) return
    if (!this.items.has(d.delivery_id) && this.items.size >= (this.o.maxInMemory ?? 10_000)) return // a sweep brings it back
    this.items.set(d.delivery_id, d)
    alertOutboxPending.set(this.items.size)
    clearTimeout(this.timers.get(d.delivery_id))
    const timer = setTimeout(() => {
      this.timers.delete(d.delivery_id)
      this.due(d.delivery_id)
    }, Math.max(0, d.next_attempt_at - Date.now()))
    timer.unref()
    this.timers.set(d.delivery_id, timer)
  }

  private slotKey(d: Delivery): string {
    return `${d.tenant}\u0000${d.channel_id}`
  }

  private due(id: string): void {
    const d = this.items.get(id)
    if (!d || this.closed) return
    const key = this.slotKey(d)
    if ((this.active.get(key) ?? 0) >= (this.o.perChannel ?? 4)) {
      this.waiting.set(key, [...(this.waiting.get(key) ?? []), id])
      return
    }
    this.active.set(key, (this.active.get(key) ?? 0) + 1)
    const p = this.attempt(d).finally(() => {
      this.attempts.delete(p)
      this.active.set(key, (this.active.get(key) ?? 1) - 1)
      const next = this.waiting.get(key)?.shift()
      if (next !== undefined) this.due(next)
    })
    this.attempts.add(p)
  }

  private async attempt(d: Delivery): Promise<void> {
    const channel = this.o.settings.channel(d.tenant, d.channel_id)
    const result = channel
      ? await sendAlert(channel, d.delivery_id, d.payload, this.o.sender, this.stop.signal)
      : { ok: false, status: 0, error: `channel ${d.channel_id} no longer exists`, permanent: true }
    const now = Date.now()
    if (this.stop.signal.aborted && !result.ok) {
      // Shutting down mid-attempt: not the receiver's fault; the row stays pending for the next start.
      this.items.delete(d.delivery_id)
      return
    }
    d.attempts++
    d.last_attempt_at = now
    d.last_status = result.status
    d.last_error = result.error
    d.owner = this.owner
    if (result.ok) {
      d.status = 'delivered'
      d.delivered_at = now
    } else if (result.permanent || now - d.created_at >= this.o.retry.maxAgeMs) {
      d.status = 'failed'
    } else {
      d.next_attempt_at = now + backoffMs(d.attempts, this.o.retry.baseMs, this.o.retry.capMs)
    }
    alertDeliveries.inc({ kind: d.channel_kind, result: d.status === 'pending' ? 'retry' : d.status })
    if (d.status !== 'pending') {
      this.finished.add(d.delivery_id)
      if (this.finished.size > 100_000) this.finished.delete(this.finished.values().next().value!)
    }
    try {
      await this.client.insert({ table: 'alert_outbox', values: [toRow(d)], format: 'JSONEachRow' })
    } catch (err) {
      this.o.log?.warn({ err: (err as Error).message, delivery: d.delivery_id, status: d.status }, 'could not record a delivery attempt')
    }
    if (d.status === 'pending') {
      this.o.log?.debug({ delivery: d.delivery_id, channel: d.channel_id, attempts: d.attempts, error: d.last_error }, 'alert delivery failed; will retry')
      this.schedule(d)
    } else {
      if (d.status === 'failed') this.o.log?.warn({ delivery: d.delivery_id, channel: d.channel_id, attempts: d.attempts, error: d.last_error }, 'alert delivery given up')
      this.items.delete(d.delivery_id)
      alertOutboxPending.set(this.items.size)
    }
  }

  /** Finds pending rows not held here: all of them when exclusive, else those overdue (their owner died). */
  sweep(startUp = false): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const now = Date.now()
        const cutoff = this.o.exclusive ? FAR_FUTURE : now - (this.o.orphanAfterMs ?? 300_000)
        const rows = await readRows(this.client,
          `status = 'pending' AND next_attempt_at <= {cutoff:DateTime64(3, 'UTC')} ORDER BY next_attempt_at LIMIT {limit:UInt32}`,
          { cutoff: chTime(cutoff), limit: this.o.maxInMemory ?? 10_000 })
        let candidates = rows.filter((d) => !this.items.has(d.delivery_id) && !this.finished.has(d.delivery_id))
        if (!this.o.exclusive && candidates.length > 0) candidates = await this.claim(candidates)
        for (const d of candidates) this.schedule(d)
        if (candidates.length > 0) this.o.log?.info({ deliveries: candidates.length, startUp }, 'resuming undelivered alerts')
      } catch (err) {
        this.o.log?.warn({ err: (err as Error).message }, 'outbox sweep failed; will try again')
      } finally {
        this.sweeping = null
      }
    })()
    return this.sweeping
  }

  /** Marks rows as ours, waits, and keeps those whose newest version is still our claim. */
  private async claim(rows: Delivery[]): Promise<Delivery[]> {
    const now = Date.now()
    const claimed = rows.map((d) => ({ ...d, owner: this.owner, next_attempt_at: now }))
    await this.client.insert({ table: 'alert_outbox', values: claimed.map(toRow), format: 'JSONEachRow' })
    await new Promise((r) => setTimeout(r, 1_000))
    const after = await readRows(this.client, 'delivery_id IN {ids:Array(String)}', { ids: claimed.map((d) => d.delivery_id) })
    const ours = new Set(after.filter((d) => d.owner === this.owner && d.status === 'pending').map((d) => d.delivery_id))
    return claimed.filter((d) => ours.has(d.delivery_id))
  }

  /** Resolves once nothing is due or in flight (tests and shutdown); rows backing off do not count. */
  async idle(): Promise<void> {
    while (this.attempts.size > 0) await Promise.allSettled([...this.attempts])
  }

  /**
   * Stops: no new attempts; attempts in flight get `graceMs` to finish, then are aborted and stay
   * pending for the next start (the receiver may have seen them: same delivery id).
   */
  async close(graceMs = 2_000): Promise<void> {
    this.closed = true
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    const abort = setTimeout(() => this.stop.abort(), graceMs)
    await this.sweeping
    await this.idle()
    clearTimeout(abort)
    this.stop.abort()
  }
}
