// Turns rule matches into stored alerts: dedupe and cooldown (windows.ts), then, in the background and
// in order, a new version of every changed alert in ClickHouse and the deliveries of the opened ones.
// Nothing here is awaited by ingest: a slow ClickHouse or receiver delays notifications, never events.
import type { Logger } from '../core/logger.js'
import type { ClickHouseClient } from '../store/clickhouse.js'
import { alertErrors, alertMatches, alertsOpened } from './metrics.js'
import type { Outbox } from './outbox.js'
import { inQuietHours, type TenantAlertConfig } from './rules.js'
import { openWindows, saveAlerts } from './store.js'
import type { Alert, AlertMatch } from './types.js'
import { AlertWindows } from './windows.js'

export interface RecorderOptions {
  client: ClickHouseClient
  outbox: Outbox
  /** The tenant's settings (cooldowns, quiet hours). */
  configFor: (tenant: string) => TenantAlertConfig
  log?: Logger
  maxOpenWindows?: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class AlertRecorder {
  readonly windows: AlertWindows
  private chain: Promise<void> = Promise.resolve()
  private queued = 0

  constructor(private readonly o: RecorderOptions) {
    this.windows = new AlertWindows(o.maxOpenWindows)
  }

  /** Restores the windows still open in ClickHouse, so a restart does not re-notify within a cooldown. */
  async restore(now = Date.now()): Promise<number> {
    const open = await openWindows(this.o.client, now)
    this.windows.restore(open, now)
    return open.length
  }

  /** Counts matches into alerts now; stores and notifies in the background. Returns the opened alerts. */
  record(matches: readonly AlertMatch[], now = Date.now()): Alert[] {
    if (matches.length === 0) return []
    const changed = new Map<string, Alert>()
    const opened: Alert[] = []
    for (const m of matches) {
      const p = this.o.configFor(m.tenant).rules[m.rule]
      alertMatches.inc({ rule: m.rule })
      const r = this.windows.record(m, p.cooldown_s * 1000, now, () => inQuietHours(now, p.quiet_hours))
      changed.set(r.alert.alert_id, r.alert)
      if (r.opened) {
        opened.push(r.alert)
        alertsOpened.inc({ rule: m.rule })
      }
    }
    this.persist([...changed.values()], opened)
    return opened
  }

  private persist(changed: Alert[], opened: Alert[]): void {
    this.queued++
    this.chain = this.chain.then(async () => {
      // Retried a few times: the alert row is what the API shows; the deliveries go out regardless.
      for (let attempt = 1; ; attempt++) {
        try {
          await saveAlerts(this.o.client, changed)
          break
        } catch (err) {
          if (attempt >= 5) {
            alertErrors.inc({ stage: 'store' })
            this.o.log?.error({ err: (err as Error).message, alerts: changed.length }, 'could not store alerts')
            break
          }
          await sleep(200 * 2 ** attempt)
        }
      }
      try {
        await this.o.outbox.enqueue(opened)
      } catch (err) {
        alertErrors.inc({ stage: 'enqueue' })
        this.o.log?.error({ err: (err as Error).message }, 'could not queue alert deliveries')
      }
    }).finally(() => { this.queued-- })
  }

  /** Resolves once everything recorded so far is stored and its deliveries queued. */
  async settled(): Promise<void> {
    while (this.queued > 0) await this.chain
  }
}
