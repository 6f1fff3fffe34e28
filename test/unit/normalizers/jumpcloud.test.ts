// JumpCloud Directory Insights events → normalised rows (SPEC §1). Fixtures are written from the Directory Insights
// event fields (event_type, service, success / sso_token_success, initiated_by, mfa, mfa_meta, auth_context, useragent,
// geoip) for portal, SSO, RADIUS and LDAP sign-ins; every field is asserted.
import { describe, expect, it } from 'vitest'
import { jumpcloudNormalizer, normalizeJumpcloud } from '../../../ingest/normalizers/jumpcloud.js'
import { atlassianNormalizer } from '../../../ingest/normalizers/atlassian.js'
import { duoNormalizer } from '../../../ingest/normalizers/duo.js'
import { oneloginNormalizer } from '../../../ingest/normalizers/onelogin.js'
import { onepasswordNormalizer } from '../../../ingest/normalizers/onepassword.js'
import { pingfederateNormalizer } from '../../../ingest/normalizers/pingfederate.js'
import { neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const SOURCE = 'jumpcloud'
const normalize = normalizeJumpcloud
const { fixture, ctx, DEFAULTS, accepted, rowOf, expected } = normalizerTest(SOURCE, normalize)
const OTHERS = [atlassianNormalizer, duoNormalizer, oneloginNormalizer, pingfederateNormalizer, onepasswordNormalizer]

const NAMES = [
  'user-login-totp', 'admin-login-push', 'sso-success-session', 'sso-password-webauthn', 'sso-failure-not-authorized',
  'radius-mschap-failure', 'radius-eap-tls', 'ldap-bind-failure', 'shipped-message', 'password-reset', 'webauthn-enrolled',
  'user-update',
]
/** JumpCloud parses the user agent itself: its fields are kept, the raw UA is not logged. */
const UA = { browser: 'Chrome', browser_version: '124', os: 'Mac OS X', os_version: '14.4.1', country: 'FR' }

describe('jumpcloud: sign-ins', () => {
  it('User Portal login with TOTP: primary credential not logged (unknown), second factor from mfa_meta', () => {
    const { row, payload } = rowOf('user-login-totp')
    expect(row).toEqual(expected(payload, {
      ...UA, ts: '2025-06-15 13:45:59.812', source_event_id: '6650a1b2c3d4e5f601234567', event_type: 'login', outcome: 'success',
      user_id: 'john.doe@acme.example', user_domain: 'acme.example', app: 'JumpCloud User Portal', method: 'unknown',
      second_factor: 'totp', ip: '198.51.100.40',
    }))
  })

  it('Admin Portal login is privileged; push MFA', () => {
    const { row, payload } = rowOf('admin-login-push')
    expect(row).toEqual(expected(payload, {
      ...UA, ts: '2025-06-15 13:50:00.000', source_event_id: '6650a1b2c3d4e5f601234568', event_type: 'login', outcome: 'success',
      user_id: 'ops.admin@acme.example', user_domain: 'acme.example', privileged: 1, app: 'JumpCloud Admin Portal',
      method: 'unknown', second_factor: 'push', ip: '198.51.100.41',
    }))
  })

  it('sso_auth on an existing session: sso, app from the application label', () => {
    const { row, payload } = rowOf('sso-success-session')
    expect(row).toEqual(expected(payload, {
      ...UA, ts: '2025-06-15 14:00:00.812', source_event_id: '648b16171f40f190e2945fc1', event_type: 'login', outcome: 'success',
      user_id: 'john.doe', product: 'jira', app: 'Jira Software', method: 'sso', second_factor: 'none', ip: '198.51.100.42',
    }))
  })

  it('sso_auth listing password and WebAuthn: password + webauthn second factor, phishing-resistant', () => {
    const { row, payload } = rowOf('sso-password-webauthn')
    expect(row).toEqual(expected(payload, {
      ...UA, ts: '2025-06-15 14:05:00.000', source_event_id: '648b16171f40f190e2945fc2', event_type: 'login', outcome: 'success',
      user_id: 'john.doe@acme.example', user_domain: 'acme.example', product: 'confluence', app: 'Confluence',
      method: 'password', second_factor: 'webauthn', passkey_type: 'unknown', phishing_resistant: 1, ip: '198.51.100.43',
    }))
  })

  it('sso_auth refused: "not authorized" is a policy denial', () => {
    const { row, payload } = rowOf('sso-failure-not-authorized')
    expect(row).toEqual(expected(payload, {
      ...UA, ts: '2025-06-15 14:48:36.495', source_event_id: '648b24c48eae32f4adabc27e', event_type: 'login', outcome: 'failure',
      failure_reason: 'policy_denied', user_id: 'jane.doe', app: 'Salesforce', method: 'sso', second_factor: 'none', ip: '198.51.100.44',
    }))
  })

  it('RADIUS: PEAP/MSCHAPv2 is a password (wrong response → invalid_credentials); EAP-TLS is a certificate', () => {
    const a = rowOf('radius-mschap-failure')
    expect(a.row).toEqual(expected(a.payload, {
      ts: '2025-06-15 15:16:41.000', source_event_id: 'E5223E70-F3DB-3CB4-B452-96FC2259B9EE', event_type: 'login',
      outcome: 'failure', failure_reason: 'invalid_credentials', user_id: 'john.doe', app: 'RADIUS', method: 'password',
      second_factor: 'none', ip: '203.0.113.16', country: 'FR',
    }))
    const b = rowOf('radius-eap-tls')
    expect(b.row).toEqual(expected(b.payload, {
      ts: '2025-06-15 15:17:41.000', source_event_id: '842B7B84-FE16-32AF-B257-9D508FB22D22', event_type: 'login',
      outcome: 'success', user_id: 'jane.doe@acme.example', user_domain: 'acme.example', app: 'RADIUS', method: 'certificate',
      second_factor: 'none', phishing_resistant: 1, ip: '203.0.113.17', country: 'FR',
    }))
  })

  it('LDAP bind is a password; an event shipped as JSON in "message" is unwrapped', () => {
    const a = rowOf('ldap-bind-failure')
    expect(a.row).toEqual(expected(a.payload, {
      ts: '2025-06-15 16:00:00.000', source_event_id: '6650a1b2c3d4e5f60123456a', event_type: 'login', outcome: 'failure',
      failure_reason: 'invalid_credentials', user_id: 'svc-wiki', app: 'LDAP', method: 'password', second_factor: 'unknown',
      ip: '10.0.0.5',
    }))
    const b = rowOf('shipped-message')
    expect(b.row).toEqual(expected(b.payload, {
      ts: '2025-06-15 16:05:00.000', source_event_id: '6650a1b2c3d4e5f60123456b', event_type: 'login', outcome: 'failure',
      failure_reason: 'invalid_credentials', user_id: 'kim', app: 'JumpCloud User Portal', method: 'unknown',
      second_factor: 'none', ip: '198.51.100.45',
    }))
  })
})

describe('jumpcloud: account events', () => {
  it('password reset and WebAuthn registration by their event_type words', () => {
    const a = rowOf('password-reset')
    expect(a.row).toEqual(expected(a.payload, {
      ts: '2025-06-15 16:10:00.000', source_event_id: '6650a1b2c3d4e5f60123456c', event_type: 'password_reset',
      outcome: 'success', user_id: 'john.doe@acme.example', user_domain: 'acme.example', ip: '198.51.100.46',
    }))
    const b = rowOf('webauthn-enrolled')
    expect(b.row).toEqual(expected(b.payload, {
      ts: '2025-06-15 16:15:00.000', source_event_id: '6650a1b2c3d4e5f60123456d', event_type: 'passkey_registered',
      outcome: 'success', user_id: 'john.doe@acme.example', user_domain: 'acme.example', ip: '198.51.100.47',
    }))
  })

  it('admin changes are ignored; events without time or user are rejected', () => {
    expect(normalize(fixture('user-update'), ctx)).toEqual({ kind: 'ignored', reason: 'JumpCloud user_update is not an authentication event' })
    const noTime = fixture('user-login-totp') as Record<string, unknown>
    delete noTime.timestamp
    expect(normalize(noTime, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
    const noUser = fixture('user-login-totp') as Record<string, unknown>
    delete noUser.initiated_by
    delete noUser.jc_initiated_by_email
    expect(normalize(noUser, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
    expect(normalize([], ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_shape' })
  })
})

describe('jumpcloud: detection', () => {
  it('claims its own events and no other normaliser does', () => {
    for (const n of NAMES) {
      const p = fixture(n) as Record<string, unknown>
      expect(jumpcloudNormalizer.detect!(p), n).toBe(true)
      for (const o of OTHERS) expect(o.detect!(p), `${o.source} claims ${n}`).toBe(false)
    }
  })
})

describe('jumpcloud: never throws', () => {
  it('on any replacement or deletion of any field, and on payloads of the wrong type', () => {
    neverThrowsSweep({ normalize, detect: jumpcloudNormalizer.detect!, ctx, fixtures: NAMES.map((name) => ({ name, payload: fixture(name) })) })
  })
})
