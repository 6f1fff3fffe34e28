// Wires alerting into a process: settings, outbox, recorder, and, as the process's role asks, the
// per-event engine (embedded `start`, Kafka workers) and the rate-rule scheduler (`start`).
import type { Producer } from 'kafkajs'
import type { Config } from '../core/config.js'
import type { Logger } from '../core/logger.js'
import type { AuthEvent } from '../schemas/auth-event.js'
import type { ClickHouseClient } from '../store/clickhouse.js'
import { AlertEngine } from './engine.js'
import { Outbox, type RetryPolicy } from './outbox.js'
import { AlertRecorder } from './recorder.js'
import { RateScheduler } from './scheduler.js'
import { AlertSettings } from './settings.js'

export interface AlertsOptions {
  client: ClickHouseClient
  config: Config
  log?: Logger
  /** Judge events as they are stored (this process writes events). */
  perEvent: boolean
  /** Run the rate rules in this process (one per store). */
  rateRules: boolean
  /** The only process on this store (embedded chDB): it takes over every undelivered alert at start-up. */
  exclusive: boolean
  /** Publishes alerts to the Kafka alerts topic (distributed mode). */
  producer?: Producer
  /** Tuning, mostly for tests. */
  retry?: Partial<RetryPolicy>
  sweepEveryMs?: number
  orphanAfterMs?: number
  stateRefreshEveryMs?: number
  settingsRefreshMs?: number
}

export interface Alerting {
  settings: AlertSettings
  outbox: Outbox
  recorder: AlertRecorder
  engine: AlertEngine | null
  scheduler: RateScheduler | null
  /** The writer's `onInserted` hook (a no-op without the per-event engine). */
  onInserted: (rows: readonly AuthEvent[]) => void
  /** Everything seen so far judged, stored and queued for delivery. */
  settled(): Promise<void>
  close(): Promise<void>
}

export async function startAlerting(o: AlertsOptions): Promise<Alerting> {
  const a = o.config.alerts
  const log = o.log?.child({ component: 'alerts' })
  const settings = new AlertSettings(o.client, {
    alerts: a, defaultTenant: o.config.defaultTenant, kafkaTopic: o.producer ? o.config.kafka.alertsTopic : undefined,
    refreshMs: o.settingsRefreshMs, log,
  })
  await settings.start()
  const configFor = (tenant: string) => settings.configFor(tenant)
  const outbox = new Outbox({
    client: o.client, settings, log, exclusive: o.exclusive,
    sender: { timeoutMs: a.deliveryTimeoutMs, producer: o.producer },
    retry: { baseMs: 1_000, capMs: a.retryMaxS * 1000, maxAgeMs: a.deliveryMaxAgeS * 1000, ...o.retry },
    sweepEveryMs: o.sweepEveryMs, orphanAfterMs: o.orphanAfterMs,
  })
  const recorder = new AlertRecorder({ client: o.client, outbox, configFor, log })
  await recorder.restore()
  const engine = o.perEvent
    ? new AlertEngine({
      client: o.client, recorder, configFor, tenants: () => settings.tenants(), log,
      maxEventAgeMs: a.maxEventAgeS * 1000, maxUsers: a.stateMaxUsers, refreshEveryMs: o.stateRefreshEveryMs,
    })
    : null
  await engine?.start()
  await outbox.start()
  const scheduler = o.rateRules && a.rateEveryS > 0
    ? new RateScheduler({ client: o.client, recorder, configFor, log, everyMs: a.rateEveryS * 1000 })
    : null
  scheduler?.start()
  if (settings.channelsFor(o.config.defaultTenant).some((c) => c.kind === 'webhook' && !c.secret)) {
    log?.warn('PULSE_ALERT_WEBHOOK_URL is set without PULSE_ALERT_WEBHOOK_SECRET: webhooks go out unsigned')
  }
  return {
    settings, outbox, recorder, engine, scheduler,
    onInserted: engine ? engine.onInserted : () => {},
    settled: async () => {
      await engine?.settled()
      await recorder.settled()
    },
    close: async () => {
      await scheduler?.close()
      engine?.close()
      await engine?.settled()
      await recorder.settled()
      await outbox.close()
      settings.close()
    },
  }
}
