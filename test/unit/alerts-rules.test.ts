// The pure alert logic: per-event rules against a passkey state, rule settings validation, quiet
// hours, the rate verdicts, dedupe windows, the webhook signature and the retry schedule.
import { describe, expect, it } from 'vitest'
import { slackBody, webhookBody, alertPayload } from '../../alerts/channels.js'
import { evaluateEvent } from '../../alerts/event-rules.js'
import { backoffMs, deliveryIdOf } from '../../alerts/outbox.js'
import { PasskeyState } from '../../alerts/passkey-state.js'
import { judgeFallbackRate, judgePasskeySuccess } from '../../alerts/rate-rules.js'
import { applyRuleChange, defaultTenantConfig, inQuietHours, mergeStored, ruleChangeError, type TenantAlertConfig } from '../../alerts/rules.js'
import { signBody, verifySignature } from '../../alerts/signature.js'
import type { AlertMatch } from '../../alerts/types.js'
import { AlertWindows, EVIDENCE_FIRST, EVIDENCE_LAST } from '../../alerts/windows.js'
import type { AuthEvent } from '../../schemas/auth-event.js'

const T0 = Date.UTC(2026, 9, 1, 9, 0, 0)
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

let seq = 0
function row(over: Partial<AuthEvent> = {}): AuthEvent {
  seq++
  return {
    event_id: `e${seq}`, ts: '2026-10-01 09:00:00.000', ingested_at: '2026-10-01 09:00:01.000', tenant: 't', source: 'native',
    source_event_id: `s${seq}`, event_type: 'login', outcome: 'success', failure_reason: '', user_id: 'ann@acme.example',
    user_domain: 'acme.example', user_type: 'employee', privileged: 0, department: '', product: 'jira', app: 'Jira',
    method: 'password', second_factor: 'none', passkey_type: '', authenticator: '', aaguid: '', phishing_resistant: 0,
    latency_ms: null, flow_id: '', ip: '192.0.2.1', country: 'DE', user_agent: '', browser: 'Safari', browser_version: '18',
    os: 'macOS', os_version: '15', device_type: 'desktop', raw: '', ...over,
  }
}

const registered = (user = 'ann@acme.example') => row({ event_type: 'passkey_registered', user_id: user, method: 'passkey', passkey_type: 'synced' })

function judge(r: AuthEvent, at: number, state: PasskeyState, config: TenantAlertConfig = defaultTenantConfig()) {
  return evaluateEvent(r, at, { config, passkeys: state }).map((m) => m.rule)
}

describe('per-event rules', () => {
  it('password_fallback fires for a user who registered a passkey, and not for one who never had one', () => {
    const s = new PasskeyState()
    s.observe(registered(), T0 - DAY)
    expect(judge(row(), T0, s)).toEqual(['password_fallback'])
    expect(judge(row({ user_id: 'bob@acme.example' }), T0, s)).toEqual([])
  })

  it('a password step followed by a passkey second factor is phishing-resistant: no fallback', () => {
    const s = new PasskeyState()
    s.observe(registered(), T0 - DAY)
    expect(judge(row({ second_factor: 'webauthn', phishing_resistant: 1, passkey_type: 'synced' }), T0, s)).toEqual([])
  })

  it('sso, unknown methods, failed logins, token methods and non-logins are never fallbacks', () => {
    const s = new PasskeyState()
    s.observe(registered(), T0 - DAY)
    for (const over of [{ method: 'sso' }, { method: 'unknown' }, { outcome: 'failure', failure_reason: 'invalid_credentials' }, { method: 'api_token' }, { event_type: 'password_reset' }] as Partial<AuthEvent>[]) {
      expect(judge(row(over), T0, s), JSON.stringify(over)).toEqual([])
    }
    // Push or one-time codes alone are phishable and count.
    expect(judge(row({ method: 'authenticator_app' }), T0, s)).toEqual(['password_fallback'])
    expect(judge(row({ method: 'otp' }), T0, s)).toEqual(['password_fallback'])
  })

  it('follows SPEC §2: removal cancels a registration; a passkey login counts within the look-back only', () => {
    const s = new PasskeyState()
    s.observe(registered(), T0 - 10 * DAY)
    s.observe(row({ event_type: 'passkey_removed' }), T0 - 5 * DAY)
    expect(s.hasPasskeyAt('t', 'ann@acme.example', T0)).toBe(false)
    expect(s.hasPasskeyAt('t', 'ann@acme.example', T0 - 7 * DAY)).toBe(true) // between registration and removal
    s.observe(registered(), T0 - DAY)
    expect(s.hasPasskeyAt('t', 'ann@acme.example', T0)).toBe(true)

    const p = new PasskeyState()
    p.observe(row({ user_id: 'cy@acme.example', method: 'passkey', passkey_type: 'synced', phishing_resistant: 1 }), T0 - 100 * DAY)
    expect(p.hasPasskeyAt('t', 'cy@acme.example', T0, 180 * DAY)).toBe(true)
    expect(p.hasPasskeyAt('t', 'cy@acme.example', T0, 90 * DAY)).toBe(false)
    // A failed passkey attempt is not evidence of having one.
    p.observe(row({ user_id: 'dee@acme.example', method: 'passkey', outcome: 'failure', failure_reason: 'passkey_failed' }), T0 - HOUR)
    expect(p.hasPasskeyAt('t', 'dee@acme.example', T0)).toBe(false)
  })

  it('judges a login against the state before it: the passkey registered after it does not count', () => {
    const s = new PasskeyState()
    s.observe(registered(), T0 + MIN)
    expect(s.hasPasskeyAt('t', 'ann@acme.example', T0)).toBe(false)
    expect(judge(row(), T0, s)).toEqual([])
  })

  it('marks a fallback within 10 minutes of a passkey failure as "after failure", and not later', () => {
    const s = new PasskeyState()
    s.observe(registered(), T0 - DAY)
    s.observe(row({ method: 'passkey', outcome: 'failure', failure_reason: 'passkey_failed' }), T0 - 5 * MIN)
    const cfg = { config: defaultTenantConfig(), passkeys: s }
    expect(evaluateEvent(row(), T0, cfg)[0]!.details.after_failure).toBe(true)
    expect(evaluateEvent(row(), T0 + 6 * MIN, cfg)[0]!.details.after_failure).toBe(false)
  })

  it('privileged_phishable_login fires for privileged users with or without a passkey; not for phishing-resistant logins', () => {
    const s = new PasskeyState()
    expect(judge(row({ privileged: 1, second_factor: 'push' }), T0, s)).toEqual(['privileged_phishable_login'])
    expect(judge(row({ privileged: 1, method: 'certificate', phishing_resistant: 1 }), T0, s)).toEqual([])
    expect(judge(row({ privileged: 1, method: 'authenticator_app', phishing_resistant: 1 }), T0, s)).toEqual([]) // FastPass
    s.observe(registered(), T0 - DAY)
    expect(judge(row({ privileged: 1 }), T0, s).sort()).toEqual(['password_fallback', 'privileged_phishable_login'])
  })

  it('deprecated_credential fires for a successful app-password login only', () => {
    const s = new PasskeyState()
    expect(judge(row({ method: 'app_password' }), T0, s)).toEqual(['deprecated_credential'])
    expect(judge(row({ method: 'app_password', outcome: 'failure', failure_reason: 'invalid_credentials' }), T0, s)).toEqual([])
    expect(judge(row({ method: 'api_token' }), T0, s)).toEqual([])
  })

  it('privileged_synced_passkey is off until the tenant requires device-bound credentials', () => {
    const s = new PasskeyState()
    const synced = row({ privileged: 1, method: 'passkey', passkey_type: 'synced', phishing_resistant: 1 })
    expect(judge(synced, T0, s)).toEqual([])
    const strict = defaultTenantConfig()
    strict.policy.privileged_device_bound_required = true
    expect(judge(synced, T0, s, strict)).toEqual(['privileged_synced_passkey'])
    expect(judge(row({ privileged: 1, second_factor: 'webauthn', passkey_type: 'synced', phishing_resistant: 1 }), T0, s, strict)).toEqual(['privileged_synced_passkey'])
    expect(judge(row({ privileged: 1, method: 'passkey', passkey_type: 'device_bound', phishing_resistant: 1 }), T0, s, strict)).toEqual([])
    expect(judge(row({ privileged: 0, method: 'passkey', passkey_type: 'synced', phishing_resistant: 1 }), T0, s, strict)).toEqual([])
  })

  it('honours enable/disable and the product and user-type filters', () => {
    const s = new PasskeyState()
    s.observe(registered(), T0 - DAY)
    const cfg = defaultTenantConfig()
    cfg.rules.password_fallback.enabled = false
    expect(judge(row(), T0, s, cfg)).toEqual([])
    const filtered = defaultTenantConfig()
    filtered.rules.password_fallback.products = ['confluence']
    expect(judge(row({ product: 'jira' }), T0, s, filtered)).toEqual([])
    expect(judge(row({ product: 'confluence' }), T0, s, filtered)).toEqual(['password_fallback'])
    filtered.rules.password_fallback.user_types = ['guest']
    expect(judge(row({ product: 'confluence' }), T0, s, filtered)).toEqual([])
  })
})

describe('passkey state bookkeeping', () => {
  it('evicts the least recently active user beyond its bound and counts evictions', () => {
    const s = new PasskeyState(2)
    s.observe(registered('a'), T0)
    s.observe(registered('b'), T0)
    s.observe(registered('a'), T0 + 1) // a is now the most recent
    s.observe(registered('c'), T0 + 2)
    expect(s.size).toBe(2)
    expect(s.evictions).toBe(1)
    expect(s.get('t', 'b')).toBeUndefined()
    expect(s.get('t', 'a')).toBeDefined()
    expect(s.get('t', 'c')).toBeDefined()
  })

  it('holds no state for users without passkey evidence, and keeps tenants apart', () => {
    const s = new PasskeyState()
    s.observe(row({ method: 'password' }), T0)
    expect(s.size).toBe(0)
    s.observe(registered(), T0)
    expect(s.hasPasskeyAt('t', 'ann@acme.example', T0 + 1)).toBe(true)
    expect(s.hasPasskeyAt('other', 'ann@acme.example', T0 + 1)).toBe(false)
  })

  it('merges evidence read back from the store: earliest firsts, latest lasts', () => {
    const s = new PasskeyState()
    s.observe(registered(), T0)
    s.merge('t', 'ann@acme.example', { firstRegisteredAt: T0 - DAY, lastRegisteredAt: T0 - DAY, lastRemovedAt: 0, firstPasskeyLoginAt: 0, lastPasskeyLoginAt: T0 - HOUR, lastPasskeyFailureAt: 0 })
    expect(s.get('t', 'ann@acme.example')).toMatchObject({ firstRegisteredAt: T0 - DAY, lastRegisteredAt: T0, lastPasskeyLoginAt: T0 - HOUR })
  })
})

describe('dedupe and cooldown windows', () => {
  const match = (at: number, id: string, over: Partial<AlertMatch> = {}): AlertMatch => ({
    tenant: 't', rule: 'password_fallback', severity: 'medium', subject_kind: 'user', subject: 'ann', title: 'x', at, evidence: [id], details: { after_failure: false }, ...over,
  })

  it('counts 50 matches in an hour into one alert, opens a new one after the cooldown', () => {
    const w = new AlertWindows()
    let opened = 0
    let last
    for (let i = 0; i < 50; i++) {
      const r = w.record(match(T0 + i * MIN, `e${i}`), HOUR, T0, () => false)
      if (r.opened) opened++
      last = r.alert
    }
    expect(opened).toBe(1)
    expect(last!.count).toBe(50)
    expect(last!.first_seen).toBe(T0)
    expect(last!.last_seen).toBe(T0 + 49 * MIN)
    expect(last!.evidence).toHaveLength(EVIDENCE_FIRST + EVIDENCE_LAST)
    expect(last!.evidence.slice(0, 3)).toEqual(['e0', 'e1', 'e2'])
    expect(last!.evidence.at(-1)).toBe('e49')
    const next = w.record(match(T0 + HOUR, 'e50'), HOUR, T0, () => false)
    expect(next.opened).toBe(true)
    expect(next.alert.alert_id).not.toBe(last!.alert_id)
  })

  it('keeps subjects, rules and tenants apart, and remembers "after failure" once seen', () => {
    const w = new AlertWindows()
    expect(w.record(match(T0, 'a'), HOUR, T0, () => false).opened).toBe(true)
    expect(w.record(match(T0, 'b', { subject: 'bob' }), HOUR, T0, () => false).opened).toBe(true)
    expect(w.record(match(T0, 'c', { rule: 'privileged_phishable_login' }), HOUR, T0, () => false).opened).toBe(true)
    expect(w.record(match(T0, 'd', { tenant: 'u' }), HOUR, T0, () => false).opened).toBe(true)
    const r = w.record(match(T0 + MIN, 'e', { details: { after_failure: true } }), HOUR, T0, () => false)
    expect(r.opened).toBe(false)
    expect(r.alert.details.after_failure).toBe(true)
  })

  it('restores open windows so a restart does not re-open within the cooldown', () => {
    const w = new AlertWindows()
    const first = w.record(match(T0, 'a'), HOUR, T0, () => false).alert
    const again = new AlertWindows()
    again.restore([first], T0 + MIN)
    const r = again.record(match(T0 + 2 * MIN, 'b'), HOUR, T0 + 2 * MIN, () => false)
    expect(r.opened).toBe(false)
    expect(r.alert.alert_id).toBe(first.alert_id)
    expect(r.alert.count).toBe(2)
  })
})

describe('rule settings', () => {
  it('accepts a valid change and applies it over the current values', () => {
    expect(ruleChangeError('fallback_rate_spike', { threshold: 0.3, window_s: 600 })).toBeNull()
    expect(ruleChangeError('password_fallback', { quiet_hours: null, products: ['jira'], user_types: ['guest'] })).toBeNull()
    const next = applyRuleChange(defaultTenantConfig().rules.fallback_rate_spike, { threshold: 0.3 })
    expect(next).toMatchObject({ threshold: 0.3, window_s: 900, min_logins: 20, enabled: true })
  })

  it('names the field of an invalid change', () => {
    expect(ruleChangeError('fallback_rate_spike', { threshold: 2 })).toMatch(/^body\/threshold must be <= 1/)
    expect(ruleChangeError('password_fallback', { threshold: 0.5 })).toBe('body has an unknown parameter "threshold"')
    expect(ruleChangeError('password_fallback', { cooldown_s: 'soon' })).toMatch(/^body\/cooldown_s must be integer/)
    expect(ruleChangeError('password_fallback', { user_types: ['robot'] })).toMatch(/^body\/user_types\/0 must be equal to one of the allowed values/)
    expect(ruleChangeError('password_fallback', { quiet_hours: { start: '25:00', end: '06:00' } })).toMatch(/^body\/quiet_hours\/start must match pattern/)
    expect(ruleChangeError('password_fallback', { quiet_hours: { start: '22:00', end: '06:00', timezone: 'Mars/Olympus' } })).toMatch(/^body\/quiet_hours\/timezone is not an IANA time zone/)
    expect(ruleChangeError('password_fallback', {})).toMatch(/^body must NOT have fewer than 1 properties/)
  })

  it('reads stored parameters over the defaults, ignoring what no longer validates', () => {
    expect(mergeStored('passkey_failure_spike', { threshold: 0.9, gone: 1, window_s: -5 })).toMatchObject({ threshold: 0.9, window_s: 900 })
  })

  it('quiet hours wrap midnight and follow the time zone', () => {
    const qh = { start: '22:00', end: '06:00', timezone: 'UTC' }
    expect(inQuietHours(Date.UTC(2026, 0, 1, 23, 0), qh)).toBe(true)
    expect(inQuietHours(Date.UTC(2026, 0, 1, 5, 59), qh)).toBe(true)
    expect(inQuietHours(Date.UTC(2026, 0, 1, 6, 0), qh)).toBe(false)
    expect(inQuietHours(Date.UTC(2026, 0, 1, 12, 0), qh)).toBe(false)
    // 21:30 UTC is 22:30 in Berlin in winter.
    expect(inQuietHours(Date.UTC(2026, 0, 1, 21, 30), { ...qh, timezone: 'Europe/Berlin' })).toBe(true)
    expect(inQuietHours(Date.UTC(2026, 0, 1, 21, 30), null)).toBe(false)
  })
})

describe('rate verdicts', () => {
  const p = { min_logins: 20, threshold: 0.2, baseline_multiplier: 3 }
  it('fallback rate: needs enough logins; fires above the threshold or above 3× the trailing rate', () => {
    expect(judgeFallbackRate({ logins: 19, fallbacks: 19, sample: [] }, null, p).fire).toBe(false)
    expect(judgeFallbackRate({ logins: 20, fallbacks: 5, sample: [] }, null, p)).toEqual({ fire: true, rate: 0.25, reasons: ['threshold'] })
    expect(judgeFallbackRate({ logins: 20, fallbacks: 4, sample: [] }, null, p).fire).toBe(false) // exactly 20 %: not above
    expect(judgeFallbackRate({ logins: 100, fallbacks: 10, sample: [] }, 0.02, p)).toEqual({ fire: true, rate: 0.1, reasons: ['baseline'] })
    expect(judgeFallbackRate({ logins: 100, fallbacks: 10, sample: [] }, 0.05, p).fire).toBe(false)
    expect(judgeFallbackRate({ logins: 100, fallbacks: 10, sample: [] }, 0.02, { ...p, baseline_multiplier: 0 }).fire).toBe(false)
  })

  it('passkey success: fires below the floor with enough attempts', () => {
    expect(judgePasskeySuccess({ attempts: 20, successes: 15 }, { min_attempts: 20, threshold: 0.8 })).toEqual({ fire: true, rate: 0.75 })
    expect(judgePasskeySuccess({ attempts: 20, successes: 16 }, { min_attempts: 20, threshold: 0.8 }).fire).toBe(false)
    expect(judgePasskeySuccess({ attempts: 10, successes: 0 }, { min_attempts: 20, threshold: 0.8 }).fire).toBe(false)
  })
})

describe('delivery', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 and verifies it; a changed body, another secret or an old time fail', () => {
    const body = '{"hello":"world"}'
    const header = signBody('s3cret-s3cret-s3cret', body, 1_700_000_000)
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/)
    expect(verifySignature('s3cret-s3cret-s3cret', body, header, 1_700_000_010)).toEqual({ ok: true })
    expect(verifySignature('s3cret-s3cret-s3cret', `${body} `, header, 1_700_000_010)).toEqual({ ok: false, reason: 'mismatch' })
    expect(verifySignature('another-secret-xx', body, header, 1_700_000_010)).toEqual({ ok: false, reason: 'mismatch' })
    expect(verifySignature('s3cret-s3cret-s3cret', body, header, 1_700_000_400)).toEqual({ ok: false, reason: 'stale' })
    expect(verifySignature('s3cret-s3cret-s3cret', body, 'v1=abc', 1_700_000_010)).toEqual({ ok: false, reason: 'malformed' })
  })

  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffMs(n, 1_000, 8_000, 0))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000])
    expect(backoffMs(2, 1_000, 60_000, 1)).toBe(2_200)
    expect(backoffMs(20, 1_000, 60_000, 1)).toBe(60_000)
  })

  it('gives each (alert, channel) one delivery id, and formats webhook and Slack bodies', () => {
    expect(deliveryIdOf('a', 'c1')).toBe(deliveryIdOf('a', 'c1'))
    expect(deliveryIdOf('a', 'c1')).not.toBe(deliveryIdOf('a', 'c2'))
    const w = new AlertWindows()
    const a = w.record({ tenant: 't', rule: 'privileged_phishable_login', severity: 'high', subject_kind: 'user', subject: 'root@acme.example', title: 'Privileged <admin> & co', at: T0, evidence: ['e1'], details: {} }, HOUR, T0, () => false).alert
    const payload = alertPayload(a)
    expect(JSON.parse(webhookBody('d1', payload))).toEqual({ type: 'alert.opened', delivery_id: 'd1', alert: { ...payload, first_seen: '2026-10-01T09:00:00.000Z' } })
    const slack = JSON.parse(slackBody(payload)) as { text: string; blocks: { type: string }[] }
    expect(slack.text).toBe('[HIGH] Privileged phishable login: Privileged &lt;admin&gt; &amp; co')
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context'])
  })
})
