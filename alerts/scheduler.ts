// Runs the rate rules on a schedule (default every 60 s) for every tenant with recent logins. One
// process should run it per store (`start`; see docs/ALERTS.md for several analytics replicas): the
// alerts it opens are deduplicated by (rule, subject, cooldown window) like any other.
import type { Logger } from '../core/logger.js'
import type { ClickHouseClient } from '../store/clickhouse.js'
import { alertErrors } from './metrics.js'
import { failureSpikeMatch, fallbackCounts, fallbackSpikeMatch, judgeFallbackRate, judgePasskeySuccess, passkeyAttempts, type Population } from './rate-rules.js'
import type { AlertRecorder } from './recorder.js'
import { isActive, type TenantAlertConfig } from './rules.js'
import type { AlertMatch } from './types.js'
import { chTime } from './versions.js'

const DAY = 86_400_000
/** The trailing rate moves slowly: measured at most this often per tenant and filter. */
const BASELINE_TTL_MS = 3_600_000

export interface SchedulerOptions {
  client: ClickHouseClient
  recorder: AlertRecorder
  configFor: (tenant: string) => TenantAlertConfig
  log?: Logger
  everyMs: number
}

export class RateScheduler {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<AlertMatch[]> | null = null
  private readonly baselines = new Map<string, { rate: number | null; at: number }>()

  constructor(private readonly o: SchedulerOptions) {}

  start(): void {
    if (this.o.everyMs <= 0) return
    this.timer = setInterval(() => { void this.evaluate() }, this.o.everyMs)
    this.timer.unref()
  }

  /** Tenants with logins in the last day: the only ones a window can judge. */
  private async activeTenants(now: number): Promise<string[]> {
    const rs = await this.o.client.query({
      query: `SELECT DISTINCT tenant FROM auth_events WHERE ts >= {from:DateTime64(3, 'UTC')} AND event_type = 'login'`,
      query_params: { from: chTime(now - DAY) },
      format: 'JSONEachRow',
    })
    return (await rs.json<{ tenant: string }>()).map((r) => r.tenant)
  }

  /** One pass over every tenant; records what fired and returns it. Never throws. */
  evaluate(now = Date.now()): Promise<AlertMatch[]> {
    this.running ??= (async () => {
      const matches: AlertMatch[] = []
      try {
        for (const tenant of await this.activeTenants(now)) {
          try {
            matches.push(...await this.evaluateTenant(tenant, now))
          } catch (err) {
            alertErrors.inc({ stage: 'rate_rules' })
            this.o.log?.warn({ err: (err as Error).message, tenant }, 'rate rules failed for a tenant')
          }
        }
      } catch (err) {
        alertErrors.inc({ stage: 'rate_rules' })
        this.o.log?.warn({ err: (err as Error).message }, 'rate rules failed')
      } finally {
        this.running = null
      }
      this.o.recorder.record(matches, now)
      return matches
    })()
    return this.running
  }

  private async evaluateTenant(tenant: string, now: number): Promise<AlertMatch[]> {
    const cfg = this.o.configFor(tenant)
    const out: AlertMatch[] = []
    if (isActive(cfg, 'fallback_rate_spike')) {
      const p = cfg.rules.fallback_rate_spike
      const lookbackMs = cfg.rules.password_fallback.lookback_days * DAY
      const windowMs = p.window_s * 1000
      const population: Population = { tenant, from: now - windowMs, to: now, products: p.products, user_types: p.user_types }
      const counts = await fallbackCounts(this.o.client, population, lookbackMs)
      let baseline: number | null = null
      if (counts.logins >= p.min_logins && p.baseline_multiplier > 0) {
        baseline = await this.baseline({ ...population, from: now - p.baseline_days * DAY, to: now - windowMs }, lookbackMs, now)
      }
      const verdict = judgeFallbackRate(counts, baseline, p)
      if (verdict.fire) out.push(fallbackSpikeMatch(tenant, now, windowMs, counts, verdict, baseline, p))
    }
    if (isActive(cfg, 'passkey_failure_spike')) {
      const p = cfg.rules.passkey_failure_spike
      const windowMs = p.window_s * 1000
      for (const a of await passkeyAttempts(this.o.client, { tenant, from: now - windowMs, to: now, products: p.products, user_types: p.user_types })) {
        const v = judgePasskeySuccess(a, p)
        if (v.fire) out.push(failureSpikeMatch(tenant, now, windowMs, a, v.rate, p))
      }
    }
    return out
  }

  /** The trailing fallback rate (null: no logins by passkey users to compare with), cached an hour. */
  private async baseline(p: Population, lookbackMs: number, now: number): Promise<number | null> {
    const key = JSON.stringify([p.tenant, p.products, p.user_types, Math.round((p.to - p.from) / DAY), lookbackMs])
    const hit = this.baselines.get(key)
    if (hit && now - hit.at < BASELINE_TTL_MS) return hit.rate
    const c = await fallbackCounts(this.o.client, p, lookbackMs)
    const rate = c.logins > 0 ? c.fallbacks / c.logins : null
    if (this.baselines.size > 10_000) this.baselines.clear()
    this.baselines.set(key, { rate, at: now })
    return rate
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }
}
