// OneLogin Events API records → normalised rows (SPEC §1). Fixtures are written from the Events API record fields
// and OneLogin's event type list (5 login, 6 failed login, 8 app login, 10/11 password, 19 locked, 22/24 OTP device,
// 68 RADIUS, 130 VLDAP, 140 social); every field is asserted. user_name is a display name: the key is user_id.
import { describe, expect, it } from 'vitest'
import { oneloginNormalizer, normalizeOnelogin } from '../../../ingest/normalizers/onelogin.js'
import { atlassianNormalizer } from '../../../ingest/normalizers/atlassian.js'
import { duoNormalizer } from '../../../ingest/normalizers/duo.js'
import { jumpcloudNormalizer } from '../../../ingest/normalizers/jumpcloud.js'
import { onepasswordNormalizer } from '../../../ingest/normalizers/onepassword.js'
import { pingfederateNormalizer } from '../../../ingest/normalizers/pingfederate.js'
import { neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const SOURCE = 'onelogin'
const normalize = normalizeOnelogin
const { fixture, ctx, DEFAULTS, accepted, rowOf, expected } = normalizerTest(SOURCE, normalize)
const OTHERS = [atlassianNormalizer, duoNormalizer, pingfederateNormalizer, jumpcloudNormalizer, onepasswordNormalizer]

const NAMES = [
  'login-success', 'login-mfa-protect', 'login-failure', 'login-failure-unknown-user', 'app-login-sso', 'radius',
  'vldap-bind', 'social-sign-in', 'password-reset-request', 'password-changed-by-admin', 'user-locked', 'otp-registered',
  'webauthn-registered', 'otp-deregistered', 'user-created',
]
const common = (payload: unknown, id: string, ts: string, over: Record<string, unknown>) =>
  expected(payload, { source_event_id: id, ts, user_id: '1001', ip: '203.0.113.20', outcome: 'success', ...over })

describe('onelogin: sign-ins', () => {
  it('5 logged into OneLogin: the primary credential is not in the event (unknown), user key = OneLogin user id', () => {
    const { row, payload } = rowOf('login-success')
    expect(row).toEqual(common(payload, '90000001', '2025-04-01 08:00:00.000', {
      event_type: 'login', app: 'OneLogin', method: 'unknown', second_factor: 'unknown',
    }))
  })

  it('the OTP device of the login gives the second factor (OneLogin Protect → push)', () => {
    const { row, payload } = rowOf('login-mfa-protect')
    expect(row).toEqual(common(payload, '90000002', '2025-04-01 08:01:00.000', {
      event_type: 'login', app: 'OneLogin', method: 'unknown', second_factor: 'push',
    }))
  })

  it('6 failed: the error description gives the reason', () => {
    const { row, payload } = rowOf('login-failure')
    expect(row).toEqual(common(payload, '90000003', '2025-04-01 08:02:00.000', {
      event_type: 'login', outcome: 'failure', failure_reason: 'invalid_credentials', app: 'OneLogin', method: 'unknown',
      second_factor: 'unknown',
    }))
  })

  it('a failure for an unknown user uses the attempted login name', () => {
    const { row, payload } = rowOf('login-failure-unknown-user')
    expect(row).toEqual(common(payload, '90000004', '2025-04-01 08:03:00.000', {
      event_type: 'login', outcome: 'failure', failure_reason: 'unknown_user', app: 'OneLogin', method: 'unknown',
      second_factor: 'unknown', user_id: 'nobody@acme.example', user_domain: 'acme.example',
    }))
  })

  it('8 logged into an app through OneLogin is SSO; the app name maps to the product', () => {
    const { row, payload } = rowOf('app-login-sso')
    expect(row).toEqual(common(payload, '90000005', '2025-04-01 08:04:00.000', {
      event_type: 'login', app: 'Jira Cloud', product: 'jira', method: 'sso', second_factor: 'none',
    }))
  })

  it('RADIUS (method not said), VLDAP bind (a password), social sign-in (sso)', () => {
    const r = rowOf('radius')
    expect(r.row).toEqual(common(r.payload, '90000006', '2025-04-01 08:05:00.000', {
      event_type: 'login', app: 'RADIUS', method: 'unknown', second_factor: 'unknown',
    }))
    const v = rowOf('vldap-bind')
    expect(v.row).toEqual(common(v.payload, '90000007', '2025-04-01 08:06:00.000', {
      event_type: 'login', app: 'VLDAP', method: 'password', second_factor: 'unknown',
    }))
    const s = rowOf('social-sign-in')
    expect(s.row).toEqual(common(s.payload, '90000008', '2025-04-01 08:07:00.000', {
      event_type: 'login', app: 'OneLogin', method: 'sso', second_factor: 'none',
    }))
  })

  it('numbers as strings are numbers (event_type_id "5")', () => {
    const p = fixture('login-success') as Record<string, unknown>
    p.event_type_id = '5'
    expect(accepted(normalize(p, ctx)).rows[0]!.event_type).toBe('login')
  })
})

describe('onelogin: account events', () => {
  it('password reset request, password change (by an admin: the subject is user_id), lockout', () => {
    const a = rowOf('password-reset-request')
    expect(a.row).toEqual(common(a.payload, '90000009', '2025-04-01 08:08:00.000', { event_type: 'password_reset' }))
    const b = rowOf('password-changed-by-admin')
    expect(b.row).toEqual(common(b.payload, '90000010', '2025-04-01 08:09:00.000', { event_type: 'password_changed' }))
    const c = rowOf('user-locked')
    expect(c.row).toEqual(common(c.payload, '90000011', '2025-04-01 08:10:00.000', { event_type: 'account_locked' }))
  })

  it('OTP device registered → mfa_enrolled, a WebAuthn device → passkey_registered; deregistered → mfa_removed', () => {
    const a = rowOf('otp-registered')
    expect(a.row).toEqual(common(a.payload, '90000012', '2025-04-01 08:11:00.000', { event_type: 'mfa_enrolled' }))
    const b = rowOf('webauthn-registered')
    expect(b.row).toEqual(common(b.payload, '90000013', '2025-04-01 08:12:00.000', { event_type: 'passkey_registered' }))
    const c = rowOf('otp-deregistered')
    expect(c.row).toEqual(common(c.payload, '90000014', '2025-04-01 08:13:00.000', { event_type: 'mfa_removed' }))
  })
})

describe('onelogin: ignored and rejected', () => {
  it('ignores events that are not about authentication', () => {
    expect(normalize(fixture('user-created'), ctx)).toEqual({
      kind: 'ignored', reason: 'OneLogin event type 13 is not an authentication event',
    })
  })

  it('rejects a login without time or user, and records without an event type', () => {
    const noTime = fixture('login-success') as Record<string, unknown>
    delete noTime.created_at
    expect(normalize(noTime, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
    const noUser = fixture('login-success') as Record<string, unknown>
    noUser.user_id = null
    noUser.user_name = null
    expect(normalize(noUser, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
    expect(normalize({ id: 1 }, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
  })
})

describe('onelogin: detection', () => {
  it('claims its own events and no other normaliser does', () => {
    for (const n of NAMES) {
      const p = fixture(n) as Record<string, unknown>
      expect(oneloginNormalizer.detect!(p), n).toBe(true)
      for (const o of OTHERS) expect(o.detect!(p), `${o.source} claims ${n}`).toBe(false)
    }
  })
})

describe('onelogin: never throws', () => {
  it('on any replacement or deletion of any field, and on payloads of the wrong type', () => {
    neverThrowsSweep({ normalize, detect: oneloginNormalizer.detect!, ctx, fixtures: NAMES.map((name) => ({ name, payload: fixture(name) })) })
  })
})
