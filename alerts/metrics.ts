// Prometheus metrics of alerting, on the same registry as the pipeline's (/metrics).
import { Counter, Gauge } from 'prom-client'
import { registry } from '../core/metrics.js'

export const alertsOpened = new Counter({
  name: 'pulse_alerts_opened_total', help: 'Alerts opened (one per rule, subject and cooldown window)', labelNames: ['rule'], registers: [registry],
})
export const alertMatches = new Counter({
  name: 'pulse_alert_matches_total', help: 'Rule matches, counted into open alerts or opening new ones', labelNames: ['rule'], registers: [registry],
})
export const alertDeliveries = new Counter({
  name: 'pulse_alert_deliveries_total', help: 'Delivery attempts by channel kind and result (delivered, retry, failed)', labelNames: ['kind', 'result'], registers: [registry],
})
export const alertOutboxPending = new Gauge({
  name: 'pulse_alert_outbox_pending', help: 'Deliveries waiting in this process (due or backing off)', registers: [registry],
})
export const alertStateUsers = new Gauge({
  name: 'pulse_alert_passkey_state_users', help: 'Users held in the in-memory passkey state', registers: [registry],
})
export const alertErrors = new Counter({
  name: 'pulse_alert_errors_total', help: 'Alerting work that failed (storing alerts, rate rules, state refresh)', labelNames: ['stage'], registers: [registry],
})
