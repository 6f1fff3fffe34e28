// PingFederate security audit log → normalised rows and flow steps (SPEC §1). Fixtures are written from the
// documented audit.log fields (pipe-delimited default layout, with and without transactionid), the JSON form and the
// CEF form. One sign-in is AUTHN_ATTEMPT steps (tracking id = flow id) then an SSO event; every field is asserted.
import { describe, expect, it } from 'vitest'
import { pingfederateNormalizer, normalizePingfederate } from '../../../ingest/normalizers/pingfederate.js'
import { atlassianNormalizer } from '../../../ingest/normalizers/atlassian.js'
import { duoNormalizer } from '../../../ingest/normalizers/duo.js'
import { jumpcloudNormalizer } from '../../../ingest/normalizers/jumpcloud.js'
import { oneloginNormalizer } from '../../../ingest/normalizers/onelogin.js'
import { onepasswordNormalizer } from '../../../ingest/normalizers/onepassword.js'
import { assertSound, neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const SOURCE = 'pingfederate'
const normalize = normalizePingfederate
const { fixture, ctx, DEFAULTS, accepted, rowOf, expected } = normalizerTest(SOURCE, normalize)
const OTHERS = [atlassianNormalizer, duoNormalizer, oneloginNormalizer, jumpcloudNormalizer, onepasswordNormalizer]

const NAMES = [
  'line-password-step', 'line-pingid-step', 'line-sso-success', 'line-password-failure', 'line-inprogress',
  'line-session-created', 'json-certificate-oauth', 'json-kerberos-sso', 'json-passkey-sso', 'json-oauth-token',
  'message-wrapped', 'cef-sso',
]
const FLOW = 'tid:-4hCqHGqD0Zx'

describe('pingfederate: a multi-step sign-in (password, then PingID, then SSO)', () => {
  it('AUTHN_ATTEMPT steps contribute the method and the second factor; a passed step stands for no row', () => {
    const pwd = accepted(normalize(fixture('line-password-step'), ctx))
    expect(pwd.rows).toEqual([])
    expect(pwd.steps).toEqual([{ flow_id: FLOW, tsMs: Date.parse('2025-05-02T10:15:01.123Z'), contributes: { method: 'password' }, standalone: null }])
    const mfa = accepted(normalize(fixture('line-pingid-step'), ctx))
    expect(mfa.rows).toEqual([])
    // PingID does not say in the audit log whether it was a push, a code or a key: a second factor of unknown kind.
    expect(mfa.steps).toEqual([{ flow_id: FLOW, tsMs: Date.parse('2025-05-02T10:15:09.880Z'), contributes: { second_factor: 'other' }, standalone: null }])
  })

  it('the in-progress SSO event is the flow start (for latency pairing), not a row', () => {
    const start = accepted(normalize(fixture('line-inprogress'), ctx))
    expect(start.rows).toEqual([])
    expect(start.steps).toEqual([{ flow_id: FLOW, tsMs: Date.parse('2025-05-02T10:14:59.001Z'), contributes: {}, standalone: null }])
  })

  it('SSO (11.3+ layout with transactionid) is the login row: flow id, app, latency from responsetime', () => {
    const { row, payload } = rowOf('line-sso-success')
    expect(row).toEqual(expected(payload, {
      ts: '2025-05-02 10:15:10.204', source_event_id: '', event_type: 'login', outcome: 'success',
      user_id: 'jdoe@acme.example', user_domain: 'acme.example', product: 'jira', app: 'Jira', method: 'password',
      second_factor: 'unknown', latency_ms: 245, flow_id: FLOW, ip: '203.0.113.7',
    }))
  })

  it('a failed password attempt is a step that carries the failed login standing for it', () => {
    const payload = fixture('line-password-failure')
    const r = accepted(normalize(payload, ctx))
    expect(r.rows).toEqual([])
    const step = r.steps![0]!
    expect(step.flow_id).toBe('tid:Zq81nTPz')
    expect(step.tsMs).toBe(Date.parse('2025-05-02T10:20:00.000Z'))
    expect(step.contributes).toEqual({ method: 'password', outcome: 'failure', failure_reason: 'invalid_credentials' })
    const { raw, ...standalone } = step.standalone!
    expect(raw).toBe(JSON.stringify(payload))
    expect(standalone).toEqual(expected(payload, {
      ts: '2025-05-02 10:20:00.000', source_event_id: '', event_type: 'login', outcome: 'failure',
      failure_reason: 'invalid_credentials', user_id: 'jdoe@acme.example', user_domain: 'acme.example', method: 'password',
      second_factor: 'unknown', flow_id: 'tid:Zq81nTPz', ip: '203.0.113.7',
    }))
  })

  it('without a tracking id a failed attempt cannot be joined: it is the failed login row itself', () => {
    const line = (fixture('line-password-failure') as string).replace('tid:Zq81nTPz', '')
    const r = accepted(normalize(line, ctx))
    expect(r.steps).toBeUndefined()
    expect(r.rows.map((x) => [x.event_type, x.outcome, x.failure_reason, x.flow_id])).toEqual([['login', 'failure', 'invalid_credentials', '']])
  })
})

describe('pingfederate: adapters and forms', () => {
  it('JSON form, interactive OAuth with an X.509 adapter: certificate, phishing-resistant', () => {
    const { row, payload } = rowOf('json-certificate-oauth')
    expect(row).toEqual(expected(payload, {
      ts: '2025-05-02 11:00:00.500', source_event_id: '', event_type: 'login', outcome: 'success',
      user_id: 'svc.admin@acme.example', user_domain: 'acme.example', product: 'confluence', app: 'Confluence',
      method: 'certificate', second_factor: 'unknown', phishing_resistant: 1, latency_ms: 87, flow_id: 'tid:77aa', ip: '198.51.100.3',
    }))
  })

  it('Kerberos adapter: sso; the UPN subject is lower-cased', () => {
    const { row, payload } = rowOf('json-kerberos-sso')
    expect(row).toEqual(expected(payload, {
      ts: '2025-05-02 11:05:00.000', source_event_id: '', event_type: 'login', outcome: 'success',
      user_id: 'alice@corp.acme.example', user_domain: 'corp.acme.example', product: 'bitbucket', app: 'Bitbucket',
      method: 'sso', second_factor: 'unknown', latency_ms: 31, flow_id: 'tid:88bb', ip: '10.1.2.3',
    }))
  })

  it('a passkey adapter: method passkey, type unknown (no flags or AAGUID); responsetime 0 is no latency', () => {
    const { row, payload } = rowOf('json-passkey-sso')
    expect(row).toEqual(expected(payload, {
      ts: '2025-05-02 11:06:00.000', source_event_id: '', event_type: 'login', outcome: 'success',
      user_id: 'bob@acme.example', user_domain: 'acme.example', product: 'trello', app: 'Trello', method: 'passkey',
      second_factor: 'unknown', passkey_type: 'unknown', phishing_resistant: 1, latency_ms: null, flow_id: 'tid:99cc', ip: '198.51.100.8',
    }))
  })

  it('an audit line shipped in a "message" field; a policy denial', () => {
    const { row, payload } = rowOf('message-wrapped')
    expect(row).toEqual(expected(payload, {
      ts: '2025-05-02 10:30:00.000', source_event_id: '', event_type: 'login', outcome: 'failure', failure_reason: 'policy_denied',
      user_id: 'carol@acme.example', user_domain: 'acme.example', product: 'confluence', app: 'Confluence', method: 'password',
      second_factor: 'unknown', latency_ms: 15, flow_id: 'tid:Wr4p', ip: '198.51.100.30',
    }))
  })

  it('the CEF form (rt in UTC, duid, src, msg = status, externalId = tracking id)', () => {
    const { row, payload } = rowOf('cef-sso')
    expect(row).toEqual(expected(payload, {
      ts: '2025-05-02 10:40:00.250', source_event_id: '', event_type: 'login', outcome: 'success',
      user_id: 'dave@acme.example', user_domain: 'acme.example', app: 'https://acme.atlassian.net/', method: 'unknown',
      second_factor: 'unknown', flow_id: 'tid:cef01', ip: '203.0.113.99',
    }))
  })

  it('session bookkeeping and token-endpoint OAuth calls are ignored', () => {
    expect(normalize(fixture('line-session-created'), ctx)).toEqual({
      kind: 'ignored', reason: 'PingFederate AUTHN_SESSION_CREATED event is session or protocol bookkeeping, not a sign-in',
    })
    expect(normalize(fixture('json-oauth-token'), ctx)).toEqual({
      kind: 'ignored', reason: 'PingFederate OAuth event without an authentication adapter: a token request, not a sign-in',
    })
  })

  it('rejects what is not an audit record and records without time or subject', () => {
    expect(normalize('hello world', ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_shape' })
    expect(normalize({ foo: 1 }, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_shape' })
    const noTime = { ...(fixture('json-kerberos-sso') as Record<string, unknown>), dt: 'yesterday' }
    expect(normalize(noTime, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
    const noSubject = { ...(fixture('json-kerberos-sso') as Record<string, unknown>), subject: '' }
    expect(normalize(noSubject, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
  })
})

describe('pingfederate: detection', () => {
  it('claims its objects (JSON form, shipped lines) and no other normaliser does', () => {
    for (const n of NAMES) {
      const p = fixture(n)
      if (typeof p === 'string') continue
      expect(pingfederateNormalizer.detect!(p as Record<string, unknown>), n).toBe(true)
      for (const o of OTHERS) expect(o.detect!(p as Record<string, unknown>), `${o.source} claims ${n}`).toBe(false)
    }
    expect(pingfederateNormalizer.detect!({ message: fixture('line-sso-success') as string })).toBe(true)
    expect(pingfederateNormalizer.detect!({ event: 'schedule', action: 'workflows.completed_workflow_run' })).toBe(false)
  })

  it('never throws on any field of an audit line replaced', () => {
    for (const name of NAMES) {
      const line = fixture(name)
      if (typeof line !== 'string') continue
      const fields = line.split('|')
      for (let i = 0; i < fields.length; i++) {
        for (const v of ['', ' ', 'x', '-1', '0', '1e400', 'a'.repeat(70_000), 'SSO', 'success', 'CEF:0|x', '||||']) {
          const f = [...fields]
          f[i] = v
          assertSound(normalize(f.join('|'), ctx), `${name} field ${i} = ${v.slice(0, 10)}`)
        }
        assertSound(normalize(fields.slice(0, i).join('|'), ctx), `${name} cut at ${i}`)
      }
    }
  })
})

describe('pingfederate: never throws', () => {
  it('on any replacement or deletion of any field, and on payloads of the wrong type', () => {
    neverThrowsSweep({ normalize, detect: pingfederateNormalizer.detect!, ctx, fixtures: NAMES.map((name) => ({ name, payload: fixture(name) })) })
  })
})
