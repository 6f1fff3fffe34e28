// Entra ID normaliser: Graph signIn / directoryAudit resources and Azure Monitor envelopes (fixtures
// written from the Microsoft Graph and Azure Monitor documentation), every field of every row, the
// interrupt-then-complete flow, rejections, ignores, and a never-throws sweep.
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { FlowStep } from '../../../ingest/fate.js'
import { detectEntra, entraNormalizer, normalizeEntra } from '../../../ingest/normalizers/entra.js'
import { entraKind } from '../../../ingest/normalizers/entra-methods.js'
import { detectOkta } from '../../../ingest/normalizers/okta.js'
import type { AuthEvent } from '../../../schemas/auth-event.js'
import { checkResult, deepMutations, normalizerTest } from '../../helpers/normalizer-test.js'

const entra = normalizerTest('entra', normalizeEntra, { ctx: { tenant: 'acme' } })
const { fixture: load, ctx, single } = entra
const dir = fileURLToPath(entra.DIR)
const oktaDir = fileURLToPath(new URL('../../fixtures/okta/', import.meta.url))
type Json = Record<string, any>

const EDGE = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0'
const MAC_SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15'
const ANDROID = 'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'

/** What the sign-in fixtures share: Alice on Edge / Windows in Germany, signing in to Confluence. */
const SIGNIN = {
  ingested_at: '2026-01-01 00:00:00.000', tenant: 'acme', source: 'entra', event_type: 'login',
  outcome: 'success', failure_reason: '', user_id: 'alice.nguyen@example.com', user_domain: 'example.com',
  user_type: 'unknown', privileged: 0, department: '', product: 'confluence', app: 'Confluence',
  second_factor: 'none', passkey_type: '', authenticator: '', aaguid: '', phishing_resistant: 0, latency_ms: null,
  ip: '198.51.100.20', country: 'DE', user_agent: EDGE,
  browser: 'Edge', browser_version: '131', os: 'Windows', os_version: '10', device_type: 'desktop',
} as const
/** What the audit fixtures share: no client details beyond the initiator's address. */
const AUDIT = {
  ...SIGNIN, product: 'other', app: '', flow_id: '', country: '', latency_ms: null,
  user_agent: '', browser: '', browser_version: '', os: '', os_version: '', device_type: '',
} as const
const EDGE_DEVICE = { user_agent: EDGE, browser: 'Edge', browser_version: '131', os: 'Windows', os_version: '10', device_type: 'desktop' }

type Fields = Partial<AuthEvent> & Pick<AuthEvent, 'source_event_id' | 'ts' | 'method'>
function signInRow(payload: unknown, f: Fields): Omit<AuthEvent, 'raw'> {
  const id = f.source_event_id
  return entra.expected(payload, { ...SIGNIN, flow_id: `c0${id.slice(2)}`, ...f }) as Omit<AuthEvent, 'raw'>
}
function auditRow(payload: unknown, f: Fields & Pick<AuthEvent, 'event_type'>): Omit<AuthEvent, 'raw'> {
  return entra.expected(payload, { ...AUDIT, ...f }) as Omit<AuthEvent, 'raw'>
}


describe('entra: sign-in methods (authenticationDetails combined into one login)', () => {
  it('password then Authenticator push (Graph signIn) is password + push', () => {
    const p = load('graph-signin-password-push.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000001-aaaa-4bbb-8ccc-000000000001', ts: '2025-04-02 08:30:05.123', method: 'password', second_factor: 'push',
      flow_id: '7c1d0001-1111-4aaa-9bbb-000000000001',
    }))
  })

  it('a FIDO2 security key alone (Azure Monitor envelope) is a device-bound passkey named from its AAGUID; durationMs as a string is the latency', () => {
    const p = load('monitor-signin-fido2.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000002-aaaa-4bbb-8ccc-000000000002', ts: '2025-04-02 09:00:00.500', method: 'passkey',
      passkey_type: 'device_bound', authenticator: 'YubiKey 5 Series', aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', phishing_resistant: 1,
      latency_ms: 2350, product: 'other', app: 'Azure Portal', flow_id: '7c1d0002-1111-4aaa-9bbb-000000000002',
    }))
  })

  it('"Passkey (Microsoft Authenticator)" is a device-bound passkey', () => {
    const p = load('monitor-signin-passkey-authenticator.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000003-aaaa-4bbb-8ccc-000000000003', ts: '2025-04-02 09:10:00.000', method: 'passkey',
      passkey_type: 'device_bound', authenticator: 'Microsoft Authenticator (iOS)', aaguid: '90a3ccdf-635c-4729-a248-9b709135078f',
      phishing_resistant: 1, latency_ms: 1800, product: 'other', app: 'Microsoft Teams', flow_id: '7c1d0003-1111-4aaa-9bbb-000000000003',
      user_agent: MAC_SAFARI, browser: 'Safari', browser_version: '18', os: 'Mac OS', os_version: '10.15.7', device_type: 'desktop',
    }))
  })

  it('"Passkey (synced)" with Graph\'s passKeySynced is a synced passkey', () => {
    const p = load('graph-signin-passkey-synced.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000004-aaaa-4bbb-8ccc-000000000004', ts: '2025-04-02 09:20:00.000', method: 'passkey',
      passkey_type: 'synced', phishing_resistant: 1,
      user_agent: ANDROID, browser: 'Chrome', browser_version: '131', os: 'Android', os_version: '15', device_type: 'mobile',
    }))
  })

  it('Windows Hello for Business is a device-bound passkey with its own authenticator name', () => {
    const p = load('graph-signin-whfb.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000005-aaaa-4bbb-8ccc-000000000005', ts: '2025-04-02 07:55:00.000', method: 'passkey',
      passkey_type: 'device_bound', authenticator: 'Windows Hello for Business', phishing_resistant: 1, product: 'other', app: 'Windows Sign In',
      user_agent: 'Windows-AzureAD-Authentication-Provider/1.0', browser: '', browser_version: '', os: 'Windows', os_version: '11', device_type: '',
    }))
  })

  it('a password then a passkey as MFA is password + webauthn, phishing-resistant, with the credential', () => {
    const p = load('graph-signin-password-fido2-mfa.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000006-aaaa-4bbb-8ccc-000000000006', ts: '2025-04-02 10:00:10.000', method: 'password', second_factor: 'webauthn',
      passkey_type: 'synced', authenticator: 'Google Password Manager', aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', phishing_resistant: 1,
    }))
  })

  it.each([
    ['graph-signin-password-sms.json', '1a000007-aaaa-4bbb-8ccc-000000000007', '2025-04-02 10:10:20.000', 'sms'],
    ['graph-signin-password-oath.json', '1a000008-aaaa-4bbb-8ccc-000000000008', '2025-04-02 10:20:15.000', 'totp'],
    ['graph-signin-password-voice.json', '1a000009-aaaa-4bbb-8ccc-000000000009', '2025-04-02 10:30:40.000', 'voice'],
    ['graph-signin-previously-satisfied.json', '1a000013-aaaa-4bbb-8ccc-000000000013', '2025-04-02 11:10:00.000', 'other'],
  ] as const)('%s: password + %s', (name, id, ts, second) => {
    const p = load(name)
    expect(single(p)).toEqual(signInRow(p, { source_event_id: id, ts, method: 'password', second_factor: second }))
  })

  it.each([
    ['graph-signin-passwordless-authenticator.json', '1a000010-aaaa-4bbb-8ccc-000000000010', '2025-04-02 10:40:00.000', 'authenticator_app', 0, {}],
    ['graph-signin-temporary-access-pass.json', '1a000011-aaaa-4bbb-8ccc-000000000011', '2025-04-01 14:00:00.000', 'otp', 0,
      { user_id: 'new.hire@example.com', app: 'My Signins', product: 'other' }],
    ['graph-signin-certificate.json', '1a000012-aaaa-4bbb-8ccc-000000000012', '2025-04-02 11:00:00.000', 'certificate', 1, {}],
    ['graph-signin-federated.json', '1a000023-aaaa-4bbb-8ccc-000000000023', '2025-04-02 13:20:00.000', 'sso', 0, {}],
  ] as const)('%s: method %s', (name, id, ts, method, pr, extra) => {
    const p = load(name)
    expect(single(p)).toEqual(signInRow(p, { source_event_id: id, ts, method, phishing_resistant: pr, ...extra }))
  })
})

describe('entra: failures', () => {
  it('50126 is invalid_credentials', () => {
    const p = load('monitor-signin-invalid-password.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000014-aaaa-4bbb-8ccc-000000000014', ts: '2025-04-02 11:20:00.000', method: 'password',
      outcome: 'failure', failure_reason: 'invalid_credentials', latency_ms: 410,
    }))
  })

  it('50034 is unknown_user, keyed by the attempted name', () => {
    const p = load('monitor-signin-unknown-user.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000015-aaaa-4bbb-8ccc-000000000015', ts: '2025-04-02 11:30:00.000', method: 'unknown', second_factor: 'unknown',
      outcome: 'failure', failure_reason: 'unknown_user', user_id: 'nobody.here@example.com', ip: '192.0.2.99', country: 'BR',
    }))
  })

  it('50053 (with resultType "Failure") is locked_out', () => {
    const p = load('monitor-signin-locked-out.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000016-aaaa-4bbb-8ccc-000000000016', ts: '2025-04-02 11:40:00.000', method: 'unknown', second_factor: 'unknown',
      outcome: 'failure', failure_reason: 'locked_out',
    }))
  })

  it('500121 with a declined push is mfa_denied', () => {
    const p = load('graph-signin-mfa-denied.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000017-aaaa-4bbb-8ccc-000000000017', ts: '2025-04-02 12:00:30.000', method: 'password', second_factor: 'push',
      outcome: 'failure', failure_reason: 'mfa_denied',
    }))
  })

  it('a failed security key step is passkey_failed', () => {
    const p = load('graph-signin-passkey-failed.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000018-aaaa-4bbb-8ccc-000000000018', ts: '2025-04-02 12:10:00.000', method: 'passkey',
      passkey_type: 'device_bound', authenticator: 'YubiKey 5 Series', aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', phishing_resistant: 1,
      outcome: 'failure', failure_reason: 'passkey_failed',
    }))
  })

  it('53003 (Conditional Access) is policy_denied', () => {
    const p = load('graph-signin-blocked-by-ca.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000019-aaaa-4bbb-8ccc-000000000019', ts: '2025-04-02 12:20:00.000', method: 'password',
      outcome: 'failure', failure_reason: 'policy_denied', ip: '203.0.113.200', country: 'KP',
    }))
  })
})

describe('entra: interrupts, non-interactive and service sign-ins', () => {
  it('50074 "strong authentication required" is a step of the sign-in that completes it, not an outcome', () => {
    const r = normalizeEntra(load('monitor-signin-interrupt-mfa-required.json'), ctx)
    const steps: FlowStep[] = r.kind === 'accepted' ? r.steps ?? [] : []
    expect(r).toMatchObject({ kind: 'accepted', rows: [] })
    expect(steps).toEqual([{
      flow_id: '7c1d0001-1111-4aaa-9bbb-000000000001', tsMs: Date.parse('2025-04-02T08:30:01.500Z'), contributes: { method: 'password' }, standalone: null,
    }])
    // The completing record (password + push) carries the same correlation id.
    expect(single(load('graph-signin-password-push.json')).flow_id).toBe(steps[0]!.flow_id)
  })

  it('a non-interactive token refresh presents no credential: api_token (outside login KPIs)', () => {
    const p = load('monitor-noninteractive-refresh.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000021-aaaa-4bbb-8ccc-000000000021', ts: '2025-04-02 13:00:00.000', method: 'api_token',
      latency_ms: 95, product: 'other', app: 'Microsoft Teams',
    }))
  })

  it('a service principal sign-in is api_token with user_type service', () => {
    const p = load('monitor-service-principal.json')
    expect(single(p)).toEqual(signInRow(p, {
      source_event_id: '1a000022-aaaa-4bbb-8ccc-000000000022', ts: '2025-04-02 13:10:00.000', method: 'api_token',
      user_id: 'backup-job', user_domain: '', user_type: 'service', product: 'other', app: 'Backup Job',
      user_agent: '', browser: '', browser_version: '', os: '', os_version: '', device_type: '',
    }))
  })

  it('a guest is user_type guest', () => {
    const p = load('graph-signin-password-push.json')
    p.userType = 'Guest'
    expect(single(p).user_type).toBe('guest')
  })
})

describe('entra: audit events', () => {
  it('"User registered security info" for a FIDO2 method is passkey_registered', () => {
    const p = load('audit-user-registered-fido2.json')
    expect(single(p)).toEqual(auditRow(p, {
      source_event_id: 'Authentication Methods_A1B2C3D4E5F6', ts: '2025-04-03 09:00:00.000', event_type: 'passkey_registered',
      method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1, ...EDGE_DEVICE,
    }))
  })

  it('"Add Passkey (device-bound)" names the credential by its AAGUID', () => {
    const p = load('audit-add-passkey-device-bound.json')
    expect(single(p)).toEqual(auditRow(p, {
      source_event_id: 'Device Registration Service_0F1E2D3C', ts: '2025-04-03 09:00:01.000', event_type: 'passkey_registered',
      method: 'passkey', passkey_type: 'device_bound', authenticator: 'YubiKey 5 Series', aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
      phishing_resistant: 1, ...EDGE_DEVICE,
    }))
  })

  it('registering the Authenticator app is mfa_enrolled (push)', () => {
    const p = load('audit-user-registered-authenticator.json')
    expect(single(p)).toEqual(auditRow(p, {
      source_event_id: 'Authentication Methods_B2C3D4E5F6A7', ts: '2025-04-03 09:10:00.000', event_type: 'mfa_enrolled',
      method: 'unknown', second_factor: 'push', ...EDGE_DEVICE,
    }))
  })

  it('an admin deleting a user\'s FIDO2 key is the user\'s passkey_removed', () => {
    const p = load('audit-admin-deleted-fido2.json')
    expect(single(p)).toEqual(auditRow(p, {
      source_event_id: 'Authentication Methods_C3D4E5F6A7B8', ts: '2025-04-03 10:00:00.000', event_type: 'passkey_removed',
      method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1, ip: '203.0.113.5',
    }))
  })

  it('deleting a phone is mfa_removed (sms)', () => {
    const p = load('audit-user-deleted-phone.json')
    expect(single(p)).toEqual(auditRow(p, {
      source_event_id: 'Authentication Methods_D4E5F6A7B8C9', ts: '2025-04-03 10:10:00.000', event_type: 'mfa_removed',
      method: 'unknown', second_factor: 'sms',
    }))
  })

  it.each([
    ['audit-sspr.json', 'SSPR_E5F6A7B8C9D0', '2025-04-03 11:00:00.000', 'password_reset', '198.51.100.20'],
    ['audit-admin-reset-password.json', 'Directory_F6A7B8C9D0E1', '2025-04-03 11:30:00.000', 'password_reset', '203.0.113.5'],
    ['audit-change-password.json', 'SSPR_A7B8C9D0E1F2', '2025-04-03 12:00:00.000', 'password_changed', '198.51.100.20'],
  ] as const)('%s is the target user\'s %s', (name, id, ts, type, ip) => {
    const p = load(name)
    expect(single(p)).toEqual(auditRow(p, { source_event_id: id, ts, event_type: type, method: 'password', ip }))
  })

  it.each([
    ['audit-registered-all-required.json', /summarises the per-method registrations/],
    ['audit-registration-failed.json', /did not succeed/],
    ['audit-add-member-to-role.json', /not about authentication credentials/],
  ])('ignores %s', (name, reason) => {
    const r = normalizeEntra(load(name), ctx)
    expect(r.kind).toBe('ignored')
    if (r.kind === 'ignored') expect(r.reason).toMatch(reason)
  })

  it('ignores a Temporary Access Pass being issued (not an enrolment)', () => {
    const p = load('audit-user-registered-authenticator.json')
    p.properties.resultReason = 'Admin registered temporary access pass method for user'
    expect(normalizeEntra(p, ctx)).toMatchObject({ kind: 'ignored' })
  })
})

describe('entra: rejections and shapes', () => {
  it.each<[string, (p: Json) => void, string, RegExp]>([
    ['no time', (p) => { delete p.createdDateTime }, 'missing_field', /no time/],
    ['an unparseable time', (p) => { p.createdDateTime = 'yesterday' }, 'invalid_value', /not a timestamp/],
    ['no user', (p) => { delete p.userPrincipalName; delete p.userId }, 'missing_field', /names no user/],
    ['no status', (p) => { delete p.status }, 'missing_field', /outcome is unknown/],
    ['a too long UPN', (p) => { p.userPrincipalName = `${'b'.repeat(520)}@example.com` }, 'invalid_value', /longer than 512/],
  ])('rejects a sign-in with %s', (_what, mutate, code, reason) => {
    const p = load('graph-signin-password-push.json')
    mutate(p)
    const r = normalizeEntra(p, ctx)
    expect(r).toMatchObject({ kind: 'rejected', code })
    if (r.kind === 'rejected') expect(r.reason).toMatch(reason)
  })

  it('rejects what is not an object, and objects of no Entra shape', () => {
    for (const p of [null, 3, 'SignInLogs', [load('graph-signin-password-push.json')]]) {
      expect(normalizeEntra(p, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_shape' })
    }
    expect(normalizeEntra({ hello: 'world' }, ctx)).toMatchObject({ kind: 'rejected', code: 'unrecognised' })
  })

  it('accepts lower-cased envelope keys (resulttype, durationms, calleripaddress)', () => {
    const p = load('monitor-signin-invalid-password.json')
    const lowered = Object.fromEntries(Object.entries(p).map(([k, v]) => [k.toLowerCase(), v]))
    const a = single(p)
    const b = single(lowered)
    expect({ ...b, event_id: '' }).toEqual({ ...a, event_id: '' })
  })

  it('reads Log Analytics columns stored as JSON text', () => {
    const p = load('graph-signin-password-push.json')
    p.authenticationDetails = JSON.stringify(p.authenticationDetails)
    p.status = JSON.stringify(p.status)
    expect(single(p)).toMatchObject({ method: 'password', second_factor: 'push', outcome: 'success' })
  })

  it('names the documented method strings', () => {
    expect([
      'Password', 'Previously satisfied', 'FIDO2 security key', 'Passkey (device-bound)', 'Passkey (synced)',
      'Passkey (Microsoft Authenticator)', 'Windows Hello for Business', 'X.509 Certificate', 'Microsoft Authenticator (passwordless)',
      'Mobile app notification', 'Mobile app verification code', 'OATH verification code', 'Text message', 'Phone call',
      'Email OTP', 'Temporary Access Pass', 'passKeyDeviceBound', 'passKeySynced', 'macOsSecureEnclaveKey', 'Other',
      'Phone call approval (Authentication phone)', 'Passwordless phone sign-in', 'Software OATH token',
    ].map((m) => entraKind(m))).toEqual([
      'password', 'previously_satisfied', 'fido2', 'passkey_device_bound', 'passkey_synced',
      'passkey_authenticator', 'whfb', 'certificate', 'authenticator_passwordless',
      'push', 'totp', 'totp', 'sms', 'voice',
      'email', 'tap', 'passkey_device_bound', 'passkey_synced', 'platform_sso', 'other',
      'voice', 'authenticator_passwordless', 'totp',
    ])
  })

  it('detects every Entra fixture and no Okta event', () => {
    for (const f of readdirSync(dir)) {
      expect(detectEntra(load(f)), f).toBe(true)
      expect(detectOkta(load(f)), f).toBe(false)
    }
    for (const f of readdirSync(oktaDir)) {
      const j = JSON.parse(readFileSync(oktaDir + f, 'utf8'))
      for (const e of Array.isArray(j) ? j : [j]) expect(detectEntra(e), f).toBe(false)
    }
    expect(detectEntra({ ts: 1, event_type: 'login', user_id: 'u', outcome: 'success' })).toBe(false)
    expect(detectEntra({ category: 'Administrative', resourceId: '/subscriptions/x', properties: {} })).toBe(false)
    expect(entraNormalizer.source).toBe('entra')
  })
})

// ------------------------------------------------------------------------------------------------
// Never throws: every field of every fixture deleted or replaced by a value of the wrong type.

const REPLACEMENTS: unknown[] = [null, 0, -5, 1e308, 'x', '', '7'.repeat(100_000), [], [null, 1, 'a'], {}, true, '{"errorCode":"x"}']

describe('entra: never throws', () => {
  it('on mutated fixtures', () => {
    let n = 0
    for (const f of readdirSync(dir)) {
      for (const m of deepMutations(load(f), REPLACEMENTS)) {
        checkResult(normalizeEntra(m, ctx))
        n++
      }
    }
    expect(n).toBeGreaterThan(1000)
  })

  it('on arbitrary JSON and on fixtures with fields replaced by arbitrary JSON (fast-check)', () => {
    const events = readdirSync(dir).flatMap((f) => { const j = load(f); return Array.isArray(j) ? j : [j] })
    fc.assert(fc.property(fc.jsonValue(), (v) => { checkResult(normalizeEntra(v, ctx)) }), { numRuns: 300 })
    const KEYS = ['properties', 'category', 'time', 'resultType', 'durationMs', 'createdDateTime', 'userPrincipalName', 'status', 'authenticationDetails', 'authenticationMethodsUsed', 'deviceDetail', 'activityDisplayName', 'targetResources', 'initiatedBy', 'result', 'resultReason', 'additionalDetails']
    fc.assert(fc.property(
      fc.constantFrom(...events), fc.dictionary(fc.constantFrom(...KEYS), fc.jsonValue({ maxDepth: 3 })),
      (event, replaced) => { checkResult(normalizeEntra({ ...event, ...replaced }, ctx)) },
    ), { numRuns: 1000 })
  })

  it('on prototype-pollution keys and odd values', () => {
    const text = JSON.stringify(load('monitor-signin-fido2.json'))
    checkResult(normalizeEntra(JSON.parse(text.replace('{', '{"__proto__":{"category":"SignInLogs"},"constructor":{"prototype":{"x":1}},')), ctx))
    expect(({} as Json).category).toBeUndefined()
    for (const v of [undefined, NaN, '', [], {}, { properties: [] }, { category: 'SignInLogs', properties: 'x' }, { category: 'AuditLogs', properties: {} }, { createdDateTime: 5e15, userPrincipalName: {}, status: [] }]) {
      checkResult(normalizeEntra(v, ctx))
    }
  })
})
