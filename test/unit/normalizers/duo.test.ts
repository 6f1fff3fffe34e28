// Duo Admin API authentication logs (v2 and the legacy v1 shape) → normalised rows (SPEC §1). Fixtures are written
// from the Admin API's authentication-log fields and documented factor/result/reason values; every field is asserted.
// Duo logs the Duo step only: the primary credential is not Duo's to know, so method is `unknown`.
import { describe, expect, it } from 'vitest'
import { compileMapping } from '../../../ingest/mapping.js'
import { duoNormalizer, normalizeDuo } from '../../../ingest/normalizers/duo.js'
import { atlassianNormalizer } from '../../../ingest/normalizers/atlassian.js'
import { jumpcloudNormalizer } from '../../../ingest/normalizers/jumpcloud.js'
import { oneloginNormalizer } from '../../../ingest/normalizers/onelogin.js'
import { onepasswordNormalizer } from '../../../ingest/normalizers/onepassword.js'
import { pingfederateNormalizer } from '../../../ingest/normalizers/pingfederate.js'
import { neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const SOURCE = 'duo'
const normalize = normalizeDuo
const { fixture, ctx, DEFAULTS, accepted, rowOf, expected } = normalizerTest(SOURCE, normalize)
const OTHERS = [atlassianNormalizer, oneloginNormalizer, pingfederateNormalizer, jumpcloudNormalizer, onepasswordNormalizer]

const NAMES = [
  'push-success', 'push-fraud', 'sms-invalid-passcode', 'phone-call', 'duo-mobile-passcode', 'webauthn-success',
  'u2f-token', 'bypass-code', 'remembered-device', 'deny-unenrolled', 'enrollment-push', 'enrollment-webauthn', 'v1-push',
  'admin-log',
]

/** What every v2 fixture shares (same user, app and access device). */
const V2 = {
  user_id: 'narroway@example.com', user_domain: 'example.com', product: 'jira', app: 'Jira Software', ip: '198.51.100.10',
  country: 'United States', browser: 'Chrome', browser_version: '124', os: 'Mac OS X', os_version: '14.4.1', method: 'unknown',
}
const v2 = (payload: unknown, txid: string, over: Record<string, unknown>) =>
  expected(payload, { ...V2, source_event_id: txid, flow_id: txid, ...over })

describe('duo: second factors (method unknown: Duo does not see the primary credential)', () => {
  it('Duo Push approved: second factor push; the e-mail is the user key; Duo-parsed device fields are kept', () => {
    const { row, payload } = rowOf('push-success')
    expect(row).toEqual(v2(payload, '340a23e3-23f3-23c1-87dc-1491a23dfdbb', {
      ts: '2025-02-13 18:56:20.351', event_type: 'login', outcome: 'success', second_factor: 'push',
    }))
  })

  it('a push the user marked as fraud is a denied MFA', () => {
    const { row, payload } = rowOf('push-fraud')
    expect(row).toEqual(v2(payload, '78e1a910-350b-4226-828b-edb0ac2f2e3c', {
      ts: '2025-02-13 19:00:00.000', event_type: 'login', outcome: 'failure', failure_reason: 'mfa_denied', second_factor: 'push',
    }))
  })

  it('an invalid SMS passcode is a failed MFA', () => {
    const { row, payload } = rowOf('sms-invalid-passcode')
    expect(row).toEqual(v2(payload, 'e22120cd-7388-424f-aa0a-b60cad42d8f3', {
      ts: '2025-02-13 19:05:00.000', event_type: 'login', outcome: 'failure', failure_reason: 'mfa_failed', second_factor: 'sms',
    }))
  })

  it('phone call → voice, Duo Mobile passcode → totp, bypass code → recovery_code, remembered device → none', () => {
    const cases: [string, string, string, string][] = [
      ['phone-call', 'a1b2c3d4-0000-4000-8000-00000000000a', '2025-02-13 19:10:00.000', 'voice'],
      ['duo-mobile-passcode', 'a1b2c3d4-0000-4000-8000-00000000000b', '2025-02-13 19:11:00.000', 'totp'],
      ['bypass-code', 'a1b2c3d4-0000-4000-8000-00000000000e', '2025-02-13 19:14:00.000', 'recovery_code'],
      ['remembered-device', 'a1b2c3d4-0000-4000-8000-00000000000f', '2025-02-13 19:15:00.000', 'none'],
    ]
    for (const [name, txid, ts, second] of cases) {
      const { row, payload } = rowOf(name)
      expect(row, name).toEqual(v2(payload, txid, { ts, event_type: 'login', outcome: 'success', second_factor: second }))
    }
  })

  it('a WebAuthn credential as second factor is phishing-resistant; passkey type unknown without flags or AAGUID', () => {
    const { row, payload } = rowOf('webauthn-success')
    expect(row).toEqual(v2(payload, 'a1b2c3d4-0000-4000-8000-00000000000c', {
      ts: '2025-02-13 19:12:00.000', event_type: 'login', outcome: 'success', second_factor: 'webauthn',
      passkey_type: 'unknown', phishing_resistant: 1,
    }))
  })

  it('a U2F token is a hardware security key: device-bound', () => {
    const { row, payload } = rowOf('u2f-token')
    expect(row).toEqual(v2(payload, 'a1b2c3d4-0000-4000-8000-00000000000d', {
      ts: '2025-02-13 19:13:00.000', event_type: 'login', outcome: 'success', second_factor: 'webauthn',
      passkey_type: 'device_bound', phishing_resistant: 1,
    }))
  })

  it('a bypass user passes with no live factor whatever the factor field says', () => {
    const p = fixture('push-success') as Record<string, unknown>
    p.reason = 'bypass_user'
    expect(accepted(normalize(p, ctx)).rows[0]!.second_factor).toBe('none')
  })

  it('an unenrolled user denied by policy: policy_denied, the attempted (lower-cased) name is the key', () => {
    const { row, payload } = rowOf('deny-unenrolled')
    expect(row).toEqual(v2(payload, 'a1b2c3d4-0000-4000-8000-000000000010', {
      ts: '2025-02-13 19:16:00.000', event_type: 'login', outcome: 'failure', failure_reason: 'policy_denied',
      second_factor: 'none', user_id: 'stranger@example.com', user_domain: 'example.com',
    }))
  })

  it('Duo groups feed the configured privileged groups', () => {
    const { row } = rowOf('push-success', { ...ctx, mapping: compileMapping({ privileged_groups: ['engineering'] }) })
    expect(row.privileged).toBe(1)
  })

  it('Duo Passwordless (the Duo factor is the primary credential): WebAuthn → passkey', () => {
    // The factor string of a passwordless authentication is not confirmed by a published sample.
    const p = fixture('webauthn-success') as Record<string, unknown>
    p.factor = 'Passwordless (WebAuthn Security Key)'
    const row = accepted(normalize(p, ctx)).rows[0]!
    expect([row.method, row.second_factor, row.passkey_type, row.phishing_resistant]).toEqual(['passkey', 'none', 'unknown', 1])
  })
})

describe('duo: enrolments and the v1 shape', () => {
  it('enrolment of Duo Push → mfa_enrolled; of a WebAuthn credential → passkey_registered', () => {
    const a = rowOf('enrollment-push')
    expect(a.row).toEqual(v2(a.payload, 'a1b2c3d4-0000-4000-8000-000000000011', {
      ts: '2025-02-13 19:17:00.000', event_type: 'mfa_enrolled', outcome: 'success', second_factor: 'none',
    }))
    const b = rowOf('enrollment-webauthn')
    expect(b.row).toEqual(v2(b.payload, 'a1b2c3d4-0000-4000-8000-000000000012', {
      ts: '2025-02-13 19:18:00.000', event_type: 'passkey_registered', outcome: 'success', second_factor: 'none',
      passkey_type: 'unknown',
    }))
  })

  it('v1: "Duo Push" / "SUCCESS", epoch-second timestamp, integration as the app; no id, so the payload is the key', () => {
    const { row, payload } = rowOf('v1-push')
    expect(row).toEqual(expected(payload, {
      ts: '2025-02-13 19:30:00.000', source_event_id: '', event_type: 'login', outcome: 'success', user_id: 'narroway',
      product: 'confluence', app: 'Confluence Cloud', method: 'unknown', second_factor: 'push', ip: '203.0.113.50',
    }))
  })

  it('v1 new_enrollment: the authentication row and an enrolment row', () => {
    const p = fixture('v1-push') as Record<string, unknown>
    p.new_enrollment = true
    const r = accepted(normalize(p, ctx))
    expect(r.rows.map((x) => x.event_type)).toEqual(['login', 'mfa_enrolled'])
    expect(r.rows[0]!.event_id).not.toBe(r.rows[1]!.event_id)
  })
})

describe('duo: ignored and rejected', () => {
  it('ignores administrator log entries', () => {
    expect(normalize(fixture('admin-log'), ctx)).toEqual({
      kind: 'ignored', reason: 'Duo administrator/offline-enrolment log entry (user_update): not an authentication',
    })
  })

  it('rejects entries without time, user or result', () => {
    for (const [field, code] of [['isotimestamp', 'missing_field'], ['result', 'missing_field']] as const) {
      const p = fixture('push-success') as Record<string, unknown>
      delete p[field]
      if (field === 'isotimestamp') delete p.timestamp
      expect(normalize(p, ctx), field).toMatchObject({ kind: 'rejected', code })
    }
    const p = fixture('push-success') as Record<string, unknown>
    delete p.user
    p.email = ''
    expect(normalize(p, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
  })
})

describe('duo: detection', () => {
  it('claims its own events and no other normaliser does', () => {
    for (const n of NAMES) {
      const p = fixture(n) as Record<string, unknown>
      expect(duoNormalizer.detect!(p), n).toBe(true)
      for (const o of OTHERS) expect(o.detect!(p), `${o.source} claims ${n}`).toBe(false)
    }
  })
})

describe('duo: never throws', () => {
  it('on any replacement or deletion of any field, and on payloads of the wrong type', () => {
    neverThrowsSweep({ normalize, detect: duoNormalizer.detect!, ctx, fixtures: NAMES.map((name) => ({ name, payload: fixture(name) })) })
  })
})
