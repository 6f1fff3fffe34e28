// Atlassian organisation audit events → normalised rows (SPEC §1). Fixtures are written from the admin events API
// schema (EventModel: attributes.time/action/actor{auth}/context[]/container[]/location) and the documented
// audit-log activity list; every field of every row is asserted.
import { describe, expect, it } from 'vitest'
import { compileMapping } from '../../../ingest/mapping.js'
import { atlassianNormalizer, normalizeAtlassian } from '../../../ingest/normalizers/atlassian.js'
import { duoNormalizer } from '../../../ingest/normalizers/duo.js'
import { jumpcloudNormalizer } from '../../../ingest/normalizers/jumpcloud.js'
import { oneloginNormalizer } from '../../../ingest/normalizers/onelogin.js'
import { onepasswordNormalizer } from '../../../ingest/normalizers/onepassword.js'
import { pingfederateNormalizer } from '../../../ingest/normalizers/pingfederate.js'
import { neverThrowsSweep } from '../../helpers/never-throws.js'
import { normalizerTest } from '../../helpers/normalizer-test.js'

const SOURCE = 'atlassian'
const normalize = normalizeAtlassian
const { fixture, ctx, DEFAULTS, accepted, rowOf, expected } = normalizerTest(SOURCE, normalize)
const OTHERS = [duoNormalizer, oneloginNormalizer, pingfederateNormalizer, jumpcloudNormalizer, onepasswordNormalizer]

describe('atlassian: logins', () => {
  it('user_login: method and second factor unknown (the schema has none), user from the actor e-mail, lower-cased', () => {
    const { row, payload } = rowOf('login')
    expect(row).toEqual(expected(payload, {
      ts: '2025-03-04 08:15:30.120', source_event_id: '0f1e2d3c-4b5a-4697-8a9b-0c1d2e3f4a5b', event_type: 'login',
      outcome: 'success', user_id: 'ada.lovelace@acme.example', user_domain: 'acme.example', app: 'acme',
      method: 'unknown', second_factor: 'unknown', ip: '198.51.100.24', country: 'Canada',
    }))
  })

  it('accepts the { data: event } envelope; the site host maps to a product through the configured mapping', () => {
    const { row, payload } = rowOf('login-wrapped')
    expect(row).toEqual(expected(payload, {
      ts: '2025-03-04 09:00:00.000', source_event_id: '1a2b3c4d-0000-4000-8000-000000000002', event_type: 'login',
      outcome: 'success', user_id: 'grace@acme.example', user_domain: 'acme.example', product: 'jira', app: 'acme-jira',
      method: 'unknown', second_factor: 'unknown', ip: '203.0.113.9', country: 'United States',
    }))
    const mapped = rowOf('login', { ...ctx, mapping: compileMapping({ products: [{ match: 'acme.atlassian.net', product: 'confluence' }] }) })
    expect(mapped.row.product).toBe('confluence')
  })

  it('an action taken with an API token is token use: method api_token, not interactive', () => {
    const { row, payload } = rowOf('api-token')
    expect(row).toEqual(expected(payload, {
      ts: '2025-03-04 10:00:00.000', source_event_id: '2b3c4d5e-0000-4000-8000-000000000003', event_type: 'login',
      outcome: 'success', user_id: 'ops@acme.example', user_domain: 'acme.example', app: 'acme', method: 'api_token',
      second_factor: 'none', ip: '192.0.2.44', country: 'Germany',
    }))
  })

  it('a container (app) token acts for no person: the app id is the key, user type service', () => {
    const { row, payload } = rowOf('container-token')
    expect(row).toEqual(expected(payload, {
      ts: '2025-03-04 11:00:00.000', source_event_id: '3c4d5e6f-0000-4000-8000-000000000004', event_type: 'login',
      outcome: 'success', user_id: 'ari:cloud:ecosystem::app/abc', user_type: 'service', app: 'acme',
      method: 'api_token', second_factor: 'none',
    }))
  })
})

describe('atlassian: account events', () => {
  it('"Requested password recovery link" is a password reset of the user in context', () => {
    const { row, payload } = rowOf('password-recovery')
    expect(row).toEqual(expected(payload, {
      ts: '2025-03-05 07:30:00.000', source_event_id: '4d5e6f70-0000-4000-8000-000000000005', event_type: 'password_reset',
      outcome: 'success', user_id: 'linus@acme.example', user_domain: 'acme.example', ip: '198.51.100.77', country: 'Finland',
    }))
  })

  it('matches the documented activity name in the message when the action key is not one it knows', () => {
    const p = fixture('password-recovery') as { attributes: Record<string, unknown> }
    p.attributes.action = ''
    const r = accepted(normalize(p, ctx))
    expect(r.rows[0]!.event_type).toBe('password_reset')
  })

  it('ignores admin impersonation and admin changes', () => {
    expect(normalize(fixture('impersonation'), ctx)).toEqual({
      kind: 'ignored', reason: 'Atlassian admin impersonation (user_logged_in_as_user): no credential was presented',
    })
    expect(normalize(fixture('admin-change'), ctx)).toEqual({
      kind: 'ignored', reason: 'Atlassian audit action "group_created" is not an authentication event',
    })
  })
})

describe('atlassian: rejections', () => {
  it('rejects a login without time or user, and what is not an event', () => {
    const noTime = fixture('login') as { attributes: Record<string, unknown> }
    delete noTime.attributes.time
    expect(normalize(noTime, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
    const noUser = fixture('login') as { attributes: Record<string, unknown> }
    noUser.attributes.actor = { name: 'No Id' }
    delete noUser.attributes.context
    expect(normalize(noUser, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' })
    expect(normalize('user_login', ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_shape' })
    expect(normalize({ id: 'x' }, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_shape' })
  })
})

describe('atlassian: detection', () => {
  const names = ['login', 'login-wrapped', 'api-token', 'container-token', 'password-recovery', 'impersonation', 'admin-change']
  it('claims its own events and no other normaliser does', () => {
    for (const n of names) {
      const p = fixture(n) as Record<string, unknown>
      expect(atlassianNormalizer.detect!(p), n).toBe(true)
      for (const o of OTHERS) expect(o.detect!(p), `${o.source} claims ${n}`).toBe(false)
    }
    expect(atlassianNormalizer.detect!({ action: 'repo.create', actor: 'octocat', created_at: 1 })).toBe(false)
  })
})

describe('atlassian: never throws', () => {
  it('on any replacement or deletion of any field, and on payloads of the wrong type', () => {
    neverThrowsSweep({ normalize, detect: atlassianNormalizer.detect!, ctx, fixtures: ['login', 'login-wrapped', 'api-token', 'container-token', 'password-recovery', 'impersonation', 'admin-change'].map((name) => ({ name, payload: fixture(name) })) })
  })
})
