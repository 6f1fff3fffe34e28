import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AuthEvent } from '../../../schemas/auth-event.js'
import { auth0Normalizer } from '../../../ingest/normalizers/auth0.js'
import { combineMethods, googleWorkspaceNormalizer, normalizeGoogleWorkspace } from '../../../ingest/normalizers/google-workspace.js'
import { keycloakNormalizer } from '../../../ingest/normalizers/keycloak.js'
import { ocsfNormalizer } from '../../../ingest/normalizers/ocsf.js'
import { neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const { DIR, fixture, ctx, rows, like: expected } = normalizerTest('google_workspace', normalizeGoogleWorkspace, {
  ctx: { ingestedAt: '2026-10-03 00:00:00.000' }, defaults: { user_domain: 'acme.example', app: 'Google Workspace' },
})
const run = (name: string) => normalizeGoogleWorkspace(fixture(name), ctx)
const login = (over: Partial<AuthEvent>) => expected({ event_type: 'login', outcome: 'success', ...over })

describe('google_workspace normaliser: logins', () => {
  const cases: [string, Partial<AuthEvent>][] = [
    ['login-success-password.json', { ts: '2026-10-02 09:00:00.000', source_event_id: '-1000000000000000001@1790931600000', user_id: 'ana.lima@acme.example', method: 'password', ip: '203.0.113.10' }],
    ['login-success-password-sms.json', { ts: '2026-10-02 09:01:00.000', source_event_id: '-1000000000000000002@1790931660000', user_id: 'bo@acme.example', method: 'password', second_factor: 'sms', ip: '203.0.113.11' }],
    ['login-success-passkey.json', { ts: '2026-10-02 09:02:00.000', source_event_id: '-1000000000000000003@1790931720000', user_id: 'cy@acme.example', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1, ip: '198.51.100.7' }],
    ['login-success-security-key-2sv.json', { ts: '2026-10-02 09:03:00.000', source_event_id: '-1000000000000000004@1790931780000', user_id: 'admin@acme.example', method: 'password', second_factor: 'webauthn', passkey_type: 'device_bound', phishing_resistant: 1, ip: '198.51.100.8' }],
    ['login-success-google-prompt.json', { ts: '2026-10-02 09:04:00.000', source_event_id: '-1000000000000000005@1790931840000', user_id: 'dee@acme.example', method: 'password', second_factor: 'push', ip: '198.51.100.9' }],
    ['login-success-backup-code.json', { ts: '2026-10-02 09:05:00.000', source_event_id: '-1000000000000000006@1790931900000', user_id: 'eve@acme.example', method: 'password', second_factor: 'recovery_code', ip: '198.51.100.10' }],
    ['login-success-saml.json', { ts: '2026-10-02 09:06:00.000', source_event_id: '-1000000000000000007@1790931960000', user_id: 'fay@acme.example', method: 'sso', ip: '198.51.100.11' }],
    ['login-failure-password.json', { ts: '2026-10-02 09:07:00.000', source_event_id: '-1000000000000000008@1790932020000', user_id: 'gus@acme.example', outcome: 'failure', failure_reason: 'invalid_credentials', method: 'password', ip: '192.0.2.66' }],
    ['login-multi-event-totp.json', { ts: '2026-10-02 09:08:00.000', source_event_id: '-1000000000000000009@1790932080000', user_id: 'hal@acme.example', method: 'password', second_factor: 'totp', ip: '198.51.100.12' }],
    ['login-verification-failed.json', { ts: '2026-10-02 09:09:00.000', source_event_id: '-1000000000000000010@1790932140000', user_id: 'ivy@acme.example', outcome: 'failure', failure_reason: 'mfa_failed', method: 'unknown', second_factor: 'sms', ip: '198.51.100.13' }],
    ['flattened-login-success.json', { ts: '2026-10-02 10:08:00.467', source_event_id: '517500000000000000@1790935680467', user_id: 'quin@acme.example', method: 'password', second_factor: 'webauthn', passkey_type: 'unknown', phishing_resistant: 1, ip: '2001:db8::20' }],
    ['saml-login-success.json', { ts: '2026-10-02 10:06:00.421', source_event_id: '-1000000000000000018@1790935560421', user_id: 'oz@acme.example', method: 'sso', app: 'Atlassian Cloud (Jira)', product: 'jira', ip: '198.51.100.17' }],
  ]
  for (const [file, over] of cases) {
    it(`maps ${file}`, () => expect(rows(run(file))).toEqual([login(over)]))
  }

  it('ignores a passed intermediate challenge', () => {
    expect(run('login-challenge-passed.json')).toEqual({ kind: 'ignored', reason: expect.stringMatching(/passed login challenge/) })
  })

  it('maps login failure types', () => {
    const p = fixture('login-failure-password.json')
    const params = (p.events as { parameters: { name: string; value?: string }[] }[])[0]!.parameters
    params[2]!.value = 'login_failure_account_disabled'
    expect(rows(normalizeGoogleWorkspace(p, ctx))[0]).toMatchObject({ failure_reason: 'policy_denied' })
    params[2]!.value = 'login_failure_invalid_second_factor'
    expect(rows(normalizeGoogleWorkspace(p, ctx))[0]).toMatchObject({ failure_reason: 'mfa_failed' })
    params[1] = { name: 'login_challenge_method', value: 'passkey' }
    params[2]!.value = 'login_failure_unknown'
    expect(rows(normalizeGoogleWorkspace(p, ctx))[0]).toMatchObject({ method: 'passkey', failure_reason: 'passkey_failed' })
  })

  it('combines challenge methods into one primary method and second factor', () => {
    expect(combineMethods(['password', 'google_authenticator'], 'google_password')).toEqual({ method: 'password', second_factor: 'totp', passkey_type: '' })
    expect(combineMethods(['security_key'], '')).toEqual({ method: 'passkey', second_factor: 'none', passkey_type: 'device_bound' })
    expect(combineMethods(['password', 'idv_preregistered_phone', 'security_key'], '')).toEqual({ method: 'password', second_factor: 'webauthn', passkey_type: 'device_bound' })
    expect(combineMethods(['password', 'knowledge_employee_id'], '')).toEqual({ method: 'password', second_factor: 'other', passkey_type: '' })
    expect(combineMethods(['email'], 'exchange')).toEqual({ method: 'unknown', second_factor: 'email', passkey_type: '' })
    expect(combineMethods([], 'google_password')).toEqual({ method: 'password', second_factor: 'none', passkey_type: '' })
    expect(combineMethods([], 'reauth')).toEqual({ method: 'unknown', second_factor: 'none', passkey_type: '' })
  })

  it('rejects a login without a time or a user', () => {
    const p = fixture('login-success-password.json')
    delete (p.id as Record<string, unknown>).time
    expect(normalizeGoogleWorkspace(p, ctx)).toEqual({ kind: 'rejected', code: 'missing_field', reason: expect.stringMatching(/id\.time/) })
    const q = fixture('login-success-password.json')
    delete q.actor
    expect(normalizeGoogleWorkspace(q, ctx)).toEqual({ kind: 'rejected', code: 'missing_field', reason: expect.stringMatching(/names no user/) })
  })
})

describe('google_workspace normaliser: credentials and account events', () => {
  it('maps 2SV enrolment, passkey enrolment, password change, leaked-password disable and an administrator reset', () => {
    expect(rows(run('2sv-enroll.json'))).toEqual([expected({ ts: '2026-10-02 10:00:00.000', source_event_id: '-1000000000000000012@1790935200000', event_type: 'mfa_enrolled', outcome: 'success', user_id: 'kim@acme.example', second_factor: 'unknown', ip: '198.51.100.15' })])
    expect(rows(run('passkey-enrolled.json'))).toEqual([expected({ ts: '2026-10-02 10:03:00.000', source_event_id: '-1000000000000000015@1790935380000', event_type: 'passkey_registered', outcome: 'success', user_id: 'lu@acme.example', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1, ip: '198.51.100.16' })])
    expect(rows(run('password-edit.json'))).toEqual([expected({ ts: '2026-10-02 10:01:00.000', source_event_id: '-1000000000000000013@1790935260000', event_type: 'password_changed', outcome: 'success', user_id: 'kim@acme.example', method: 'password', ip: '198.51.100.15' })])
    expect(rows(run('account-disabled-password-leak.json'))).toEqual([expected({ ts: '2026-10-02 10:04:00.000', source_event_id: '-1000000000000000016@1790935440000', event_type: 'account_locked', outcome: 'success', user_id: 'mo@acme.example', method: 'password' })])
    expect(rows(run('admin-change-password.json'))).toEqual([expected({ ts: '2026-10-02 10:05:00.000', source_event_id: '-1000000000000000017@1790935500000', event_type: 'password_reset', outcome: 'success', user_id: 'nan@acme.example', method: 'password', ip: '192.0.2.1' })])
  })

  it('ignores logouts and other applications', () => {
    expect(run('logout.json')).toMatchObject({ kind: 'ignored' })
    expect(run('drive-view.json')).toEqual({ kind: 'ignored', reason: 'Google Workspace drive activity: not about authentication' })
  })

  it('gives one row per event when an activity holds a login and an account change', () => {
    const p = fixture('login-success-password.json')
    ;(p.events as unknown[]).push({ type: 'password_change', name: 'password_edit' })
    const r = rows(normalizeGoogleWorkspace(p, ctx))
    expect(r.map((x) => x.event_type)).toEqual(['login', 'password_changed'])
    expect(new Set(r.map((x) => x.event_id)).size).toBe(2)
  })

  it('detects Reports API activities and no other vendor\'s events', () => {
    for (const f of readdirSync(DIR)) expect(googleWorkspaceNormalizer.detect!(fixture(f))).toBe(true)
    for (const n of [auth0Normalizer, keycloakNormalizer, ocsfNormalizer]) expect(n.detect!(fixture('login-success-password.json'))).toBe(false)
    expect(googleWorkspaceNormalizer.detect!({ type: 'LOGIN', realmId: 'r', id: 'abc' })).toBe(false)
  })
})

// ---- never throws ---------------------------------------------------------------------------------
describe('google_workspace normaliser never throws', () => {
  it('survives every field of every fixture deleted or replaced with a wrong type', () => {
    const fixtures = readdirSync(DIR).map((name) => ({ name, payload: fixture(name) as unknown }))
    neverThrowsSweep({ normalize: normalizeGoogleWorkspace, detect: googleWorkspaceNormalizer.detect!, ctx, fixtures, minCases: 1000 })
    // the values this source also sweeps with: NaN, digits, long non-ASCII text, and {} / [{}] as the payload
  })
})
