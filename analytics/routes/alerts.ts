// The alerts API (SPEC §4, §5): list and filter alerts, acknowledge and resolve them, tune the rules,
// set the device-bound policy, manage delivery channels. Alerts about people are shown to admin and
// security only; finance and viewer get the alerts that name no one (rate spikes), without evidence.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Role } from '../../access/tokens.js'
import type { Alerting } from '../../alerts/runtime.js'
import { deliveriesOf, type Delivery } from '../../alerts/outbox.js'
import { isActive, ruleChangeError, type RuleParams } from '../../alerts/rules.js'
import { envChannels, loadChannels, loadTenantConfig, saveChannel, savePolicy, saveRuleChange, type Channel } from '../../alerts/settings.js'
import { getAlert, listAlerts, setAlertState, type StoredAlert } from '../../alerts/store.js'
import { ALERT_STATES, RULE_NAMES, SEVERITIES, SUBJECT_KINDS, type AlertState, type RuleName } from '../../alerts/types.js'
import type { Config } from '../../core/config.js'
import { ERR_ALERT_NOT_FOUND, ERR_ALERT_SETTINGS, ERR_ALERT_STATE } from '../../core/errors.js'
import { parseTimestamp } from '../../ingest/time.js'
import type { Store } from '../../store/clickhouse.js'
import { identityOf } from '../access.js'

const READERS: readonly Role[] = ['admin', 'security', 'finance', 'viewer']
const RESPONDERS: readonly Role[] = ['admin', 'security']
const ADMINS: readonly Role[] = ['admin']
const DAY = 86_400_000

export interface AlertRouteOptions {
  store: Store
  config: Config
  /** This process's alerting, told at once when settings change (other processes refresh on a timer). */
  alerting?: Alerting
}

const ts = { type: 'string' } as const
const nullableTs = { type: ['string', 'null'] } as const
const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, channel_id: { type: 'string' }, kind: { type: 'string' }, status: { type: 'string' },
    attempts: { type: 'integer' }, last_status: { type: 'integer' }, last_error: { type: 'string' },
    last_attempt_at: nullableTs, delivered_at: nullableTs,
  },
} as const
const alertSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, rule: { type: 'string', enum: [...RULE_NAMES] }, severity: { type: 'string', enum: [...SEVERITIES] },
    subject: { type: 'object', properties: { kind: { type: 'string', enum: [...SUBJECT_KINDS] }, id: { type: 'string' } } },
    title: { type: 'string' }, first_seen: ts, last_seen: ts, window_end: ts, count: { type: 'integer' },
    evidence: { type: 'array', items: { type: 'string' } }, details: { type: 'object', additionalProperties: true },
    silenced: { type: 'boolean' }, state: { type: 'string', enum: [...ALERT_STATES] }, state_changed_at: nullableTs,
    state_changed_by: { type: 'string' }, deliveries: { type: 'array', items: deliverySchema },
  },
} as const
const errorSchema = { type: 'object', properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } } } as const
/** Routes without parameters still refuse unknown ones. */
const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const
const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{32}$' } } } as const

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

function deliveryView(d: Delivery) {
  return {
    id: d.delivery_id, channel_id: d.channel_id, kind: d.channel_kind, status: d.status, attempts: d.attempts,
    last_status: d.last_status, last_error: d.last_error, last_attempt_at: iso(d.last_attempt_at), delivered_at: iso(d.delivered_at),
  }
}

/** The API's view of an alert; `redacted` (finance, viewer) drops the evidence event ids. */
function alertView(a: StoredAlert, deliveries: Delivery[], redacted = false) {
  return {
    id: a.alert_id, rule: a.rule, severity: a.severity, subject: { kind: a.subject_kind, id: a.subject }, title: a.title,
    first_seen: iso(a.first_seen)!, last_seen: iso(a.last_seen)!, window_end: iso(a.window_end)!, count: a.count,
    evidence: redacted ? [] : a.evidence, details: a.details, silenced: a.silenced, state: a.state,
    state_changed_at: iso(a.state_changed_at), state_changed_by: a.state_changed_by,
    deliveries: deliveries.filter((d) => d.alert_id === a.alert_id).map(deliveryView),
  }
}

function channelView(c: Channel) {
  return { id: c.channel_id, kind: c.kind, url: c.url, enabled: c.enabled, signed: c.secret !== '', origin: c.origin }
}

export async function alertRoutes(app: FastifyInstance, o: AlertRouteOptions): Promise<void> {
  const client = o.store.client
  const changed = async () => {
    await o.alerting?.settings.refresh().catch(() => { /* the timer retries */ })
  }

  app.get('/api/v1/alerts', {
    config: { access: { roles: READERS } },
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          state: { type: 'array', items: { type: 'string', enum: [...ALERT_STATES] } },
          rule: { type: 'array', items: { type: 'string', enum: [...RULE_NAMES] } },
          from: { type: 'string', maxLength: 40 },
          to: { type: 'string', maxLength: 40 },
          limit: { type: 'integer', minimum: 1, maximum: 1_000, default: 100 },
        },
      },
      response: {
        200: { type: 'object', properties: { tenant: { type: 'string' }, from: ts, to: ts, redacted: { type: 'boolean' }, alerts: { type: 'array', items: alertSchema } } },
        400: errorSchema,
      },
    },
  }, async (req: FastifyRequest<{ Querystring: { state?: AlertState[]; rule?: RuleName[]; from?: string; to?: string; limit: number } }>) => {
    const { tenant, role } = identityOf(req)
    const now = Date.now()
    const to = req.query.to === undefined ? now : parseTimestamp(req.query.to)
    const from = req.query.from === undefined ? (to ?? now) - 30 * DAY : parseTimestamp(req.query.from)
    if (to === null) throw new ERR_ALERT_SETTINGS('querystring/to is not a date')
    if (from === null) throw new ERR_ALERT_SETTINGS('querystring/from is not a date')
    if (from >= to) throw new ERR_ALERT_SETTINGS('querystring/from must be before to')
    // SPEC §5: finance and viewer never see alerts that name people, nor the events behind any alert.
    const redacted = role !== 'admin' && role !== 'security'
    const alerts = await listAlerts(client, { tenant, from, to, states: req.query.state, rules: req.query.rule, withoutUsers: redacted, limit: req.query.limit })
    const deliveries = await deliveriesOf(client, tenant, alerts.map((a) => a.alert_id))
    return { tenant, from: iso(from), to: iso(to), redacted, alerts: alerts.map((a) => alertView(a, deliveries, redacted)) }
  })

  // Rules and policy first: these static paths must not be read as alert ids.
  app.get('/api/v1/alerts/rules', {
    config: { access: { roles: RESPONDERS } },
    schema: {
      querystring: noQuery,
      response: {
        200: {
          type: 'object',
          properties: {
            tenant: { type: 'string' },
            policy: { type: 'object', properties: { privileged_device_bound_required: { type: 'boolean' } } },
            rules: { type: 'array', items: { type: 'object', properties: { rule: { type: 'string' }, active: { type: 'boolean' }, params: { type: 'object', additionalProperties: true } } } },
          },
        },
      },
    },
  }, async (req) => {
    const { tenant } = identityOf(req)
    const cfg = await loadTenantConfig(client, tenant)
    return { tenant, policy: cfg.policy, rules: RULE_NAMES.map((rule) => ({ rule, active: isActive(cfg, rule), params: cfg.rules[rule] })) }
  })

  app.put('/api/v1/alerts/rules/:rule', {
    config: { access: { roles: ADMINS } },
    schema: {
      params: { type: 'object', additionalProperties: false, required: ['rule'], properties: { rule: { type: 'string', enum: [...RULE_NAMES] } } },
      // Each rule takes its own parameters: checked against ruleChangeSchema(rule) in the handler.
      body: { type: 'object' },
      response: {
        200: { type: 'object', properties: { rule: { type: 'string' }, active: { type: 'boolean' }, params: { type: 'object', additionalProperties: true } } },
        400: errorSchema,
      },
    },
  }, async (req: FastifyRequest<{ Params: { rule: RuleName }; Body: Record<string, unknown> }>) => {
    const { tenant, tokenId } = identityOf(req)
    const { rule } = req.params
    const problem = ruleChangeError(rule, req.body)
    if (problem) throw new ERR_ALERT_SETTINGS(problem)
    const params = await saveRuleChange(client, tenant, rule, req.body as Partial<RuleParams[typeof rule]>, tokenId)
    await changed()
    const cfg = await loadTenantConfig(client, tenant)
    return { rule, active: isActive(cfg, rule), params }
  })

  const policySchema = { type: 'object', properties: { tenant: { type: 'string' }, privileged_device_bound_required: { type: 'boolean' } } } as const
  app.get('/api/v1/alerts/policy', {
    config: { access: { roles: RESPONDERS } },
    schema: { querystring: noQuery, response: { 200: policySchema } },
  }, async (req) => {
    const { tenant } = identityOf(req)
    return { tenant, ...(await loadTenantConfig(client, tenant)).policy }
  })

  app.put('/api/v1/alerts/policy', {
    config: { access: { roles: ADMINS } },
    schema: {
      body: { type: 'object', additionalProperties: false, required: ['privileged_device_bound_required'], properties: { privileged_device_bound_required: { type: 'boolean' } } },
      response: { 200: policySchema },
    },
  }, async (req: FastifyRequest<{ Body: { privileged_device_bound_required: boolean } }>) => {
    const { tenant, tokenId } = identityOf(req)
    await savePolicy(client, tenant, { privileged_device_bound_required: req.body.privileged_device_bound_required }, tokenId)
    await changed()
    return { tenant, privileged_device_bound_required: req.body.privileged_device_bound_required }
  })

  const channelSchema = {
    type: 'object',
    properties: { id: { type: 'string' }, kind: { type: 'string' }, url: { type: 'string' }, enabled: { type: 'boolean' }, signed: { type: 'boolean' }, origin: { type: 'string' } },
  } as const
  app.get('/api/v1/alerts/channels', {
    config: { access: { roles: ADMINS } },
    schema: { querystring: noQuery, response: { 200: { type: 'object', properties: { tenant: { type: 'string' }, channels: { type: 'array', items: channelSchema } } } } },
  }, async (req) => {
    const { tenant } = identityOf(req)
    const env = tenant === o.config.defaultTenant ? envChannels(o.config.alerts, tenant) : []
    return { tenant, channels: [...env, ...(await loadChannels(client, tenant))].map(channelView) }
  })

  app.put('/api/v1/alerts/channels/:id', {
    config: { access: { roles: ADMINS } },
    schema: {
      params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } } },
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'url'],
        properties: {
          kind: { type: 'string', enum: ['webhook', 'slack'] },
          url: { type: 'string', pattern: '^https?://[^\\s]+$', maxLength: 2_048 },
          secret: { type: 'string', minLength: 16, maxLength: 256 },
          enabled: { type: 'boolean', default: true },
        },
      },
      response: { 200: channelSchema, 400: errorSchema },
    },
  }, async (req: FastifyRequest<{ Params: { id: string }; Body: { kind: 'webhook' | 'slack'; url: string; secret?: string; enabled: boolean } }>) => {
    const { tenant, tokenId } = identityOf(req)
    const { id } = req.params
    if (id === 'kafka' || id.startsWith('env-')) throw new ERR_ALERT_SETTINGS(`params/id "${id}" is reserved (channels from the environment and the Kafka topic)`)
    const b = req.body
    // A webhook is signed; keep the stored secret when a change does not restate it.
    const existing = (await loadChannels(client, tenant)).find((c) => c.channel_id === id)
    const secret = b.kind === 'webhook' ? b.secret ?? (existing?.kind === 'webhook' ? existing.secret : '') : ''
    if (b.kind === 'webhook' && !secret && b.enabled) throw new ERR_ALERT_SETTINGS('body/secret is required for a webhook (at least 16 characters): receivers verify the signature with it')
    const channel = { tenant, channel_id: id, kind: b.kind, url: b.url, secret, enabled: b.enabled }
    await saveChannel(client, channel, tokenId)
    await changed()
    return channelView({ ...channel, origin: 'api' })
  })

  app.get('/api/v1/alerts/:id', {
    config: { access: { roles: RESPONDERS, identifying: true } },
    schema: { params: idParams, response: { 200: alertSchema, 404: errorSchema } },
  }, async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const { tenant } = identityOf(req)
    const a = await getAlert(client, tenant, req.params.id)
    if (!a) throw new ERR_ALERT_NOT_FOUND(req.params.id)
    return alertView(a, await deliveriesOf(client, tenant, [a.alert_id]))
  })

  const transition = (to: 'acknowledged' | 'resolved') => async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const { tenant, tokenId } = identityOf(req)
    const a = await getAlert(client, tenant, req.params.id)
    if (!a) throw new ERR_ALERT_NOT_FOUND(req.params.id)
    if (to === 'acknowledged' && a.state === 'resolved') throw new ERR_ALERT_STATE(`Alert ${a.alert_id} is resolved; it cannot be acknowledged`)
    if (a.state !== to) await setAlertState(client, tenant, a.alert_id, to, tokenId)
    const after = (await getAlert(client, tenant, a.alert_id)) ?? a
    return alertView(after, await deliveriesOf(client, tenant, [a.alert_id]))
  }
  for (const [path, to] of [['acknowledge', 'acknowledged'], ['resolve', 'resolved']] as const) {
    app.post(`/api/v1/alerts/:id/${path}`, {
      config: { access: { roles: RESPONDERS, identifying: true } },
      schema: { params: idParams, response: { 200: alertSchema, 404: errorSchema, 409: errorSchema } },
    }, transition(to))
  }
}

