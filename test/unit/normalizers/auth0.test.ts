import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { auth0Normalizer, normalizeAuth0, parseAuth0ShortUserAgent } from '../../../ingest/normalizers/auth0.js'
import { googleWorkspaceNormalizer } from '../../../ingest/normalizers/google-workspace.js'
import { keycloakNormalizer } from '../../../ingest/normalizers/keycloak.js'
import { ocsfNormalizer } from '../../../ingest/normalizers/ocsf.js'
import { rowError } from '../../../ingest/validate.js'
import { neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const { DIR, fixture, ctx, rows, like: expected } = normalizerTest('auth0', normalizeAuth0, { ctx: { ingestedAt: '2026-10-03 00:00:00.000' } })
const run = (name: string) => normalizeAuth0(fixture(name), ctx)

describe('auth0 normaliser: logins', () => {
  it('maps a database-connection login with Auth0\'s own short user agent, latency and transaction id', () => {
    expect(rows(run('s-password.json'))).toEqual([expected({
      ts: '2026-10-02 09:15:10.706', source_event_id: '90020261002091510271334544008635532534914988032684720226',
      event_type: 'login', outcome: 'success', user_id: 'dev.lead@acme.example', user_domain: 'acme.example',
      product: 'jira', app: 'Jira Cloud', method: 'password', latency_ms: 10287, flow_id: 'tx_8HPpQ2m1JmE0aB7c',
      ip: '203.0.113.10', user_agent: 'Chrome 134.0.0 / Windows 10.0.0',
      browser: 'Chrome', browser_version: '134', os: 'Windows', os_version: '10', device_type: 'desktop',
    })])
  })

  it('maps a passkey login (performed_amr phr) from a log-stream envelope', () => {
    expect(rows(run('s-passkey-stream.json'))).toEqual([expected({
      ts: '2026-10-02 10:12:00.120', source_event_id: '90020261002101200000000000000000000001223372037583230001',
      event_type: 'login', outcome: 'success', user_id: 'ana@acme.example', user_domain: 'acme.example',
      product: 'confluence', app: 'Confluence', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1,
      latency_ms: 2220, ip: '198.51.100.7',
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      browser: 'Safari', browser_version: '18', os: 'Mac OS', os_version: '10.15.7', device_type: 'desktop',
    })])
  })

  it('combines the password prompt and the MFA prompt of one login into password + second factor (numbers as strings)', () => {
    expect(rows(run('s-password-mfa-strings.json'))).toEqual([expected({
      ts: '2026-10-02 11:13:00.000', source_event_id: '90020261002111300000000000000000000001223372037583230002',
      event_type: 'login', outcome: 'success', user_id: 'tester@acme.example', user_domain: 'acme.example',
      product: 'bitbucket', app: 'Bitbucket', method: 'password', second_factor: 'other', latency_ms: 22790,
      ip: '192.0.2.44', user_agent: 'Firefox Mobile 75.0.0 / Android 0.0.0',
      browser: 'Firefox', browser_version: '75', os: 'Android', os_version: '', device_type: 'mobile',
    })])
  })

  it('names the second factor when the MFA prompt says which one, and WebAuthn after a password is phishing-resistant', () => {
    const p = fixture('s-password-mfa-strings.json')
    const prompts = (p.details as { prompts: Record<string, unknown>[] }).prompts
    prompts[2]!.performed_amr = ['mfa', 'otp']
    expect(rows(normalizeAuth0(p, ctx))[0]).toMatchObject({ method: 'password', second_factor: 'totp', phishing_resistant: 0, passkey_type: '' })
    prompts[2]!.performed_amr = ['mfa', 'hwk']
    expect(rows(normalizeAuth0(p, ctx))[0]).toMatchObject({ method: 'password', second_factor: 'webauthn', phishing_resistant: 1, passkey_type: 'unknown' })
  })

  it('maps a social connection to sso', () => {
    expect(rows(run('s-social.json'))).toEqual([expected({
      ts: '2026-10-02 12:00:00.387', source_event_id: '90020261002120000000000000000000000001223372037583230003',
      event_type: 'login', outcome: 'success', user_id: 'guillermo@acme.example', user_domain: 'acme.example',
      product: 'trello', app: 'Trello', method: 'sso', latency_ms: 2040, ip: '203.0.113.99',
      user_agent: 'Chrome 121.0.0 / Mac OS X 10.15.7', browser: 'Chrome', browser_version: '121', os: 'Mac OS',
      os_version: '10.15.7', device_type: 'desktop',
    })])
  })

  it('records a login that reused the SSO session (no prompts) with method unknown, never a guess', () => {
    expect(rows(run('s-session-reuse.json'))).toEqual([expected({
      ts: '2026-10-02 13:00:00.497', source_event_id: '90020261002130000000000000000000000001223372037583230004',
      event_type: 'login', outcome: 'success', user_id: 'dev.lead@acme.example', user_domain: 'acme.example',
      product: 'jira', app: 'Jira Cloud', method: 'unknown', ip: '203.0.113.10',
      user_agent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:93.0) Gecko/20100101 Firefox/93.0',
      browser: 'Firefox', browser_version: '93', os: 'Ubuntu', os_version: '', device_type: 'desktop',
    })])
  })

  it('maps a wrong password and an unknown user (keyed by the attempted name)', () => {
    expect(rows(run('fp.json'))).toEqual([expected({
      ts: '2026-10-02 14:00:14.466', source_event_id: '90020261002140000000000000000000000001223372037583230005',
      event_type: 'login', outcome: 'failure', failure_reason: 'invalid_credentials', user_id: 'new@acme.example',
      user_domain: 'acme.example', product: 'jira', app: 'Jira Cloud', method: 'password', ip: '81.2.69.143',
      user_agent: 'Chrome 140.0.0 / Mac OS X 10.15.7', browser: 'Chrome', browser_version: '140', os: 'Mac OS',
      os_version: '10.15.7', device_type: 'desktop',
    })])
    expect(rows(run('fu.json'))).toEqual([expected({
      ts: '2026-10-02 14:01:24.384', source_event_id: '90020261002140100000000000000000000001223372037583230006',
      event_type: 'login', outcome: 'failure', failure_reason: 'unknown_user', user_id: 'nobody@acme.example',
      user_domain: 'acme.example', product: 'jira', app: 'Jira Cloud', method: 'password', ip: '81.2.69.143',
      user_agent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:93.0) Gecko/20100101 Firefox/93.0',
      browser: 'Firefox', browser_version: '93', os: 'Ubuntu', os_version: '', device_type: 'desktop',
    })])
  })

  it('maps a login blocked by breached-password detection', () => {
    expect(rows(run('pwd-leak.json'))).toEqual([expected({
      ts: '2026-10-01 05:39:16.467', source_event_id: '90020261001053916537654000000000000001223372122475524001',
      event_type: 'login', outcome: 'failure', failure_reason: 'policy_denied', user_id: 'denethor@acme.example',
      user_domain: 'acme.example', app: '11Qpq1o8fbGgnZuFJnQCyjuC1ll8YFt0', method: 'password', ip: '2001:db8::1',
      user_agent: 'Chrome 140.0.0 / Mac OS X 10.15.7', browser: 'Chrome', browser_version: '140', os: 'Mac OS',
      os_version: '10.15.7', device_type: 'desktop',
    })])
  })

  it('maps a password + OTP token exchange (resource-owner grant) as a login', () => {
    expect(rows(run('seotpft.json'))).toEqual([expected({
      ts: '2026-10-02 20:00:00.000', source_event_id: '90020261002200000000000000000000000001223372037583230018',
      event_type: 'login', outcome: 'success', user_id: 'cli.user@acme.example', user_domain: 'acme.example',
      app: 'Acme CLI', method: 'password', second_factor: 'totp', ip: '192.0.2.50',
      user_agent: 'Node.js 20.0.0 / Other 0.0.0', browser: 'Node.js', browser_version: '20', os: '', os_version: '', device_type: '',
    })])
  })

  it('rejects a failed login that names no user', () => {
    const r = run('f-callback-mismatch.json')
    expect(r).toEqual({ kind: 'rejected', code: 'missing_field', reason: expect.stringMatching(/names no user/) })
  })

  it('rejects a login without a date', () => {
    const p = fixture('s-password.json')
    delete p.date
    expect(normalizeAuth0(p, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
  })
})

describe('auth0 normaliser: MFA steps', () => {
  it('turns a failed Guardian challenge without a transaction into a failed login with its factor', () => {
    expect(rows(run('gd-auth-failed-sms.json'))).toEqual([expected({
      ts: '2026-10-02 15:00:00.000', source_event_id: '90020261002150000000000000000000000001223372037583230008',
      event_type: 'login', outcome: 'failure', failure_reason: 'mfa_failed', user_id: 'ops@acme.example',
      user_domain: 'acme.example', product: 'bitbucket', app: 'Bitbucket', method: 'unknown', second_factor: 'sms',
      ip: '192.0.2.44', user_agent: 'Chrome 134.0.0 / Mac OS X 10.15.7', browser: 'Chrome', browser_version: '134',
      os: 'Mac OS', os_version: '10.15.7', device_type: 'desktop',
    })])
  })

  it('ignores a passed challenge that names no transaction (the `s` event carries the MFA prompt)', () => {
    expect(run('gd-auth-succeed.json')).toEqual({ kind: 'ignored', reason: expect.stringMatching(/passed MFA challenge/) })
  })

  it('returns MFA challenges that name their transaction as flow steps, not rows', () => {
    const ok = fixture('gd-auth-succeed.json')
    ;(ok.details as Record<string, unknown>).transaction_id = 'tx_1'
    const r = normalizeAuth0(ok, ctx)
    expect(r).toEqual({ kind: 'accepted', rows: [], steps: [{ flow_id: 'tx_1', tsMs: Date.parse('2026-10-02T15:01:00.000Z'), contributes: { second_factor: 'push' }, standalone: null }] })

    const bad = fixture('gd-auth-failed-sms.json')
    ;(bad.details as Record<string, unknown>).transaction_id = 'tx_2'
    const f = normalizeAuth0(bad, ctx)
    expect(f.kind).toBe('accepted')
    if (f.kind !== 'accepted') return
    expect(f.rows).toEqual([])
    expect(f.steps![0]).toMatchObject({ flow_id: 'tx_2', contributes: { second_factor: 'sms', outcome: 'failure', failure_reason: 'mfa_failed' } })
    expect(f.steps![0]!.standalone).toMatchObject({ event_type: 'login', outcome: 'failure', failure_reason: 'mfa_failed', flow_id: 'tx_2', second_factor: 'sms' })
    expect(rowError(f.steps![0]!.standalone)).toBeNull()
  })
})

describe('auth0 normaliser: credentials and account events', () => {
  it('maps a passkey enrolment to passkey_registered', () => {
    expect(rows(run('gd-enrollment-passkey.json'))).toEqual([expected({
      ts: '2026-10-02 16:00:00.000', source_event_id: '90020261002160000000000000000000000001223372037583230010',
      event_type: 'passkey_registered', outcome: 'success', user_id: 'ana@acme.example', user_domain: 'acme.example',
      method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1, ip: '198.51.100.7',
      user_agent: 'Safari 18.1.0 / Mac OS X 10.15.7', browser: 'Safari', browser_version: '18', os: 'Mac OS',
      os_version: '10.15.7', device_type: 'desktop',
    })])
  })

  it('uses the credential flags and AAGUID when the authenticator carries them', () => {
    const p = fixture('gd-enrollment-passkey.json')
    const details = p.details as { authenticator: Record<string, unknown> }
    details.authenticator.credential_device_type = 'multi_device'
    expect(rows(normalizeAuth0(p, ctx))[0]).toMatchObject({ passkey_type: 'synced' })
    details.authenticator = { type: 'webauthn-roaming', aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8' }
    expect(rows(normalizeAuth0(p, ctx))[0]).toMatchObject({
      event_type: 'passkey_registered', passkey_type: 'device_bound', authenticator: 'YubiKey 5 Series', aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
    })
  })

  it('maps OTP, SMS (named only in the description) and push enrolments to mfa_enrolled', () => {
    expect(rows(run('gd-enrollment-otp.json'))).toEqual([expected({
      ts: '2026-10-02 16:01:00.000', source_event_id: '90020261002160100000000000000000000001223372037583230011',
      event_type: 'mfa_enrolled', outcome: 'success', user_id: 'bo@acme.example', user_domain: 'acme.example',
      method: 'unknown', second_factor: 'totp', ip: '198.51.100.8',
    })])
    expect(rows(run('gd-enrollment-sms-description.json'))).toEqual([expected({
      ts: '2026-10-02 16:02:00.000', source_event_id: '90020261002160200000000000000000000001223372037583230012',
      event_type: 'mfa_enrolled', outcome: 'success', user_id: 'google-oauth2|888888888888888888888',
      method: 'unknown', second_factor: 'sms', ip: '10.10.10.10',
    })])
    const push = fixture('gd-enrollment-otp.json')
    ;(push.details as { authenticator: Record<string, unknown> }).authenticator.type = 'push-notification'
    expect(rows(normalizeAuth0(push, ctx))[0]).toMatchObject({ event_type: 'mfa_enrolled', second_factor: 'push' })
  })

  it('maps the removal of a security key to passkey_removed', () => {
    expect(rows(run('gd-unenroll-security-key.json'))).toEqual([expected({
      ts: '2026-10-02 16:03:00.000', source_event_id: '90020261002160300000000000000000000001223372037583230013',
      event_type: 'passkey_removed', outcome: 'success', user_id: 'cy@acme.example', user_domain: 'acme.example',
      method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1, ip: '198.51.100.9',
    })])
  })

  it('maps a passkey sign-up to passkey_registered and ignores a password sign-up', () => {
    expect(rows(run('ss-passkey.json'))).toEqual([expected({
      ts: '2026-10-02 17:00:00.000', source_event_id: '90020261002170000000000000000000000001223372037583230014',
      event_type: 'passkey_registered', outcome: 'success', user_id: 'newbie@acme.example', user_domain: 'acme.example',
      product: 'confluence', app: 'Confluence', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1,
      ip: '198.51.100.20', user_agent: 'Mobile Safari 17.0.0 / iOS 17.0.0', browser: 'Mobile Safari',
      browser_version: '17', os: 'iOS', os_version: '17', device_type: 'mobile',
    })])
    expect(run('ss-password.json')).toEqual({ kind: 'ignored', reason: expect.stringMatching(/sign-up with a password/) })
  })

  it('maps a password reset request, a password change and a brute-force block', () => {
    expect(rows(run('scpr.json'))).toEqual([expected({
      ts: '2026-10-02 18:00:00.000', source_event_id: '90020261002180000000000000000000000001223372037583230016',
      event_type: 'password_reset', outcome: 'success', user_id: 'dev.lead@acme.example', user_domain: 'acme.example',
      product: 'jira', app: 'Jira Cloud', method: 'password', ip: '203.0.113.10', user_agent: 'Chrome 134.0.0 / Windows 10.0.0',
      browser: 'Chrome', browser_version: '134', os: 'Windows', os_version: '10', device_type: 'desktop',
    })])
    expect(rows(run('scp.json'))).toEqual([expected({
      ts: '2026-10-02 18:05:00.000', source_event_id: '90020261002180500000000000000000000001223372037583230017',
      event_type: 'password_changed', outcome: 'success', user_id: 'dev.lead@acme.example', user_domain: 'acme.example',
      method: 'password', ip: '203.0.113.10',
    })])
    expect(rows(run('limit-wc.json'))).toEqual([expected({
      ts: '2026-10-02 19:23:49.689', source_event_id: '90020261002192349746493000000000000001223372122436618809',
      event_type: 'account_locked', outcome: 'success', user_id: 'john@acme.example', user_domain: 'acme.example',
      app: '11Qpq1o8fbGgnZuFJnQCyjuC1ll8YFt0', method: 'password', ip: '1.2.3.4',
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
      browser: 'Chrome', browser_version: '140', os: 'Mac OS', os_version: '10.15.7', device_type: 'desktop',
    })])
  })

  it('ignores Management API operations and token exchanges without credentials', () => {
    expect(run('sapi.json')).toEqual({ kind: 'ignored', reason: expect.stringMatching(/Management API/) })
    expect(normalizeAuth0({ ...fixture('s-password.json'), type: 'seacft' }, ctx)).toMatchObject({ kind: 'ignored' })
    expect(normalizeAuth0({ ...fixture('s-password.json'), type: 'slo' }, ctx)).toMatchObject({ kind: 'ignored' })
  })
})

describe('auth0 normaliser: shapes and identity', () => {
  it('gives the same event id on re-ingest and a different one per log_id', () => {
    const a = rows(run('s-password.json'))[0]!
    const b = rows(run('s-password.json'))[0]!
    const c = rows(normalizeAuth0({ ...fixture('s-password.json'), log_id: '9002' + '1'.repeat(50) }, ctx))[0]!
    expect(a.event_id).toBe(b.event_id)
    expect(a.event_id).not.toBe(c.event_id)
  })

  it('accepts the EventBridge envelope', () => {
    const inner = fixture('s-passkey-stream.json')
    const r = rows(normalizeAuth0({ 'detail-type': 'Auth0 log', detail: inner }, ctx))
    expect(r[0]).toMatchObject({ method: 'passkey', source_event_id: '90020261002101200000000000000000000001223372037583230001' })
  })

  it('parses Auth0\'s short user agent form', () => {
    expect(parseAuth0ShortUserAgent('Chrome Mobile 120.0.0 / Android 14.0.0')).toEqual({ browser: 'Chrome', browser_version: '120', os: 'Android', os_version: '14', device_type: 'mobile' })
    expect(parseAuth0ShortUserAgent('Other 0.0.0 / Other 0.0.0')).toEqual({ browser: '', browser_version: '', os: '', os_version: '', device_type: '' })
    expect(parseAuth0ShortUserAgent('Mozilla/5.0 (X11; Linux x86_64)')).toBeNull()
  })

  it('detects Auth0 logs and no other vendor\'s events', () => {
    for (const f of readdirSync(DIR)) expect(auth0Normalizer.detect!(fixture(f))).toBe(true)
    expect(googleWorkspaceNormalizer.detect!(fixture('s-password.json'))).toBe(false)
    expect(keycloakNormalizer.detect!(fixture('s-password.json'))).toBe(false)
    expect(ocsfNormalizer.detect!(fixture('s-password.json'))).toBe(false)
    expect(auth0Normalizer.detect!({ eventType: 'user.session.start', published: '2026-01-01T00:00:00Z' })).toBe(false)
    expect(auth0Normalizer.detect!({ type: 'LOGIN', realmId: 'x', time: 1 })).toBe(false)
    expect(auth0Normalizer.detect!({ kind: 'admin#reports#activity', id: { applicationName: 'login' } })).toBe(false)
  })
})

// ---- never throws ---------------------------------------------------------------------------------
describe('auth0 normaliser never throws', () => {
  it('survives every field of every fixture deleted or replaced with a wrong type', () => {
    const fixtures = readdirSync(DIR).map((name) => ({ name, payload: fixture(name) as unknown }))
    neverThrowsSweep({ normalize: normalizeAuth0, detect: auth0Normalizer.detect!, ctx, fixtures, minCases: 1000 })
    // the values this source also sweeps with: NaN, digits, long non-ASCII text, and {} / [{}] as the payload
  })
})
