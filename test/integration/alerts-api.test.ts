// The alerts API through fastify's real request pipeline on embedded ClickHouse: listing and filters,
// what each role sees (finance and viewer never see alerts that name people), acknowledge and resolve,
// rule settings with validation, the device-bound policy and delivery channels.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, TokenVerifier, type Role } from '../../access/tokens.js'
import { deliveryIdOf } from '../../alerts/outbox.js'
import { saveAlerts } from '../../alerts/store.js'
import type { Alert } from '../../alerts/types.js'
import { chTime } from '../../alerts/versions.js'
import { alertId } from '../../alerts/windows.js'
import { buildApp } from '../../analytics/server.js'
import { createLogger } from '../../core/logger.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { openTestStore, type TestStore } from '../helpers/store.js'
import { DAY, HOUR } from '../helpers/alerts.js'

const log = createLogger('error')
let t: TestStore
let app: FastifyInstance
let writer: BatchWriter
const tokens: Partial<Record<Role, string>> = {}
const tokenIds: Partial<Record<Role, string>> = {}
let otherAdmin = ''
const now = Date.now()

function alert(over: Partial<Alert> & Pick<Alert, 'tenant' | 'rule' | 'subject_kind' | 'subject' | 'first_seen'>): Alert {
  return {
    alert_id: alertId(over, over.first_seen), severity: 'medium', title: `${over.rule} ${over.subject}`, last_seen: over.first_seen,
    window_end: over.first_seen + HOUR, count: 1, evidence: ['ev-1', 'ev-2'], details: {}, silenced: false, created_at: over.first_seen, ...over,
  }
}

const fallback = alert({ tenant: 'acme', rule: 'password_fallback', subject_kind: 'user', subject: 'ann@acme.example', first_seen: now - 2 * HOUR, details: { ip: '192.0.2.7', after_failure: false } })
const spike = alert({ tenant: 'acme', rule: 'fallback_rate_spike', subject_kind: 'tenant', subject: 'acme', first_seen: now - HOUR, count: 3, details: { rate: 0.4 } })
const old = alert({ tenant: 'acme', rule: 'passkey_failure_spike', subject_kind: 'product_os', subject: 'jira/iOS', first_seen: now - 40 * DAY })
const elsewhere = alert({ tenant: 'other', rule: 'password_fallback', subject_kind: 'user', subject: 'zed@other.example', first_seen: now - HOUR })

beforeAll(async () => {
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '20' })
  writer = new BatchWriter(t.store.client, { ...t.config.batch, log })
  const verifier = new TokenVerifier(t.store.client)
  app = await buildApp({ config: t.config, store: t.store, sink: embeddedSink(new IngestService(writer)), verifier, log })
  for (const role of ['admin', 'security', 'finance', 'viewer'] as const) {
    const c = await createToken(t.store.client, 'acme', role, `test ${role}`)
    tokens[role] = c.token
    tokenIds[role] = c.tokenId
  }
  otherAdmin = (await createToken(t.store.client, 'other', 'admin', 'other admin')).token
  await saveAlerts(t.store.client, [fallback, spike, old, elsewhere])
  await t.store.client.insert({
    table: 'alert_outbox',
    values: [{
      delivery_id: deliveryIdOf(fallback.alert_id, 'hook'), tenant: 'acme', alert_id: fallback.alert_id, channel_id: 'hook', channel_kind: 'webhook',
      payload: '{}', status: 'delivered', attempts: 2, created_at: chTime(now - 2 * HOUR), next_attempt_at: chTime(now - 2 * HOUR),
      last_attempt_at: chTime(now - 2 * HOUR + 1_000), delivered_at: chTime(now - 2 * HOUR + 1_000), last_status: 200, last_error: '', owner: 'test', version: 1,
    }],
    format: 'JSONEachRow',
  })
})

afterAll(async () => {
  await app?.close()
  await writer?.close()
  await t?.cleanup()
})

function call(method: 'GET' | 'PUT' | 'POST', url: string, token: string | undefined, body?: unknown) {
  return app.inject({
    method, url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    payload: body === undefined ? undefined : JSON.stringify(body),
  })
}

interface AlertJson { id: string; rule: string; subject: { kind: string; id: string }; evidence: string[]; state: string; state_changed_by: string; count: number; deliveries: { status: string; attempts: number; kind: string }[] }
const list = async (token: string, query = '') => {
  const r = await call('GET', `/api/v1/alerts${query}`, token)
  expect(r.statusCode, r.body).toBe(200)
  return r.json() as { redacted: boolean; alerts: AlertJson[] }
}

describe('GET /api/v1/alerts', () => {
  it('lists the tenant\'s alerts of the last 30 days, newest first, with subjects, evidence and deliveries for security', async () => {
    const body = await list(tokens.security!)
    expect(body.redacted).toBe(false)
    expect(body.alerts.map((a) => a.id)).toEqual([spike.alert_id, fallback.alert_id])
    const f = body.alerts[1]!
    expect(f).toMatchObject({ rule: 'password_fallback', subject: { kind: 'user', id: 'ann@acme.example' }, evidence: ['ev-1', 'ev-2'], state: 'open', count: 1 })
    expect(f.deliveries).toEqual([expect.objectContaining({ kind: 'webhook', status: 'delivered', attempts: 2 })])
    expect(body.alerts[0]!.count).toBe(3)
  })

  it('filters by rule, state and period, and names a bad parameter in a 400', async () => {
    expect((await list(tokens.admin!, '?rule=password_fallback')).alerts.map((a) => a.id)).toEqual([fallback.alert_id])
    expect((await list(tokens.admin!, '?state=acknowledged')).alerts).toEqual([])
    const wide = await list(tokens.admin!, `?from=${new Date(now - 60 * DAY).toISOString()}`)
    expect(wide.alerts.map((a) => a.id)).toEqual([spike.alert_id, fallback.alert_id, old.alert_id])
    for (const [q, msg] of [
      ['?state=snoozed', /querystring\/state\/0 must be equal to one of the allowed values/],
      ['?rule=nope', /querystring\/rule\/0 must be equal to one of the allowed values/],
      ['?from=yesterday-ish', /querystring\/from is not a date/],
      ['?limit=0', /querystring\/limit must be >= 1/],
      ['?colour=red', /unknown parameter "colour"/],
    ] as const) {
      const r = await call('GET', `/api/v1/alerts${q}`, tokens.admin)
      expect(r.statusCode, q).toBe(400)
      expect(r.json().message).toMatch(msg)
    }
  })

  it('finance and viewer get only alerts that name no one, without evidence; nothing of another tenant', async () => {
    for (const role of ['finance', 'viewer'] as const) {
      const r = await call('GET', `/api/v1/alerts?from=${new Date(now - 60 * DAY).toISOString()}`, tokens[role])
      expect(r.statusCode).toBe(200)
      const body = r.json() as { redacted: boolean; alerts: AlertJson[] }
      expect(body.redacted).toBe(true)
      expect(body.alerts.map((a) => a.id)).toEqual([spike.alert_id, old.alert_id])
      expect(body.alerts.every((a) => a.evidence.length === 0)).toBe(true)
      expect(r.body).not.toMatch(/ann@acme\.example|192\.0\.2\.7|ev-1/)
    }
    const other = await list(otherAdmin)
    expect(other.alerts.map((a) => a.id)).toEqual([elsewhere.alert_id])
    expect((await call('GET', '/api/v1/alerts', undefined)).statusCode).toBe(401)
  })
})

describe('acknowledge and resolve', () => {
  it('security acknowledges then resolves; the state is listed and filtered; a resolved alert cannot be acknowledged', async () => {
    const ack = await call('POST', `/api/v1/alerts/${fallback.alert_id}/acknowledge`, tokens.security)
    expect(ack.statusCode, ack.body).toBe(200)
    expect(ack.json()).toMatchObject({ id: fallback.alert_id, state: 'acknowledged', state_changed_by: tokenIds.security })
    expect((await list(tokens.security!, '?state=acknowledged')).alerts.map((a) => a.id)).toEqual([fallback.alert_id])
    expect((await list(tokens.security!, '?state=open')).alerts.map((a) => a.id)).toEqual([spike.alert_id])

    const res = await call('POST', `/api/v1/alerts/${fallback.alert_id}/resolve`, tokens.admin)
    expect(res.json()).toMatchObject({ state: 'resolved', state_changed_by: tokenIds.admin })
    const again = await call('POST', `/api/v1/alerts/${fallback.alert_id}/acknowledge`, tokens.security)
    expect(again.statusCode).toBe(409)
    expect(again.json().message).toMatch(/is resolved/)
    const one = await call('GET', `/api/v1/alerts/${fallback.alert_id}`, tokens.security)
    expect(one.json()).toMatchObject({ id: fallback.alert_id, state: 'resolved' })
  })

  it('refuses finance and viewer, unknown and foreign ids, and malformed ids', async () => {
    expect((await call('POST', `/api/v1/alerts/${spike.alert_id}/acknowledge`, tokens.finance)).statusCode).toBe(403)
    expect((await call('POST', `/api/v1/alerts/${spike.alert_id}/resolve`, tokens.viewer)).statusCode).toBe(403)
    expect((await call('GET', `/api/v1/alerts/${spike.alert_id}`, tokens.viewer)).statusCode).toBe(403)
    expect((await call('POST', `/api/v1/alerts/${'0'.repeat(32)}/acknowledge`, tokens.security)).statusCode).toBe(404)
    expect((await call('POST', `/api/v1/alerts/${elsewhere.alert_id}/acknowledge`, tokens.security)).statusCode).toBe(404)
    const bad = await call('POST', '/api/v1/alerts/not-an-id/acknowledge', tokens.security)
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/params\/id must match pattern/)
  })
})

describe('rules, policy and channels', () => {
  interface RulesJson { policy: { privileged_device_bound_required: boolean }; rules: { rule: string; active: boolean; params: Record<string, unknown> }[] }
  const rules = async (token = tokens.security!) => (await call('GET', '/api/v1/alerts/rules', token)).json() as RulesJson
  const rule = (r: RulesJson, name: string) => r.rules.find((x) => x.rule === name)!

  it('shows the SPEC §4 defaults', async () => {
    const r = await rules()
    expect(r.rules.map((x) => x.rule)).toEqual(['password_fallback', 'privileged_phishable_login', 'fallback_rate_spike', 'passkey_failure_spike', 'deprecated_credential', 'privileged_synced_passkey'])
    expect(rule(r, 'password_fallback')).toMatchObject({ active: true, params: { enabled: true, cooldown_s: 3600, lookback_days: 180, after_failure_s: 600 } })
    expect(rule(r, 'fallback_rate_spike').params).toMatchObject({ window_s: 900, min_logins: 20, threshold: 0.2, baseline_multiplier: 3, baseline_days: 7 })
    expect(rule(r, 'passkey_failure_spike').params).toMatchObject({ threshold: 0.8 })
    expect(rule(r, 'privileged_synced_passkey').active).toBe(false)
    expect((await call('GET', '/api/v1/alerts/rules', tokens.finance)).statusCode).toBe(403)
  })

  it('lets an admin tune a rule, validated with a 400 that names the field; security may not', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['fallback_rate_spike', { threshold: 2 }, /^body\/threshold must be <= 1$/],
      ['password_fallback', { threshold: 0.5 }, /^body has an unknown parameter "threshold"$/],
      ['password_fallback', { cooldown_s: 10 }, /^body\/cooldown_s must be >= 60$/],
      ['password_fallback', { quiet_hours: { start: '22:00', end: '06:00', timezone: 'Nowhere/Land' } }, /^body\/quiet_hours\/timezone is not an IANA time zone/],
      ['no_such_rule', { enabled: false }, /^params\/rule must be equal to one of the allowed values/],
    ]
    for (const [name, body, msg] of cases) {
      const r = await call('PUT', `/api/v1/alerts/rules/${name}`, tokens.admin, body)
      expect(r.statusCode, `${name} ${JSON.stringify(body)}`).toBe(400)
      expect(r.json().message).toMatch(msg)
    }
    expect((await call('PUT', '/api/v1/alerts/rules/password_fallback', tokens.security, { enabled: false })).statusCode).toBe(403)

    const ok = await call('PUT', '/api/v1/alerts/rules/fallback_rate_spike', tokens.admin, { threshold: 0.3, products: ['jira'], quiet_hours: { start: '22:00', end: '06:00' } })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json()).toMatchObject({ rule: 'fallback_rate_spike', active: true, params: { threshold: 0.3, window_s: 900, products: ['jira'], quiet_hours: { start: '22:00', end: '06:00', timezone: 'UTC' } } })
    await call('PUT', '/api/v1/alerts/rules/deprecated_credential', tokens.admin, { enabled: false })
    const r = await rules()
    expect(rule(r, 'fallback_rate_spike').params).toMatchObject({ threshold: 0.3, min_logins: 20 })
    expect(rule(r, 'deprecated_credential')).toMatchObject({ active: false, params: { enabled: false } })
    // Another tenant keeps the defaults.
    expect(rule(await rules(otherAdmin), 'fallback_rate_spike').params).toMatchObject({ threshold: 0.2 })
  })

  it('sets the device-bound policy (admin only), which turns privileged_synced_passkey on', async () => {
    expect((await call('PUT', '/api/v1/alerts/policy', tokens.security, { privileged_device_bound_required: true })).statusCode).toBe(403)
    const bad = await call('PUT', '/api/v1/alerts/policy', tokens.admin, { privileged_device_bound_required: 'yes please' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/body\/privileged_device_bound_required must be boolean/)
    const ok = await call('PUT', '/api/v1/alerts/policy', tokens.admin, { privileged_device_bound_required: true })
    expect(ok.json()).toEqual({ tenant: 'acme', privileged_device_bound_required: true })
    expect((await call('GET', '/api/v1/alerts/policy', tokens.security)).json()).toEqual({ tenant: 'acme', privileged_device_bound_required: true })
    expect(rule(await rules(), 'privileged_synced_passkey').active).toBe(true)
  })

  it('manages channels: a webhook needs a secret, which is never returned; reserved ids are refused', async () => {
    const noSecret = await call('PUT', '/api/v1/alerts/channels/soc', tokens.admin, { kind: 'webhook', url: 'https://soc.example/hook' })
    expect(noSecret.statusCode).toBe(400)
    expect(noSecret.json().message).toMatch(/^body\/secret is required/)
    const badUrl = await call('PUT', '/api/v1/alerts/channels/soc', tokens.admin, { kind: 'webhook', url: 'ftp://x', secret: 'x'.repeat(20) })
    expect(badUrl.json().message).toMatch(/body\/url must match pattern/)
    expect((await call('PUT', '/api/v1/alerts/channels/kafka', tokens.admin, { kind: 'slack', url: 'https://hooks.slack.example/x' })).statusCode).toBe(400)

    const secret = 'whsec-api-0123456789abcdef'
    const ok = await call('PUT', '/api/v1/alerts/channels/soc', tokens.admin, { kind: 'webhook', url: 'https://soc.example/hook', secret })
    expect(ok.json()).toEqual({ id: 'soc', kind: 'webhook', url: 'https://soc.example/hook', enabled: true, signed: true, origin: 'api' })
    // Changing the URL keeps the stored secret.
    await call('PUT', '/api/v1/alerts/channels/soc', tokens.admin, { kind: 'webhook', url: 'https://soc.example/hook2' })
    await call('PUT', '/api/v1/alerts/channels/chat', tokens.admin, { kind: 'slack', url: 'https://hooks.slack.example/T0/B0/x' })
    const listed = await call('GET', '/api/v1/alerts/channels', tokens.admin)
    expect(listed.json().channels).toEqual([
      { id: 'chat', kind: 'slack', url: 'https://hooks.slack.example/T0/B0/x', enabled: true, signed: false, origin: 'api' },
      { id: 'soc', kind: 'webhook', url: 'https://soc.example/hook2', enabled: true, signed: true, origin: 'api' },
    ])
    expect(listed.body).not.toContain(secret)
    expect((await call('GET', '/api/v1/alerts/channels', tokens.security)).statusCode).toBe(403)
  })
})
