// 1Password Events API sign-in attempts → normalised rows (SPEC §1). Fixtures are written from the Events API
// reference (SignInAttemptV2: category, type, target_user, client, location, details); every field is asserted.
// Item usage and audit events from the same API are recognised and ignored.
import { describe, expect, it } from 'vitest'
import { onepasswordNormalizer, normalizeOnepassword } from '../../../ingest/normalizers/onepassword.js'
import { atlassianNormalizer } from '../../../ingest/normalizers/atlassian.js'
import { duoNormalizer } from '../../../ingest/normalizers/duo.js'
import { jumpcloudNormalizer } from '../../../ingest/normalizers/jumpcloud.js'
import { oneloginNormalizer } from '../../../ingest/normalizers/onelogin.js'
import { pingfederateNormalizer } from '../../../ingest/normalizers/pingfederate.js'
import { neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const SOURCE = 'onepassword'
const normalize = normalizeOnepassword
const { fixture, ctx, DEFAULTS, accepted, rowOf, expected } = normalizerTest(SOURCE, normalize)
const OTHERS = [atlassianNormalizer, duoNormalizer, oneloginNormalizer, pingfederateNormalizer, jumpcloudNormalizer]

const NAMES = [
  'credentials-ok', 'mfa-ok', 'federated', 'password-secret-bad', 'totp-bad', 'u2f-bad', 'duo-timeout',
  'firewall-country-blocked', 'firewall-reported-success', 'sso-non-sso-user', 'item-usage', 'audit-event',
]
const SESSION = 'A5K6COGVRVEJXJW3XQZGS7VAMM'
/** The browser extension on Chrome / macOS, as 1Password reports its client. */
const EXT = {
  user_id: 'jane.example@acme.example', user_domain: 'acme.example', app: '1Password Browser Extension', flow_id: SESSION,
  ip: '192.0.2.200', country: 'CA', browser: 'Chrome', browser_version: '124', os: 'MacOSX', os_version: '14.4',
}
const attempt = (payload: unknown, uuid: string, ts: string, over: Record<string, unknown>) =>
  expected(payload, { ...EXT, source_event_id: uuid, ts, event_type: 'login', ...over })

describe('onepassword: successful sign-ins', () => {
  it('credentials_ok: account password + Secret Key, no second factor', () => {
    const { row, payload } = rowOf('credentials-ok')
    expect(row).toEqual(attempt(payload, '56YE2TYN2VFYRLNSHKPW5NVT5E', '2025-07-01 09:00:00.123', {
      outcome: 'success', method: 'password', second_factor: 'none',
    }))
  })

  it('mfa_ok: a second factor whose kind the event does not name (other); a desktop app has no browser', () => {
    const { row, payload } = rowOf('mfa-ok')
    expect(row).toEqual(attempt(payload, '56YE2TYN2VFYRLNSHKPW5NVT5F', '2025-07-01 09:01:00.000', {
      outcome: 'success', method: 'password', second_factor: 'other', app: '1Password for Mac', ip: '192.0.2.201',
      browser: '', browser_version: '',
    }))
  })

  it('federated: Unlock with SSO through the identity provider', () => {
    const { row, payload } = rowOf('federated')
    expect(row).toEqual(attempt(payload, '56YE2TYN2VFYRLNSHKPW5NVT5G', '2025-07-01 09:02:00.000', {
      outcome: 'success', method: 'sso', second_factor: 'none',
    }))
  })

  it('firewall_reported_success: the sign-in went ahead; the type names the rule, not the method', () => {
    const { row, payload } = rowOf('firewall-reported-success')
    expect(row).toEqual(attempt(payload, '56YE2TYN2VFYRLNSHKPW5NVT5M', '2025-07-01 09:08:00.000', {
      outcome: 'success', method: 'unknown', second_factor: 'unknown',
    }))
  })
})

describe('onepassword: failed sign-ins', () => {
  it('password_secret_bad → invalid_credentials', () => {
    const { row, payload } = rowOf('password-secret-bad')
    expect(row).toEqual(attempt(payload, '56YE2TYN2VFYRLNSHKPW5NVT5H', '2025-07-01 09:03:00.000', {
      outcome: 'failure', failure_reason: 'invalid_credentials', method: 'password', second_factor: 'unknown',
    }))
  })

  it('totp_bad, u2f_bad (a WebAuthn key: phishing-resistant second factor) and duo_timeout → mfa_failed', () => {
    const t = rowOf('totp-bad')
    expect(t.row).toEqual(attempt(t.payload, '56YE2TYN2VFYRLNSHKPW5NVT5I', '2025-07-01 09:04:00.000', {
      outcome: 'failure', failure_reason: 'mfa_failed', method: 'password', second_factor: 'totp',
    }))
    const u = rowOf('u2f-bad')
    expect(u.row).toEqual(attempt(u.payload, '56YE2TYN2VFYRLNSHKPW5NVT5J', '2025-07-01 09:05:00.000', {
      outcome: 'failure', failure_reason: 'mfa_failed', method: 'password', second_factor: 'webauthn',
      passkey_type: 'unknown', phishing_resistant: 1,
    }))
    const d = rowOf('duo-timeout')
    expect(d.row).toEqual(attempt(d.payload, '56YE2TYN2VFYRLNSHKPW5NVT5K', '2025-07-01 09:06:00.000', {
      outcome: 'failure', failure_reason: 'mfa_failed', method: 'password', second_factor: 'other',
    }))
  })

  it('firewall_failed → policy_denied; sso_failed non_sso_user → sso, policy_denied', () => {
    const f = rowOf('firewall-country-blocked')
    expect(f.row).toEqual(attempt(f.payload, '56YE2TYN2VFYRLNSHKPW5NVT5L', '2025-07-01 09:07:00.000', {
      outcome: 'failure', failure_reason: 'policy_denied', method: 'unknown', second_factor: 'unknown', country: 'RU',
    }))
    const s = rowOf('sso-non-sso-user')
    expect(s.row).toEqual(attempt(s.payload, '56YE2TYN2VFYRLNSHKPW5NVT5N', '2025-07-01 09:09:00.000', {
      outcome: 'failure', failure_reason: 'policy_denied', method: 'sso', second_factor: 'none',
    }))
  })
})

describe('onepassword: ignored and rejected', () => {
  it('item usage and audit events are not sign-ins', () => {
    expect(normalize(fixture('item-usage'), ctx)).toEqual({ kind: 'ignored', reason: '1Password item usage: not a sign-in attempt' })
    expect(normalize(fixture('audit-event'), ctx)).toEqual({ kind: 'ignored', reason: '1Password audit event: not a sign-in attempt' })
  })

  it('rejects attempts without time or user, or with an unknown category', () => {
    const noTime = fixture('credentials-ok') as Record<string, unknown>
    delete noTime.timestamp
    expect(normalize(noTime, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
    const noUser = fixture('credentials-ok') as Record<string, unknown>
    delete noUser.target_user
    expect(normalize(noUser, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
    expect(normalize({ ...(fixture('credentials-ok') as object), category: 'maybe' }, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_value' })
  })

  it('without an e-mail the 1Password user uuid is the key', () => {
    const p = fixture('credentials-ok') as { target_user: Record<string, unknown> }
    delete p.target_user.email
    expect(accepted(normalize(p, ctx)).rows[0]!.user_id).toBe('ir7vjhj36jhinbfad7v2t5mp3e')
  })
})

describe('onepassword: detection', () => {
  it('claims its own records and no other normaliser does', () => {
    for (const n of NAMES) {
      const p = fixture(n) as Record<string, unknown>
      expect(onepasswordNormalizer.detect!(p), n).toBe(true)
      for (const o of OTHERS) expect(o.detect!(p), `${o.source} claims ${n}`).toBe(false)
    }
  })
})

describe('onepassword: never throws', () => {
  it('on any replacement or deletion of any field, and on payloads of the wrong type', () => {
    neverThrowsSweep({ normalize, detect: onepasswordNormalizer.detect!, ctx, fixtures: NAMES.map((name) => ({ name, payload: fixture(name) })) })
  })
})
