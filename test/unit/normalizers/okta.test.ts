// Okta System Log normaliser: every fixture (written from Okta's LogEvent documentation) mapped field
// by field, the multi-event flow as steps, rejections, ignores, and a never-throws sweep.
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { FlowStep, NormalizeResult } from '../../../ingest/fate.js'
import { detectEntra } from '../../../ingest/normalizers/entra.js'
import { detectOkta, normalizeOkta, oktaNormalizer } from '../../../ingest/normalizers/okta.js'
import { rowError } from '../../../ingest/validate.js'
import type { AuthEvent } from '../../../schemas/auth-event.js'
import { checkResult, deepMutations, normalizerTest } from '../../helpers/normalizer-test.js'

// noSteps: false: single() here checks one row, raw and schema, but not steps (as before the shared helper).
const okta = normalizerTest('okta', normalizeOkta, { ctx: { tenant: 'acme' }, noSteps: false })
const { fixture: load, ctx, single } = okta
const dir = fileURLToPath(okta.DIR)
const entraDir = fileURLToPath(new URL('../../fixtures/entra/', import.meta.url))
type Json = Record<string, any>

const MAC_CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const WIN_EDGE = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'

/** The fields every fixture shares unless it says otherwise (Alice on a Mac in Berlin), beyond the column defaults. */
const BASE = {
  outcome: 'success', user_id: 'alice.nguyen@example.com', user_domain: 'example.com',
  ip: '198.51.100.7', country: 'Germany', user_agent: MAC_CHROME,
  browser: 'Chrome', browser_version: '131', os: 'Mac OS', os_version: '10.15.7', device_type: 'desktop',
} as const
const EDGE_NL = { ip: '203.0.113.25', country: 'Netherlands', user_agent: WIN_EDGE, browser: 'Edge', browser_version: '131', os: 'Windows', os_version: '10', device_type: 'desktop' }

function expected(payload: unknown, fields: Partial<AuthEvent> & Pick<AuthEvent, 'source_event_id' | 'ts' | 'event_type' | 'method'>, part = 0): Omit<AuthEvent, 'raw'> {
  return okta.expected(payload, { ...BASE, ...fields }, part) as Omit<AuthEvent, 'raw'>
}

function rowsOf(r: NormalizeResult): AuthEvent[] {
  expect(r.kind).toBe('accepted')
  return r.kind === 'accepted' ? r.rows : []
}
function stepsOf(r: NormalizeResult): FlowStep[] {
  expect(r.kind).toBe('accepted')
  if (r.kind !== 'accepted') return []
  expect(r.rows).toEqual([])
  return r.steps ?? []
}
function strip(row: AuthEvent | null): Omit<AuthEvent, 'raw'> | null {
  if (!row) return null
  const { raw: _raw, ...rest } = row
  return rest
}

describe('okta: logins', () => {
  it('maps a successful OIE session start after a password (Edge on Windows, parsed by Okta)', () => {
    const p = load('session-start-password.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: '5d1e9c20-b3c4-11ef-9b02-0242ac120002', ts: '2025-03-04 09:02:44.010', event_type: 'login',
      method: 'password', second_factor: 'unknown', app: 'Okta Dashboard', flow_id: 'idxAa11Bb22Cc33Dd44Ee55', ...EDGE_NL,
    }))
  })

  it('maps a wrong password to a failed login with invalid_credentials', () => {
    const p = load('session-start-invalid-credentials.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: '5d1e9c21-b3c4-11ef-9b02-0242ac120002', ts: '2025-03-04 09:01:30.500', event_type: 'login',
      outcome: 'failure', failure_reason: 'invalid_credentials', method: 'password', second_factor: 'unknown',
      app: 'Okta Dashboard', flow_id: 'idxAa11Bb22Cc33Dd44Ee55', ...EDGE_NL,
    }))
  })

  it('keys a sign-in by an unknown name with the lower-cased name typed, as unknown_user', () => {
    const p = load('session-start-unknown-user.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: '5d1e9c22-b3c4-11ef-9b02-0242ac120002', ts: '2025-03-04 09:00:02.000', event_type: 'login',
      outcome: 'failure', failure_reason: 'unknown_user', user_id: 'bob.typo@example.com', method: 'unknown', second_factor: 'unknown',
      // externalSessionId "unknown" is no session: the request's transaction id ties the flow.
      flow_id: 'Zq9Wx8Ve7Ut6', ip: '192.0.2.44', country: 'France', user_agent: IPHONE,
      browser: 'Safari', browser_version: '18', os: 'iOS', os_version: '18.1', device_type: 'mobile',
    }))
  })

  it('reads a Classic Engine password sign-in from authenticationContext.credentialType', () => {
    const p = load('session-start-classic-password.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: '7f2a4b30-c5d6-11ef-8c03-0242ac120002', ts: '2025-03-05 07:45:12.345', event_type: 'login',
      method: 'password', second_factor: 'unknown', flow_id: '102Xy7Zw6Vu5Ts4Rq3Po2Nm',
    }))
  })

  it('treats a lone WebAuthn authenticator outside any flow as a passkey sign-in', () => {
    const p = load('session-start-passkey-only.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: '7f2a4b31-c5d6-11ef-8c03-0242ac120002', ts: '2025-03-05 07:50:00.000', event_type: 'login',
      method: 'passkey', second_factor: 'none', passkey_type: 'unknown', phishing_resistant: 1, app: 'Okta Dashboard',
    }))
  })

  it('maps an app sign-on through the Okta session to method sso, with the product from the app name', () => {
    const p = load('sso-jira.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: '9b4c6d51-e9fa-11ef-8e05-0242ac120002', ts: '2025-03-04 08:15:12.700', event_type: 'login',
      method: 'sso', app: 'Jira Software Cloud', product: 'jira', flow_id: 'SsoTxn0001Jira',
    }))
  })
})

describe('okta: a multi-step sign-in (password, Okta Verify push, session)', () => {
  const [password, push, session] = load('flow-password-push.json') as Json[]
  const flow = 'idxT0kLm3nOpQ4rS5tU6vW7'

  it('returns the verifications as steps of the session, never as logins', () => {
    expect(stepsOf(normalizeOkta(password, ctx))).toEqual([
      { flow_id: flow, tsMs: Date.parse('2025-03-04T08:15:01.120Z'), contributes: { method: 'password' }, standalone: null },
    ])
    expect(stepsOf(normalizeOkta(push, ctx))).toEqual([
      { flow_id: flow, tsMs: Date.parse('2025-03-04T08:15:09.480Z'), contributes: { second_factor: 'push' }, standalone: null },
    ])
    expect(stepsOf(normalizeOkta(load('step-push-sent.json'), ctx))).toEqual([
      { flow_id: flow, tsMs: Date.parse('2025-03-04T08:15:03.000Z'), contributes: {}, standalone: null },
    ])
  })

  it('gives the session start the same flow id; the steps supply what it does not say', () => {
    const row = single(session)
    expect(row).toEqual(expected(session, {
      source_event_id: '3b0c7a12-a1b2-11ef-8a01-0242ac120002', ts: '2025-03-04 08:15:09.910', event_type: 'login',
      method: 'unknown', second_factor: 'push', app: 'Okta Dashboard', flow_id: flow,
    }))
    // What flow assembly makes of it: the steps' facts over the final row.
    const merged = { ...row }
    for (const s of [...stepsOf(normalizeOkta(password, ctx)), ...stepsOf(normalizeOkta(push, ctx))]) Object.assign(merged, s.contributes)
    expect([merged.method, merged.second_factor, merged.outcome]).toEqual(['password', 'push', 'success'])
  })
})

describe('okta: verification steps', () => {
  it('FastPass is authenticator_app and phishing-resistant', () => {
    expect(stepsOf(normalizeOkta(load('step-fastpass.json'), ctx))).toEqual([{
      flow_id: 'idxFp01Fp02Fp03Fp04Fp05', tsMs: Date.parse('2025-03-05T10:11:12.130Z'),
      contributes: { method: 'authenticator_app', phishing_resistant: 1 }, standalone: null,
    }])
  })

  it('"FastPass declined phishing attempt" is a failed login, phishing_blocked', () => {
    const p = load('step-fastpass-phishing-blocked.json')
    const [step] = stepsOf(normalizeOkta(p, ctx))
    expect(step!.contributes).toEqual({ method: 'authenticator_app', phishing_resistant: 1, outcome: 'failure', failure_reason: 'phishing_blocked' })
    expect(rowError(step!.standalone)).toBeNull()
    expect(strip(step!.standalone)).toEqual(expected(p, {
      source_event_id: '8a3b5c41-d7e8-11ef-9d04-0242ac120002', ts: '2025-03-05 10:20:00.000', event_type: 'login',
      outcome: 'failure', failure_reason: 'phishing_blocked', method: 'authenticator_app', phishing_resistant: 1,
      flow_id: 'idxPh01Ph02Ph03Ph04Ph05',
    }))
  })

  it('a WebAuthn verification supplies second factor webauthn and the credential', () => {
    expect(stepsOf(normalizeOkta(load('step-webauthn.json'), ctx))).toEqual([{
      flow_id: 'idxWa01Wa02Wa03Wa04Wa05', tsMs: Date.parse('2025-03-05T10:30:05.250Z'),
      contributes: { second_factor: 'webauthn', passkey_type: 'unknown', authenticator: '', aaguid: '', phishing_resistant: 1 },
      standalone: null,
    }])
  })

  it('a denied Okta Verify push (OIE pushOnlyResponseType) stands for a failed login, mfa_denied', () => {
    const p = load('step-push-denied.json')
    const [step] = stepsOf(normalizeOkta(p, ctx))
    expect(step!.contributes).toEqual({ second_factor: 'push', outcome: 'failure', failure_reason: 'mfa_denied' })
    expect(strip(step!.standalone)).toEqual(expected(p, {
      source_event_id: '8a3b5c43-d7e8-11ef-9d04-0242ac120002', ts: '2025-03-05 10:40:41.000', event_type: 'login',
      outcome: 'failure', failure_reason: 'mfa_denied', method: 'unknown', second_factor: 'push', flow_id: 'idxDn01Dn02Dn03Dn04Dn05',
    }))
  })

  it('the Classic deny-push event is a denial too', () => {
    const p = load('deny-push-classic.json')
    const [step] = stepsOf(normalizeOkta(p, ctx))
    expect(step!.contributes).toEqual({ second_factor: 'push', outcome: 'failure', failure_reason: 'mfa_denied' })
    expect(strip(step!.standalone)).toEqual(expected(p, {
      source_event_id: '8a3b5c47-d7e8-11ef-9d04-0242ac120002', ts: '2025-03-06 06:06:06.000', event_type: 'login',
      outcome: 'failure', failure_reason: 'mfa_denied', method: 'unknown', second_factor: 'push', flow_id: '102Dp1Dp2Dp3Dp4Dp5Dp6Dp7',
    }))
  })

  it('an SMS code verification supplies second factor sms', () => {
    expect(stepsOf(normalizeOkta(load('step-sms.json'), ctx))).toEqual([{
      flow_id: 'idxSm01Sm02Sm03Sm04Sm05', tsMs: Date.parse('2025-03-05T11:00:30.000Z'), contributes: { second_factor: 'sms' }, standalone: null,
    }])
  })

  it('a wrong TOTP code is an mfa_failed step', () => {
    const p = load('step-totp-failed.json')
    const [step] = stepsOf(normalizeOkta(p, ctx))
    expect(step!.contributes).toEqual({ second_factor: 'totp', outcome: 'failure', failure_reason: 'mfa_failed' })
    expect(strip(step!.standalone)).toEqual(expected(p, {
      source_event_id: '8a3b5c45-d7e8-11ef-9d04-0242ac120002', ts: '2025-03-05 11:10:00.000', event_type: 'login',
      outcome: 'failure', failure_reason: 'mfa_failed', method: 'unknown', second_factor: 'totp', flow_id: 'idxTo01To02To03To04To05',
    }))
  })

  it('an inbound federation (IdP) sign-in supplies method sso and stands for a login of its own', () => {
    const p = load('auth-via-idp.json')
    const [step] = stepsOf(normalizeOkta(p, ctx))
    expect(step!.contributes).toEqual({ method: 'sso' })
    expect(strip(step!.standalone)).toEqual(expected(p, {
      source_event_id: '9b4c6d50-e9fa-11ef-8e05-0242ac120002', ts: '2025-03-06 12:00:00.000', event_type: 'login',
      method: 'sso', flow_id: 'idxId01Id02Id03Id04Id05',
    }))
  })
})

describe('okta: credential changes', () => {
  it('activating a WebAuthn authenticator is passkey_registered', () => {
    const p = load('factor-activate-webauthn.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: 'a5d7e860-fb0c-11ef-9f06-0242ac120002', ts: '2025-03-07 09:30:00.000', event_type: 'passkey_registered',
      method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1,
    }))
  })

  it('activating Okta Verify is mfa_enrolled (push)', () => {
    const p = load('factor-activate-okta-verify.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: 'a5d7e861-fb0c-11ef-9f06-0242ac120002', ts: '2025-03-07 09:35:00.000', event_type: 'mfa_enrolled',
      method: 'unknown', second_factor: 'push',
    }))
  })

  it('an admin resetting a WebAuthn factor removes the target user\'s passkey, not the admin\'s', () => {
    const p = load('factor-deactivate-webauthn-by-admin.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: 'a5d7e862-fb0c-11ef-9f06-0242ac120002', ts: '2025-03-08 15:00:00.000', event_type: 'passkey_removed',
      method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1,
    }))
  })

  it('resetting all factors removes both the MFA factors and any passkey (two rows, distinct ids)', () => {
    const p = load('factor-reset-all.json')
    const rows = rowsOf(normalizeOkta(p, ctx))
    const common = { source_event_id: 'a5d7e863-fb0c-11ef-9f06-0242ac120002', ts: '2025-03-08 15:05:00.000' }
    expect(rows.map(strip)).toEqual([
      expected(p, { ...common, event_type: 'mfa_removed', method: 'unknown', second_factor: 'unknown' }, 0),
      expected(p, { ...common, event_type: 'passkey_removed', method: 'passkey', passkey_type: 'unknown', phishing_resistant: 1 }, 1),
    ])
    expect(rows[0]!.event_id).not.toBe(rows[1]!.event_id)
    for (const r of rows) expect(rowError(r)).toBeNull()
  })

  it('an admin password reset is the target user\'s password_reset', () => {
    const p = load('password-reset-by-admin.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: 'b6e8f970-0d1e-11f0-8a07-0242ac120002', ts: '2025-03-09 13:00:00.000', event_type: 'password_reset', method: 'password',
    }))
  })

  it('a password update is password_changed', () => {
    const p = load('password-update.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: 'b6e8f971-0d1e-11f0-8a07-0242ac120002', ts: '2025-03-09 13:30:00.000', event_type: 'password_changed', method: 'password',
    }))
  })

  it('an account lock (logged as FAILURE / LOCKED_OUT) is account_locked', () => {
    const p = load('account-lock.json')
    expect(single(p)).toEqual(expected(p, {
      source_event_id: 'b6e8f972-0d1e-11f0-8a07-0242ac120002', ts: '2025-03-09 14:00:00.000', event_type: 'account_locked', method: 'password',
    }))
  })

  it('a failed factor activation changes nothing and is ignored', () => {
    const p = load('factor-activate-webauthn.json')
    p.outcome = { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' }
    expect(normalizeOkta(p, ctx)).toMatchObject({ kind: 'ignored' })
  })
})

describe('okta: ignored and rejected events', () => {
  it.each([
    ['policy-evaluate-sign-on.json', /policy evaluation, not a login/],
    ['admin-app-update.json', /not about authentication/],
  ])('ignores %s', (name, reason) => {
    const r = normalizeOkta(load(name), ctx)
    expect(r.kind).toBe('ignored')
    if (r.kind === 'ignored') expect(r.reason).toMatch(reason)
  })

  it('ignores logouts and factor suspensions', () => {
    expect(normalizeOkta({ ...load('session-start-password.json'), eventType: 'user.session.end' }, ctx).kind).toBe('ignored')
    expect(normalizeOkta({ ...load('factor-reset-all.json'), eventType: 'user.mfa.factor.suspend' }, ctx).kind).toBe('ignored')
  })

  it.each<[string, (p: Json) => void, string, RegExp]>([
    ['no time', (p) => { delete p.published }, 'missing_field', /no time/],
    ['a redacted time', (p) => { p.published = 'redacted' }, 'invalid_value', /not a timestamp/],
    ['no actor', (p) => { delete p.actor }, 'missing_field', /names no user/],
    ['an actor without login or id', (p) => { p.actor = { id: 'unknown', alternateId: 'unknown', type: 'User' } }, 'missing_field', /names no user/],
    ['an absurdly long login', (p) => { p.actor.alternateId = `${'a'.repeat(600)}@example.com` }, 'invalid_value', /longer than 512/],
    ['no outcome', (p) => { delete p.outcome }, 'missing_field', /no outcome.result/],
    ['no eventType', (p) => { delete p.eventType }, 'missing_field', /eventType is missing/],
  ])('rejects a session start with %s', (_what, mutate, code, reason) => {
    const p = load('session-start-password.json')
    mutate(p)
    const r = normalizeOkta(p, ctx)
    expect(r).toMatchObject({ kind: 'rejected', code })
    if (r.kind === 'rejected') expect(r.reason).toMatch(reason)
  })

  it('rejects what is not an object', () => {
    for (const p of [null, 42, 'user.session.start', [load('session-start-password.json')], true]) {
      expect(normalizeOkta(p, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_shape' })
    }
  })

  it('falls back to Panther\'s p_event_time when published was dropped', () => {
    const p = load('session-start-password.json')
    delete p.published
    p.p_event_time = '2025-03-04 09:02:44.010'
    expect(rowsOf(normalizeOkta(p, ctx))[0]!.ts).toBe('2025-03-04 09:02:44.010')
  })
})

describe('okta: shapes', () => {
  it('accepts exporters\' lower-cased keys (eventtype, authenticationcontext, debugcontext)', () => {
    const p = load('session-start-password.json')
    const lowered = Object.fromEntries(Object.entries(p).map(([k, v]) => [k.toLowerCase(), v]))
    const a = strip(rowsOf(normalizeOkta(p, ctx))[0]!)
    const b = strip(rowsOf(normalizeOkta(lowered, ctx))[0]!)
    expect({ ...b, event_id: '' }).toEqual({ ...a, event_id: '' })
  })

  it('detects every Okta fixture and no Entra record', () => {
    for (const f of readdirSync(dir)) {
      const j = load(f)
      for (const e of Array.isArray(j) ? j : [j]) {
        expect(detectOkta(e), f).toBe(true)
        expect(detectEntra(e), f).toBe(false)
      }
    }
    for (const f of readdirSync(entraDir)) expect(detectOkta(JSON.parse(readFileSync(entraDir + f, 'utf8'))), f).toBe(false)
    expect(detectOkta({ eventtype: 'authentication', user: { name: 'x' } })).toBe(false) // Duo's auth log
    expect(detectOkta({ ts: 1, event_type: 'login', user_id: 'u', outcome: 'success' })).toBe(false) // native
    expect(oktaNormalizer.source).toBe('okta')
  })

  it('gives the same event id when the same event is ingested again', () => {
    const p = load('session-start-password.json')
    const a = rowsOf(normalizeOkta(p, ctx))[0]!
    const b = rowsOf(normalizeOkta(JSON.parse(JSON.stringify(p)), { ...ctx, ingestedAt: '2026-02-02 00:00:00.000' }))[0]!
    expect(b.event_id).toBe(a.event_id)
  })
})

// ------------------------------------------------------------------------------------------------
// Never throws: every field of every fixture deleted or replaced by a value of the wrong type.

const REPLACEMENTS: unknown[] = [null, 0, -1, 1e308, 'x', '', 'x'.repeat(100_000), [], [null, 1, 'a'], {}, { __proto__: { polluted: true } }, true]

describe('okta: never throws', () => {
  it('on mutated fixtures', () => {
    let n = 0
    for (const f of readdirSync(dir)) {
      const j = load(f)
      for (const e of Array.isArray(j) ? j : [j]) {
        for (const m of deepMutations(e, REPLACEMENTS)) {
          checkResult(normalizeOkta(m, ctx))
          n++
        }
      }
    }
    expect(n).toBeGreaterThan(1000)
  })

  it('on arbitrary JSON and on fixtures with fields replaced by arbitrary JSON (fast-check)', () => {
    const events = readdirSync(dir).flatMap((f) => { const j = load(f); return Array.isArray(j) ? j : [j] })
    fc.assert(fc.property(fc.jsonValue(), (v) => { checkResult(normalizeOkta(v, ctx)) }), { numRuns: 300 })
    const KEYS = ['eventType', 'published', 'uuid', 'actor', 'client', 'outcome', 'target', 'authenticationContext', 'debugContext', 'transaction', 'request']
    fc.assert(fc.property(
      fc.constantFrom(...events), fc.dictionary(fc.constantFrom(...KEYS), fc.jsonValue({ maxDepth: 3 })),
      (event, replaced) => { checkResult(normalizeOkta({ ...event, ...replaced }, ctx)) },
    ), { numRuns: 1000 })
  })

  it('on prototype-pollution keys and odd top-level values', () => {
    const p = load('session-start-password.json')
    const polluted = JSON.parse(JSON.stringify(p).replace('{', '{"__proto__":{"eventType":"user.session.start"},"constructor":{"prototype":{"x":1}},'))
    checkResult(normalizeOkta(polluted, ctx))
    expect(({} as Json).eventType).toBeUndefined()
    for (const v of [undefined, null, 0, NaN, '', '{}', [], {}, { eventType: {} }, { eventType: 'user.session.start' }, { eventType: 'user.session.start', published: 1e20, actor: 'x' }]) {
      checkResult(normalizeOkta(v, ctx))
    }
  })
})
