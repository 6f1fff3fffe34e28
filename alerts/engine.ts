// The per-event alert engine: fed by the writer's `onInserted` hook with every freshly stored row
// (duplicates left out), it judges each row against the tenant's per-event rules and the user's passkey
// state at the row's time, then teaches the state. The hook returns at once; the batch is processed on
// the next turn of the event loop, in ts order, so the writer never waits on alerting.
import type { Logger } from '../core/logger.js'
import type { AuthEvent } from '../schemas/auth-event.js'
import type { ClickHouseClient } from '../store/clickhouse.js'
import { evaluateEvent } from './event-rules.js'
import { alertErrors, alertStateUsers } from './metrics.js'
import { loadPasskeyState, PasskeyState } from './passkey-state.js'
import type { AlertRecorder } from './recorder.js'
import type { TenantAlertConfig } from './rules.js'
import type { AlertMatch } from './types.js'
import { parseChTime } from './versions.js'

const DAY = 86_400_000
const HOUR = 3_600_000

export interface EngineOptions {
  client: ClickHouseClient
  recorder: AlertRecorder
  configFor: (tenant: string) => TenantAlertConfig
  /** Every tenant with stored settings: the rebuild reads back as far as the longest look-back among them. */
  tenants?: () => string[]
  log?: Logger
  /** Rows older than this (backfills, replays) teach the state but raise no alert. */
  maxEventAgeMs?: number
  maxUsers?: number
  /** How often the state re-reads the last hour from ClickHouse (what other workers stored); 0 = never. */
  refreshEveryMs?: number
}

export class AlertEngine {
  readonly passkeys: PasskeyState
  private queue: AuthEvent[][] = []
  private scheduled = false
  private refreshTimer: NodeJS.Timeout | null = null
  private lastRefresh = 0
  /** Batches handed over by the writer and not processed yet (tests wait on it). */
  private draining: Promise<void> = Promise.resolve()
  private release: (() => void) | null = null

  /** The writer's hook: never throws, never blocks. */
  readonly onInserted = (rows: readonly AuthEvent[]): void => {
    this.queue.push(rows as AuthEvent[])
    if (this.scheduled) return
    this.scheduled = true
    this.draining = new Promise((r) => { this.release = r })
    setImmediate(() => this.drain())
  }

  constructor(private readonly o: EngineOptions) {
    this.passkeys = new PasskeyState(o.maxUsers)
  }

  private lookbackMs(): number {
    const days = [180, ...(this.o.tenants?.() ?? []).map((t) => this.o.configFor(t).rules.password_fallback.lookback_days)]
    return Math.max(...days) * DAY
  }

  /**
   * Rebuilds the passkey state from ClickHouse (one aggregate query) and starts the periodic refresh.
   * Call before the first rows arrive.
   */
  async start(now = Date.now()): Promise<number> {
    const users = await this.rebuild(now)
    const every = this.o.refreshEveryMs ?? 60_000
    if (every > 0) {
      this.refreshTimer = setInterval(() => {
        this.refresh().catch((err: Error) => {
          alertErrors.inc({ stage: 'state_refresh' })
          this.o.log?.warn({ err: err.message }, 'passkey state refresh failed')
        })
      }, every)
      this.refreshTimer.unref()
    }
    this.o.log?.info({ users, evictions: this.passkeys.evictions }, 'passkey state rebuilt for alerting')
    return users
  }

  /** Reads all passkey evidence again (after a bulk load that bypassed the engine, such as the demo). */
  async rebuild(now = Date.now()): Promise<number> {
    const users = await loadPasskeyState(this.o.client, this.passkeys, { lookbackMs: this.lookbackMs(), now })
    this.lastRefresh = now
    alertStateUsers.set(this.passkeys.size)
    return users
  }

  /** Re-reads recent passkey evidence (from an hour before the last refresh): what other workers stored. */
  async refresh(now = Date.now()): Promise<number> {
    const since = this.lastRefresh - HOUR
    const users = await loadPasskeyState(this.o.client, this.passkeys, { lookbackMs: this.lookbackMs(), now, since })
    this.lastRefresh = now
    alertStateUsers.set(this.passkeys.size)
    return users
  }

  /** Everything handed over so far processed, and its alerts stored and queued for delivery. */
  async settled(): Promise<void> {
    await this.draining
    await this.o.recorder.settled()
  }

  private drain(): void {
    const batches = this.queue
    this.queue = []
    this.scheduled = false
    const release = this.release
    try {
      for (const rows of batches) this.process(rows)
    } catch (err) {
      alertErrors.inc({ stage: 'engine' })
      this.o.log?.error({ err }, 'alert engine failed on a batch')
    } finally {
      release?.()
    }
  }

  /** Judges one batch in ts order, each row against the state before it, then learns from it. */
  process(rows: readonly AuthEvent[], now = Date.now()): void {
    const ordered = [...rows].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
    const oldest = now - (this.o.maxEventAgeMs ?? DAY)
    const matches: AlertMatch[] = []
    for (const r of ordered) {
      const at = parseChTime(r.ts)
      if (at >= oldest) {
        for (const m of evaluateEvent(r, at, { config: this.o.configFor(r.tenant), passkeys: this.passkeys })) matches.push(m)
      }
      this.passkeys.observe(r, at)
    }
    alertStateUsers.set(this.passkeys.size)
    this.o.recorder.record(matches, now)
  }

  close(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    this.refreshTimer = null
  }
}
