// Alert rules end to end on real parts: events through IngestService and BatchWriter into embedded
// ClickHouse, the engine on the writer's hook, deliveries to real HTTP receivers on 127.0.0.1; the rate
// rules against the same store; and a new engine on the same store after a "restart".
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAlerting, type Alerting } from '../../alerts/runtime.js'
import { RateScheduler } from '../../alerts/scheduler.js'
import { saveChannel, savePolicy, saveRuleChange } from '../../alerts/settings.js'
import { verifySignature } from '../../alerts/signature.js'
import { listAlerts, type StoredAlert } from '../../alerts/store.js'
import type { RuleName } from '../../alerts/types.js'
import { createLogger } from '../../core/logger.js'
import { IngestService } from '../../ingest/service.js'
import { BatchWriter } from '../../ingest/writer.js'
import { waitFor } from '../helpers/kafka.js'
import { count, openTestStore, type TestStore } from '../helpers/store.js'
import { DAY, event, HOUR, MIN, Receiver } from '../helpers/alerts.js'

const SECRET = 'whsec-test-0123456789abcdef'
const log = createLogger('error')
let t: TestStore
let alerting: Alerting
let writer: BatchWriter
let service: IngestService
const webhook = new Receiver()
const slack = new Receiver()

async function startPipeline(): Promise<void> {
  alerting = await startAlerting({
    client: t.store.client, config: t.config, log, perEvent: true, rateRules: false, exclusive: true,
    retry: { baseMs: 50, capMs: 200 }, stateRefreshEveryMs: 0,
  })
  writer = new BatchWriter(t.store.client, { ...t.config.batch, log, onInserted: alerting.onInserted })
  service = new IngestService(writer)
}

async function stopPipeline(): Promise<void> {
  await writer.close()
  await alerting.close()
}

beforeAll(async () => {
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '20' })
  await webhook.up()
  await slack.up()
  await saveChannel(t.store.client, { tenant: 'acme', channel_id: 'hook', kind: 'webhook', url: webhook.url, secret: SECRET, enabled: true }, 'test')
  await saveChannel(t.store.client, { tenant: 'acme', channel_id: 'slack', kind: 'slack', url: slack.url, secret: '', enabled: true }, 'test')
  await startPipeline()
})

afterAll(async () => {
  await stopPipeline().catch(() => {})
  await webhook.down()
  await slack.down()
  await t?.cleanup()
})

/** Ingests native events for a tenant and waits until their alerts are stored and delivered. */
async function ingest(tenant: string, events: Record<string, unknown>[]): Promise<void> {
  const s = await service.ingest(events.map((payload) => ({ payload, source: 'native', tenant })))
  expect(s.rejected, JSON.stringify(s.rejections)).toBe(0)
  await alerting.settled()
  await waitFor('the outbox to empty', async () => alerting.outbox.pending === 0, 30_000, 20)
}

async function alertsOf(tenant: string, rule?: RuleName): Promise<StoredAlert[]> {
  return listAlerts(t.store.client, { tenant, rules: rule ? [rule] : [], from: 0, to: Date.now() + DAY, limit: 1_000 })
}

const deliveredFor = (r: Receiver, subject: string) => r.delivered().filter((d) => d.alert.subject.id === subject)

describe('per-event rules', () => {
  it('password_fallback: fires for a passkey user who signs in with a password, and only then; delivered signed to the webhook and to Slack', async () => {
    await ingest('acme', [
      event(2 * DAY, { event_type: 'passkey_registered', user_id: 'ann@acme.example', method: 'passkey', passkey_type: 'synced' }),
      event(2 * DAY, { event_type: 'passkey_registered', user_id: 'cid@acme.example', method: 'passkey', passkey_type: 'synced' }),
      event(2 * DAY, { event_type: 'passkey_registered', user_id: 'kim@acme.example', method: 'passkey', passkey_type: 'device_bound' }),
      event(30 * MIN, { user_id: 'ann@acme.example' }),
      // No passkey: a password login is no fallback.
      event(30 * MIN, { user_id: 'bob@acme.example' }),
      // Password, then a passkey as second factor: phishing-resistant, no fallback.
      event(30 * MIN, { user_id: 'cid@acme.example', second_factor: 'webauthn', passkey_type: 'synced' }),
      // A downstream SSO log cannot know what the IdP used.
      event(30 * MIN, { user_id: 'cid@acme.example', method: 'sso' }),
    ])
    const alerts = await alertsOf('acme', 'password_fallback')
    expect(alerts.map((a) => [a.subject, a.count, a.state])).toEqual([['ann@acme.example', 1, 'open']])
    expect(await count(t.store, "SELECT count() AS n FROM alerts FINAL WHERE tenant = 'acme'")).toBe(1)

    const hooks = webhook.requests.filter((r) => r.status === 200)
    expect(hooks).toHaveLength(1)
    const req = hooks[0]!
    const body = JSON.parse(req.body) as { type: string; delivery_id: string; alert: { id: string; rule: string; subject: { id: string }; details: Record<string, unknown> } }
    expect(body).toMatchObject({ type: 'alert.opened', alert: { id: alerts[0]!.alert_id, rule: 'password_fallback', subject: { kind: 'user', id: 'ann@acme.example' } } })
    expect(body.alert.details).toMatchObject({ method: 'password', product: 'jira', after_failure: false })
    expect(req.headers['x-pulse-delivery']).toBe(body.delivery_id)
    // The documented check: HMAC-SHA256 over "<t>.<raw body>" with the channel's secret.
    const sig = String(req.headers['x-pulse-signature'])
    const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig)!
    expect(createHmac('sha256', SECRET).update(`${ts}.${req.body}`).digest('hex')).toBe(v1)
    expect(verifySignature(SECRET, req.body, sig)).toEqual({ ok: true })
    expect(verifySignature('not-the-secret-at-all', req.body, sig)).toEqual({ ok: false, reason: 'mismatch' })

    const slacks = slack.delivered<{ text: string; blocks: unknown[] }>()
    expect(slacks).toHaveLength(1)
    expect(slacks[0]!.text).toMatch(/^\[MEDIUM\] Password fallback: ann@acme\.example has a passkey but signed in with password on jira$/)
    expect(slacks[0]!.blocks.length).toBeGreaterThan(0)
  })

  it('dedupes 50 fallbacks within the cooldown into one alert with count 50 and one notification; the next hour is a new alert', async () => {
    const reg = event(2 * DAY, { event_type: 'passkey_registered', user_id: 'dee@acme.example', method: 'passkey', passkey_type: 'synced' })
    const now = Date.now()
    const logins = Array.from({ length: 50 }, (_, i) => event(100 * MIN - i * MIN, { user_id: 'dee@acme.example', method: i % 2 ? 'password' : 'otp' }, now))
    await ingest('acme', [reg, ...logins.slice(0, 30)])
    await ingest('acme', logins.slice(30))
    // 100 minutes after the first one the window (1 h) has closed: a new alert.
    await ingest('acme', [event(30 * MIN, { user_id: 'dee@acme.example' })])
    const alerts = (await alertsOf('acme', 'password_fallback')).filter((a) => a.subject === 'dee@acme.example').sort((a, b) => a.first_seen - b.first_seen)
    expect(alerts.map((a) => a.count)).toEqual([50, 1])
    expect(alerts[0]!.last_seen - alerts[0]!.first_seen).toBe(49 * MIN)
    expect(alerts[0]!.evidence).toHaveLength(20)
    expect(deliveredFor(webhook, 'dee@acme.example').map((d) => d.alert.id)).toEqual(alerts.map((a) => a.alert_id))
    expect(slack.delivered<{ text: string }>().filter((d) => d.text.includes('dee@acme.example'))).toHaveLength(2)
  })

  it('marks a fallback within 10 minutes of a passkey failure as "after failure", in ts order within the batch', async () => {
    await ingest('acme', [
      // Listed out of order on purpose: the engine sorts a batch by ts.
      event(5 * MIN, { user_id: 'eve@acme.example' }),
      event(8 * MIN, { user_id: 'eve@acme.example', method: 'passkey', outcome: 'failure', failure_reason: 'passkey_failed' }),
      event(3 * DAY, { user_id: 'eve@acme.example', method: 'passkey', passkey_type: 'synced' }),
      event(5 * MIN, { user_id: 'fay@acme.example' }),
      event(30 * MIN, { user_id: 'fay@acme.example', method: 'passkey', outcome: 'failure', failure_reason: 'passkey_failed' }),
      event(3 * DAY, { user_id: 'fay@acme.example', method: 'passkey', passkey_type: 'synced' }),
    ])
    const byUser = Object.fromEntries((await alertsOf('acme', 'password_fallback')).map((a) => [a.subject, a.details.after_failure]))
    expect(byUser['eve@acme.example']).toBe(true)
    expect(byUser['fay@acme.example']).toBe(false)
    expect(deliveredFor(webhook, 'eve@acme.example')[0]!.alert.details.after_failure).toBe(true)
  })

  it('privileged_phishable_login, deprecated_credential, and privileged_synced_passkey once the tenant requires device-bound credentials', async () => {
    await ingest('acme', [
      event(10 * MIN, { user_id: 'gus@acme.example', privileged: 1, second_factor: 'push' }),
      event(10 * MIN, { user_id: 'gil@acme.example', privileged: 1, method: 'passkey', passkey_type: 'device_bound' }),
      event(10 * MIN, { user_id: 'hal@acme.example', method: 'app_password' }),
      event(10 * MIN, { user_id: 'ivy@acme.example', privileged: 1, method: 'passkey', passkey_type: 'synced' }),
    ])
    expect((await alertsOf('acme', 'privileged_phishable_login')).map((a) => a.subject)).toEqual(['gus@acme.example'])
    expect((await alertsOf('acme', 'deprecated_credential')).map((a) => a.subject)).toEqual(['hal@acme.example'])
    expect(await alertsOf('acme', 'privileged_synced_passkey')).toEqual([])

    await savePolicy(t.store.client, 'acme', { privileged_device_bound_required: true }, 'test')
    await alerting.settings.refresh()
    await ingest('acme', [
      event(5 * MIN, { user_id: 'ivy@acme.example', privileged: 1, method: 'passkey', passkey_type: 'synced', authenticator: 'iCloud Keychain' }),
      event(5 * MIN, { user_id: 'gil@acme.example', privileged: 1, method: 'passkey', passkey_type: 'device_bound' }),
    ])
    const synced = await alertsOf('acme', 'privileged_synced_passkey')
    expect(synced.map((a) => a.subject)).toEqual(['ivy@acme.example'])
    expect(synced[0]!.title).toContain('iCloud Keychain')
    expect(webhook.delivered().filter((d) => d.alert.rule === 'privileged_synced_passkey')).toHaveLength(1)
  })

  it('stores but does not notify an alert opened in quiet hours, and raises none for old events (a backfill)', async () => {
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16)
    await saveChannel(t.store.client, { tenant: 'quiet', channel_id: 'hook', kind: 'webhook', url: webhook.url, secret: SECRET, enabled: true }, 'test')
    await saveRuleChange(t.store.client, 'quiet', 'deprecated_credential', { quiet_hours: { start: hhmm(Date.now() - HOUR), end: hhmm(Date.now() + HOUR), timezone: 'UTC' } }, 'test')
    await alerting.settings.refresh()
    const before = webhook.requests.length
    await ingest('quiet', [event(5 * MIN, { user_id: 'lou@quiet.example', method: 'app_password' })])
    await ingest('acme', [
      event(3 * DAY, { event_type: 'passkey_registered', user_id: 'jay@acme.example', method: 'passkey', passkey_type: 'synced' }),
      event(2 * DAY, { user_id: 'jay@acme.example' }),
    ])
    const quiet = await alertsOf('quiet')
    expect(quiet.map((a) => [a.rule, a.silenced])).toEqual([['deprecated_credential', true]])
    expect(await count(t.store, "SELECT count() AS n FROM alert_outbox FINAL WHERE tenant = 'quiet'")).toBe(0)
    expect(webhook.requests.length).toBe(before)
    expect((await alertsOf('acme')).filter((a) => a.subject === 'jay@acme.example')).toEqual([])
  })
})

describe('rate rules', () => {
  it('fallback_rate_spike and passkey_failure_spike (per product and OS) fire from raw events, and only where the numbers say so', async () => {
    const users = Array.from({ length: 25 }, (_, i) => `u${i}@rates.example`)
    await ingest('rates', [
      ...users.map((u) => event(2 * DAY, { event_type: 'passkey_registered', user_id: u, method: 'passkey', passkey_type: 'synced' })),
      // 25 successful logins by passkey users, 10 of them phishable: 40 % > 20 %.
      ...users.map((u, i) => event(5 * MIN, i < 15 ? { user_id: u, method: 'passkey', passkey_type: 'synced', os: 'macOS' } : { user_id: u, os: 'macOS' })),
      // Confluence on iOS: 12 of 22 passkey attempts succeed (55 % < 80 %), by users without earlier passkey evidence.
      ...Array.from({ length: 22 }, (_, i) => event(4 * MIN, {
        user_id: `v${i}@rates.example`, product: 'confluence', app: 'Confluence', os: 'iOS', method: 'passkey', passkey_type: 'synced',
        ...(i < 12 ? {} : { outcome: 'failure', failure_reason: 'passkey_failed' }),
      })),
    ])
    const scheduler = new RateScheduler({ client: t.store.client, recorder: alerting.recorder, configFor: (x) => alerting.settings.configFor(x), log, everyMs: 0 })
    const fired = (await scheduler.evaluate()).filter((m) => m.tenant === 'rates')
    expect(fired.map((m) => [m.rule, m.subject]).sort()).toEqual([['fallback_rate_spike', 'rates'], ['passkey_failure_spike', 'confluence/iOS']])
    const spike = fired.find((m) => m.rule === 'fallback_rate_spike')!
    expect(spike.details).toMatchObject({ fallbacks: 10, logins: 25, rate: 0.4, reasons: ['threshold'], baseline_rate: null })
    expect(spike.evidence).toHaveLength(10)
    expect(fired.find((m) => m.rule === 'passkey_failure_spike')!.details).toMatchObject({ attempts: 22, successes: 12 })

    // Evaluated again within the cooldown: the same alerts, counted, not new ones.
    await scheduler.evaluate()
    await alerting.settled()
    const stored = (await alertsOf('rates')).filter((a) => a.subject_kind !== 'user')
    expect(stored.map((a) => [a.rule, a.count]).sort()).toEqual([['fallback_rate_spike', 2], ['passkey_failure_spike', 2]])
    await scheduler.close()
  })
})

describe('restart', () => {
  it('a new engine on the same store rebuilds who has a passkey and keeps open windows', async () => {
    const annAlert = (await alertsOf('acme', 'password_fallback')).find((a) => a.subject === 'ann@acme.example')!
    await stopPipeline()
    await startPipeline()
    expect(alerting.engine!.passkeys.hasPasskeyAt('acme', 'kim@acme.example', Date.now())).toBe(true)
    expect(alerting.engine!.passkeys.hasPasskeyAt('acme', 'bob@acme.example', Date.now())).toBe(false)
    const before = webhook.delivered().length
    await ingest('acme', [event(2 * MIN, { user_id: 'kim@acme.example' }), event(2 * MIN, { user_id: 'ann@acme.example' })])
    const after = await alertsOf('acme', 'password_fallback')
    expect(after.filter((a) => a.subject === 'kim@acme.example').map((a) => a.count)).toEqual([1])
    // Ann's window (opened 30 min ago) survived the restart: counted into it, not notified again.
    expect(after.find((a) => a.alert_id === annAlert.alert_id)!.count).toBe(2)
    expect(webhook.delivered().slice(before).map((d) => d.alert.subject.id)).toEqual(['kim@acme.example'])
  })
})
