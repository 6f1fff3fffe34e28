import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AuthEvent } from '../../../schemas/auth-event.js'
import { auth0Normalizer } from '../../../ingest/normalizers/auth0.js'
import { googleWorkspaceNormalizer } from '../../../ingest/normalizers/google-workspace.js'
import { keycloakNormalizer } from '../../../ingest/normalizers/keycloak.js'
import { normalizeOcsf, ocsfMethod, ocsfNormalizer } from '../../../ingest/normalizers/ocsf.js'
import { neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const { DIR, fixture, ctx, rows, like: expected } = normalizerTest('ocsf', normalizeOcsf, { ctx: { ingestedAt: '2026-10-03 00:00:00.000' }, defaults: { user_domain: 'acme.example' } })
const run = (name: string) => normalizeOcsf(fixture(name), ctx)
const ok = { event_type: 'login' as const, outcome: 'success' as const }

describe('ocsf normaliser: Authentication (3002)', () => {
  const cases: [string, Partial<AuthEvent>][] = [
    ['logon-password-push.json', { ...ok, ts: '2026-10-02 09:00:00.123', source_event_id: 'ocsf-evt-0001', user_id: 'ana@acme.example', product: 'jira', app: 'Jira', method: 'password', second_factor: 'push', latency_ms: 7400, flow_id: 'flow-abc', ip: '203.0.113.10', country: 'DE', user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36', browser: 'Chrome', browser_version: '134', os: 'Windows', os_version: '10', device_type: 'desktop' }],
    ['logon-webauthn-seconds.json', { ...ok, ts: '2026-10-02 09:01:00.000', source_event_id: 'ocsf-evt-0002', user_id: 'cy@acme.example', product: 'confluence', app: 'Confluence', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1, ip: '198.51.100.7' }],
    ['logon-password-u2f.json', { ...ok, ts: '2026-10-02 09:02:00.000', source_event_id: 'ocsf-evt-0003', user_id: 'admin@acme.example', privileged: 1, product: 'bitbucket', app: 'Bitbucket', method: 'password', second_factor: 'webauthn', passkey_type: 'device_bound', phishing_resistant: 1, ip: '198.51.100.8' }],
    ['logon-password-sms.json', { ...ok, ts: '2026-10-02 09:03:00.000', source_event_id: 'ocsf-evt-0004', user_id: 'dee@acme.example', method: 'password', second_factor: 'sms', ip: '198.51.100.9' }],
    ['logon-otp-only.json', { ...ok, ts: '2026-10-02 09:04:00.000', source_event_id: 'ocsf-evt-0005', user_id: 'eve@acme.example', method: 'otp', ip: '198.51.100.10' }],
    ['logon-saml-no-factors.json', { ...ok, ts: '2026-10-02 09:05:00.000', source_event_id: 'ocsf-evt-0006', user_id: 'fay@acme.example', method: 'sso', ip: '198.51.100.11' }],
    ['logon-failure-ntlm.json', { event_type: 'login', outcome: 'failure', failure_reason: 'invalid_credentials', ts: '2026-10-02 09:06:00.000', source_event_id: 'ocsf-evt-0007', user_id: 'gus', user_domain: '', method: 'password', ip: '192.0.2.66' }],
    ['logon-failure-unknown-user.json', { event_type: 'login', outcome: 'failure', failure_reason: 'unknown_user', ts: '2026-10-02 09:07:00.000', source_event_id: 'ocsf-evt-0008', user_id: 'nobody@acme.example', method: 'password', ip: '192.0.2.67' }],
  ]
  for (const [file, over] of cases) it(`maps ${file}`, () => expect(rows(run(file))).toEqual([expected(over)]))

  it('derives method and second factor from factors, protocol and is_mfa', () => {
    expect(ocsfMethod({ auth_factors: [{ factor_type_id: 5 }] })).toEqual({ method: 'authenticator_app', second_factor: 'none', passkey_type: '' })
    expect(ocsfMethod({ auth_factors: [{ factor_type_id: 11 }, { factor_type_id: 3 }] })).toEqual({ method: 'password', second_factor: 'voice', passkey_type: '' })
    expect(ocsfMethod({ auth_factors: [{ factor_type_id: 11 }, { factor_type_id: 6 }] })).toEqual({ method: 'password', second_factor: 'totp', passkey_type: '' })
    expect(ocsfMethod({ auth_factors: [{ factor_type_id: 8 }] })).toEqual({ method: 'otp', second_factor: 'none', passkey_type: '' })
    expect(ocsfMethod({ auth_factors: [{ factor_type_id: 9 }] })).toEqual({ method: 'passkey', second_factor: 'none', passkey_type: 'device_bound' })
    expect(ocsfMethod({ auth_protocol_id: 2, is_mfa: true })).toEqual({ method: 'unknown', second_factor: 'other', passkey_type: '' })
    expect(ocsfMethod({ auth_protocol: 'Kerberos' })).toEqual({ method: 'unknown', second_factor: 'none', passkey_type: '' })
    expect(ocsfMethod({ auth_protocol_id: 99, auth_protocol: 'OpenID Connect' })).toEqual({ method: 'sso', second_factor: 'none', passkey_type: '' })
  })

  it('reads failure reasons from status codes and details', () => {
    const p = fixture('logon-failure-ntlm.json')
    const reason = (status_code: string, status_detail: string) => rows(normalizeOcsf({ ...p, status_code, status_detail }, ctx))[0]!.failure_reason
    expect(reason('0xC0000234', '')).toBe('locked_out')
    expect(reason('0xC0000064', '')).toBe('unknown_user')
    expect(reason('', 'MFA push rejected by user')).toBe('mfa_denied')
    expect(reason('', 'Blocked by sign-on policy')).toBe('policy_denied')
    expect(reason('', 'something odd')).toBe('other')
  })

  it('ignores logoffs and logons with no final status; rejects a logon without user', () => {
    expect(run('logoff.json')).toEqual({ kind: 'ignored', reason: expect.stringMatching(/logoff/) })
    expect(normalizeOcsf({ ...fixture('logon-otp-only.json'), status_id: 0 }, ctx)).toMatchObject({ kind: 'ignored' })
    const p = fixture('logon-otp-only.json')
    delete p.user
    expect(normalizeOcsf(p, ctx)).toEqual({ kind: 'rejected', code: 'missing_field', reason: expect.stringMatching(/names no user/) })
    delete p.time
    expect(normalizeOcsf(p, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
  })
})

describe('ocsf normaliser: Account Change (3001) and other classes', () => {
  it('maps a reset to its subject, not the administrator who acted', () => {
    expect(rows(run('account-change-password-reset.json'))).toEqual([expected({ ts: '2026-10-02 10:00:00.000', source_event_id: 'ocsf-evt-0010', event_type: 'password_reset', outcome: 'success', user_id: 'ana@acme.example', method: 'password', ip: '192.0.2.1' })])
  })

  it('maps factor enrolments and a lock given only as type_uid', () => {
    expect(rows(run('account-change-mfa-enable-webauthn.json'))).toEqual([expected({ ts: '2026-10-02 10:01:00.000', source_event_id: 'ocsf-evt-0011', event_type: 'passkey_registered', outcome: 'success', user_id: 'cy@acme.example', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1 })])
    expect(rows(run('account-change-mfa-enable-totp.json'))).toEqual([expected({ ts: '2026-10-02 10:02:00.000', source_event_id: 'ocsf-evt-0012', event_type: 'mfa_enrolled', outcome: 'success', user_id: 'eve@acme.example', second_factor: 'totp' })])
    expect(rows(run('account-change-lock.json'))).toEqual([expected({ ts: '2026-10-02 10:03:00.000', source_event_id: 'ocsf-evt-0013', event_type: 'account_locked', outcome: 'success', user_id: 'gus@acme.example', method: 'password' })])
    expect(rows(normalizeOcsf({ ...fixture('account-change-mfa-enable-totp.json'), activity_id: 11 }, ctx))[0]).toMatchObject({ event_type: 'mfa_removed', second_factor: 'totp' })
    expect(rows(normalizeOcsf({ ...fixture('account-change-password-reset.json'), activity_id: 3 }, ctx))[0]).toMatchObject({ event_type: 'password_changed' })
  })

  it('ignores other classes and other account changes', () => {
    expect(run('api-activity.json')).toEqual({ kind: 'ignored', reason: expect.stringMatching(/class 6003/) })
    expect(normalizeOcsf({ ...fixture('account-change-password-reset.json'), activity_id: 1 }, ctx)).toMatchObject({ kind: 'ignored' })
  })

  it('detects OCSF records and no other vendor\'s events', () => {
    for (const f of readdirSync(DIR)) expect(ocsfNormalizer.detect!(fixture(f))).toBe(true)
    for (const n of [auth0Normalizer, googleWorkspaceNormalizer, keycloakNormalizer]) expect(n.detect!(fixture('logon-password-push.json'))).toBe(false)
    expect(ocsfNormalizer.detect!({ class_uid: 3002 })).toBe(false)
  })
})

// ---- never throws ---------------------------------------------------------------------------------
describe('ocsf normaliser never throws', () => {
  it('survives every field of every fixture deleted or replaced with a wrong type', () => {
    const fixtures = readdirSync(DIR).map((name) => ({ name, payload: fixture(name) as unknown }))
    neverThrowsSweep({ normalize: normalizeOcsf, detect: ocsfNormalizer.detect!, ctx, fixtures, minCases: 1000 })
    // the values this source also sweeps with: NaN, digits, long non-ASCII text, and {} / [{}] as the payload
  })
})
