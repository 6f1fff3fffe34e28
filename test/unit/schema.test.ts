import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AUTH_EVENT_COLUMNS, methodClass, METHOD_CLASSES } from '../../schemas/auth-event.js'
import { readMigrations } from '../../store/migrate.js'
import { normalizeNative } from '../../ingest/normalizers/native.js'
import { rowError } from '../../ingest/validate.js'
import { SCHEMA_FILE, schemaText } from '../../scripts/write-schema.js'
import { nativeLogin } from '../helpers/events.js'

const ctx = { tenant: 'acme', ingestedAt: '2026-11-01 00:00:00.000' }

function row(over: Record<string, unknown> = {}) {
  const r = normalizeNative(nativeLogin(over), ctx)
  if (r.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(r)}`)
  return r.rows[0]!
}

describe('JSON Schema of the normalised event', () => {
  it('the committed schema file is the one generated from the TypeScript enums', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText())
  })

  it('names every column of auth_events in the first migration, and only those', () => {
    const ddl = readMigrations().find((m) => m.version === 1)!.statements.join('\n')
    const columns = [...ddl.matchAll(/^\s{4}([a-z_]+)\s+(?:String|DateTime64|LowCardinality|UInt8|Nullable)/gm)].map((m) => m[1])
    expect(columns).toEqual([...AUTH_EVENT_COLUMNS, 'method_class'])
  })

  it('accepts a complete row and names the field of an invalid one', () => {
    const good = row()
    expect(rowError(good)).toBeNull()
    expect(rowError({ ...good, method: 'magic' })).toMatch(/^method must be equal to one of the allowed values/)
    expect(rowError({ ...good, latency_ms: 0 })).toMatch(/^latency_ms/)
    expect(rowError({ ...good, ts: '2026-11-01T00:00:00Z' })).toMatch(/^ts must match pattern/)
    expect(rowError({ ...good, extra: 1 })).toMatch(/additional properties/)
    const { user_id: _u, ...noUser } = good
    expect(rowError(noUser)).toMatch(/user_id/)
  })
})

describe('method_class', () => {
  it('follows SPEC §1 for every method', () => {
    const mc = (method: string, second_factor = 'none', passkey_type = '') =>
      methodClass({ method, second_factor, passkey_type } as Parameters<typeof methodClass>[0])
    expect(mc('passkey', 'none', 'synced')).toBe('passkey_synced')
    expect(mc('passkey', 'none', 'device_bound')).toBe('passkey_device_bound')
    expect(mc('passkey', 'none', 'unknown')).toBe('passkey_unknown')
    expect(mc('password', 'totp')).toBe('password_mfa')
    expect(mc('password', 'webauthn', 'synced')).toBe('password_mfa')
    expect(mc('password', 'none')).toBe('password_only')
    expect(mc('sso')).toBe('sso')
    expect(mc('authenticator_app')).toBe('passwordless_other')
    expect(mc('otp')).toBe('passwordless_other')
    expect(mc('certificate')).toBe('certificate')
    expect(mc('api_token')).toBe('token')
    expect(mc('app_password')).toBe('token')
    expect(mc('unknown')).toBe('unknown')
    expect(new Set(METHOD_CLASSES).size).toBe(10)
  })
})

describe('native normaliser', () => {
  it('fills derived fields: domain, parsed user agent, phishing resistance', () => {
    const r = row({ user_id: 'Ana.Silva@Acme.Example', ts: 1790000000 })
    expect(r.user_domain).toBe('acme.example')
    expect(r.ts).toBe('2026-09-21 14:13:20.000')
    expect(r.ingested_at).toBe(ctx.ingestedAt)
    expect(r.tenant).toBe('acme')
    expect(r.browser).toBe('Safari')
    expect(r.browser_version).toBe('18')
    expect(r.os).toBe('Mac OS')
    expect(r.device_type).toBe('desktop')
    expect(r.phishing_resistant).toBe(1)
    expect(r.failure_reason).toBe('')
    // A native event is its row: nothing is kept twice.
    expect(r.raw).toBe('')
  })

  it('treats a zero latency as unknown, and keeps a failure reason only on failures', () => {
    expect(row({ latency_ms: 0 }).latency_ms).toBeNull()
    expect(row({ outcome: 'failure', failure_reason: 'passkey_failed' }).failure_reason).toBe('passkey_failed')
    expect(row({ outcome: 'failure' }).failure_reason).toBe('other')
    expect(row({ outcome: 'success', failure_reason: 'other' }).failure_reason).toBe('')
  })

  it('derives phishing resistance from method and second factor', () => {
    expect(row({ method: 'password', second_factor: 'webauthn', passkey_type: 'device_bound' }).phishing_resistant).toBe(1)
    expect(row({ method: 'password', second_factor: 'push', passkey_type: '' }).phishing_resistant).toBe(0)
    expect(row({ method: 'authenticator_app', passkey_type: '', phishing_resistant: 1 }).phishing_resistant).toBe(1)
  })

  it('keeps a given event_id and derives a stable one otherwise', () => {
    expect(row({ event_id: 'abc-1' }).event_id).toBe('abc-1')
    const e = nativeLogin()
    const a = normalizeNative(structuredClone(e), ctx)
    const b = normalizeNative(structuredClone(e), { ...ctx, ingestedAt: '2026-11-02 00:00:00.000' })
    expect(a.kind === 'accepted' && b.kind === 'accepted' && a.rows[0]!.event_id === b.rows[0]!.event_id).toBe(true)
  })

  it.each([
    [{ user_id: undefined }, 'missing_field', /user_id/],
    [{ ts: undefined }, 'missing_field', /ts/],
    [{ ts: 'yesterday' }, 'invalid_value', /ts is not a timestamp/],
    [{ ts: 12 }, 'invalid_value', /ts is not a timestamp/],
    [{ method: 'retina' }, 'invalid_value', /method must be equal to one of the allowed values/],
    [{ privileged: 'yes' }, 'invalid_value', /privileged must be integer/],
    [{ latency_ms: 'fast' }, 'invalid_value', /latency_ms/],
    [{ colour: 'blue' }, 'invalid_value', /unknown field colour/],
    [{ user_id: '   ' }, 'missing_field', /user_id is empty/],
    [{ event_id: "x' OR 1=1 --" }, 'invalid_value', /event_id must match pattern/],
  ])('rejects %j with a reason', (over, code, reason) => {
    const r = normalizeNative(nativeLogin(over), ctx)
    expect(r.kind).toBe('rejected')
    if (r.kind === 'rejected') {
      expect(r.code).toBe(code)
      expect(r.reason).toMatch(reason)
    }
  })

  it.each([null, 42, 'text', [1, 2], true])('rejects a payload that is not an object: %j', (payload) => {
    const r = normalizeNative(payload, ctx)
    expect(r).toEqual({ kind: 'rejected', code: 'invalid_shape', reason: 'a native event must be a JSON object' })
  })
})
