import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AuthEvent } from '../../../schemas/auth-event.js'
import { auth0Normalizer } from '../../../ingest/normalizers/auth0.js'
import { googleWorkspaceNormalizer } from '../../../ingest/normalizers/google-workspace.js'
import { keycloakNormalizer, normalizeKeycloak, parseKeyValues } from '../../../ingest/normalizers/keycloak.js'
import { ocsfNormalizer } from '../../../ingest/normalizers/ocsf.js'
import { assertSound, neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const { DIR, fixture, ctx, rows, like } = normalizerTest('keycloak', normalizeKeycloak, { ctx: { ingestedAt: '2026-10-03 00:00:00.000' } })
const expected = (over: Partial<AuthEvent>) => like({ source_event_id: '', ...over })
const run = (name: string) => normalizeKeycloak(fixture(name), ctx)
const acme = { user_domain: 'acme.example' }

describe('keycloak normaliser: logins', () => {
  const cases: [string, Partial<AuthEvent>][] = [
    ['login-event-json.json', { ts: '2026-10-02 09:00:00.123', source_event_id: '5b3e8a44-1f2c-4f8e-9a61-2f1b3f9a7c11', event_type: 'login', outcome: 'success', user_id: 'ana@acme.example', ...acme, product: 'jira', app: 'jira-cloud', method: 'unknown', flow_id: '3186fe6a-5e85-4d0d-b517-2835369db2b9', ip: '203.0.113.10' }],
    ['login-passkey.json', { ts: '2026-10-02 09:01:00.000', source_event_id: '5b3e8a44-1f2c-4f8e-9a61-2f1b3f9a7c12', event_type: 'login', outcome: 'success', user_id: 'cy@acme.example', ...acme, product: 'confluence', app: 'confluence', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1, flow_id: 'c2', ip: '198.51.100.7' }],
    ['login-password-otp.json', { ts: '2026-10-02 09:02:00.000', event_type: 'login', outcome: 'success', user_id: 'dee', product: 'bitbucket', app: 'bitbucket', method: 'unknown', second_factor: 'totp', flow_id: 'c3', ip: '198.51.100.8' }],
    ['login-webauthn-second-factor.json', { ts: '2026-10-02 09:03:00.000', event_type: 'login', outcome: 'success', user_id: 'admin@acme.example', ...acme, product: 'bitbucket', app: 'bitbucket', method: 'unknown', second_factor: 'webauthn', passkey_type: 'unknown', phishing_resistant: 1, flow_id: 'c4', ip: '198.51.100.9' }],
    ['login-identity-provider.json', { ts: '2026-10-02 09:04:00.000', event_type: 'login', outcome: 'success', user_id: 'eve@acme.example', ...acme, product: 'trello', app: 'trello', method: 'sso', flow_id: 'c5', ip: '198.51.100.10' }],
    ['login-direct-grant-kc26-json-log.json', { ts: '2026-10-02 09:05:00.575', event_type: 'login', outcome: 'success', user_id: 'alice', app: 'acme-cli', method: 'password', ip: '127.0.0.1' }],
    ['login-error-user-not-found.json', { ts: '2026-10-02 09:05:00.000', event_type: 'login', outcome: 'failure', failure_reason: 'unknown_user', user_id: 'asdf', app: 'security-admin-console', flow_id: 'f9d4300d', ip: '172.18.0.1' }],
  ]
  for (const [file, over] of cases) it(`maps ${file}`, () => expect(rows(run(file))).toEqual([expected(over)]))

  it('maps the logged key=value line of a failed login', () => {
    const line = fixture('login-error-line.json') as string
    expect(rows(normalizeKeycloak(line, ctx))).toEqual([expected({
      ts: '2026-10-02 09:06:42.120', event_type: 'login', outcome: 'failure', failure_reason: 'invalid_credentials', user_id: 'admin',
      app: 'test', flow_id: '3a76b735-e324-42b1-aa15-7c1f69f22eb8', ip: '172.18.0.1',
    })])
  })

  it('maps login errors to failure reasons', () => {
    const p = fixture('login-error-user-not-found.json')
    const reason = (error: string, credential?: string) => {
      const d = { ...(p.details as object), ...(credential ? { credential_type: credential } : {}) }
      return rows(normalizeKeycloak({ ...p, error, details: d }, ctx))[0]!.failure_reason
    }
    expect(reason('user_temporarily_disabled')).toBe('locked_out')
    expect(reason('invalid_user_credentials', 'otp')).toBe('mfa_failed')
    expect(reason('invalid_user_credentials', 'webauthn-passwordless')).toBe('passkey_failed')
    expect(reason('rejected_by_user')).toBe('user_cancelled')
    expect(reason('not_allowed')).toBe('policy_denied')
    expect(reason('expired_code')).toBe('other')
  })

  it('rejects a login error that names no user', () => {
    expect(run('login-error-no-user.json')).toEqual({ kind: 'rejected', code: 'missing_field', reason: expect.stringMatching(/names no user/) })
  })

  it('parses quoted and unquoted key=value lists', () => {
    expect(Object.fromEntries(parseKeyValues('x type="LOGIN", realmId="r", username="a, \\"b\\"", error=null'))).toEqual({ type: 'LOGIN', realmId: 'r', username: 'a, "b"', error: 'null' })
  })
})

describe('keycloak normaliser: credentials and account events', () => {
  it('maps credential registrations, removals and changes', () => {
    expect(rows(run('update-credential-webauthn.json'))).toEqual([expected({ ts: '2026-10-02 10:00:00.000', source_event_id: 'e1', event_type: 'passkey_registered', outcome: 'success', user_id: 'admin@acme.example', ...acme, app: 'account-console', method: 'passkey', passkey_type: 'device_bound', authenticator: 'YubiKey 5 Series', aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', phishing_resistant: 1, ip: '198.51.100.9' })])
    expect(rows(run('update-credential-otp.json'))).toEqual([expected({ ts: '2026-10-02 10:01:00.000', source_event_id: 'e2', event_type: 'mfa_enrolled', outcome: 'success', user_id: 'dee', app: 'account-console', second_factor: 'totp' })])
    expect(rows(run('remove-credential-passkey.json'))).toEqual([expected({ ts: '2026-10-02 10:02:00.000', source_event_id: 'e3', event_type: 'passkey_removed', outcome: 'success', user_id: 'cy@acme.example', ...acme, app: 'account-console', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1 })])
    expect(rows(run('update-password-legacy.json'))).toEqual([expected({ ts: '2026-10-02 10:03:00.000', event_type: 'password_changed', outcome: 'success', user_id: 'ana@acme.example', ...acme, app: 'account', method: 'password' })])
    expect(rows(run('custom-required-action-webauthn-passwordless.json'))).toEqual([expected({ ts: '2026-10-02 10:04:00.000', event_type: 'passkey_registered', outcome: 'success', user_id: 'cy@acme.example', ...acme, product: 'confluence', app: 'confluence', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1 })])
  })

  it('ignores the Keycloak 26 copies of credential events', () => {
    expect(run('update-password-kc26-copy.json')).toEqual({ kind: 'ignored', reason: expect.stringMatching(/copy of the UPDATE_\/REMOVE_CREDENTIAL/) })
  })

  it('maps a completed reset, a lockout and an administrator\'s reset', () => {
    expect(rows(run('reset-password.json'))).toEqual([expected({ ts: '2026-10-02 10:05:00.000', event_type: 'password_reset', outcome: 'success', user_id: 'ana@acme.example', ...acme, product: 'jira', app: 'jira-cloud', method: 'password', flow_id: 'c9', ip: '203.0.113.10' })])
    expect(rows(run('lockout.json'))).toEqual([expected({ ts: '2026-10-02 10:06:00.000', event_type: 'account_locked', outcome: 'success', user_id: 'ana@acme.example', ...acme, product: 'jira', app: 'jira-cloud', method: 'password', ip: '192.0.2.99' })])
    expect(rows(run('admin-reset-password.json'))).toEqual([expected({ ts: '2026-10-02 10:07:00.000', event_type: 'password_reset', outcome: 'success', user_id: 'cc74404c-de7e-482a-98f7-b271ff3c49be', method: 'password' })])
  })

  it('ignores sign-ups and token exchanges', () => {
    expect(run('register.json')).toEqual({ kind: 'ignored', reason: expect.stringMatching(/sign-up/) })
    expect(run('code-to-token.json')).toMatchObject({ kind: 'ignored' })
    expect(normalizeKeycloak({ ...fixture('login-event-json.json'), type: 'LOGOUT' }, ctx)).toMatchObject({ kind: 'ignored' })
  })

  it('detects Keycloak events and no other vendor\'s events', () => {
    for (const f of readdirSync(DIR)) {
      if (f === 'login-error-line.json') continue // a bare line is a string: named with source=keycloak, never auto-detected
      expect(keycloakNormalizer.detect!(fixture(f))).toBe(true)
    }
    for (const n of [auth0Normalizer, googleWorkspaceNormalizer, ocsfNormalizer]) {
      expect(n.detect!(fixture('login-event-json.json'))).toBe(false)
      expect(n.detect!(fixture('login-direct-grant-kc26-json-log.json'))).toBe(false)
    }
    expect(keycloakNormalizer.detect!({ message: 'user logged in', '@timestamp': '2026-01-01T00:00:00Z' })).toBe(false)
  })
})

// ---- never throws ---------------------------------------------------------------------------------
describe('keycloak normaliser never throws', () => {
  it('survives every field of every fixture deleted or replaced with a wrong type, and mangled lines', () => {
    const fixtures = readdirSync(DIR).map((name) => ({ name, payload: fixture(name) as unknown }))
    neverThrowsSweep({ normalize: normalizeKeycloak, detect: keycloakNormalizer.detect!, ctx, fixtures, minCases: 1000 })
    // the values this source also sweeps with: NaN, digits, long non-ASCII text, and {} / [{}] as the payload
    const check = (payload: unknown) => assertSound(normalizeKeycloak(payload, ctx), JSON.stringify(payload).slice(0, 300))
    for (const top of ['type=', 'type=LOGIN, realmId=', 'type="LOGIN, realmId="x', `type=LOGIN, realmId=r, ${'a=b, '.repeat(5000)}`]) check(top)
    for (const { payload } of fixtures) {
      if (typeof payload !== 'string') continue
      for (let i = 0; i < payload.length; i += 7) check(payload.slice(0, i) + payload.slice(i + 7))
    }
    const json = fixture('login-direct-grant-kc26-json-log.json')
    const message = json.message as string
    for (let i = 0; i < message.length; i += 5) check({ ...json, message: message.slice(0, i) + '"' + message.slice(i + 1) })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
