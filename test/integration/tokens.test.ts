// Token administration end to end: the admin API (create, list, revoke) on the real app and embedded
// ClickHouse, expiry, tenant confinement, the configured admin token, and the `token` CLI and
// `start` with PULSE_ADMIN_TOKEN as separate processes on their own data directory.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, ensureConfiguredToken, hashToken, listTokens, revokeToken, TokenVerifier } from '../../access/tokens.js'
import { call, openApiFixture, type ApiFixture } from '../helpers/api.js'
import { assertBuilt, runCli, startCli } from '../helpers/cli.js'

let f: ApiFixture
const DAY = 86_400_000

beforeAll(async () => {
  f = await openApiFixture()
})
afterAll(async () => {
  await f?.close()
})

const admin = () => f.tokens.acme.admin

describe('admin token API', () => {
  it('creates a token shown once, usable at once with its role, listed without secret or hash', async () => {
    const res = await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: admin(), payload: { role: 'finance', name: 'quarterly report', expires_in_days: 30 } })
    expect(res.statusCode).toBe(201)
    const created = res.json()
    expect(created).toMatchObject({ role: 'finance', name: 'quarterly report', status: 'active', revoked_at: null })
    expect(created.token).toMatch(/^pp_[A-Za-z0-9_-]{32}$/)
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(30 * DAY)

    // Works for what finance may do, not for what it may not.
    const mix = await call(f.app, { url: '/api/v1/method-mix', token: created.token })
    expect(mix.statusCode).toBe(200)
    expect(mix.json().tenant).toBe('acme')
    expect((await call(f.app, { url: '/api/v1/tokens', token: created.token })).statusCode).toBe(403)

    const list = await call(f.app, { url: '/api/v1/tokens', token: admin() })
    expect(list.statusCode).toBe(200)
    const listed = list.json().tokens as Record<string, unknown>[]
    const mine = listed.find((t) => t.id === created.id)
    expect(mine).toEqual({ id: created.id, role: 'finance', name: 'quarterly report', created_at: created.created_at, expires_at: created.expires_at, revoked_at: null, status: 'active' })
    for (const t of listed) expect(Object.keys(t).sort()).toEqual(['created_at', 'expires_at', 'id', 'name', 'revoked_at', 'role', 'status'])
    expect(list.body).not.toContain(created.token)
    expect(list.body).not.toContain(hashToken(created.token))
  })

  it('stays within the admin\'s tenant: no tenant parameter, lists and revokes only its own tokens', async () => {
    const other = await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: admin(), payload: { role: 'viewer', tenant: 'globex' } })
    expect(other.statusCode).toBe(400)
    expect(other.json().message).toMatch(/unknown parameter "tenant"/)

    const globexList = (await call(f.app, { url: '/api/v1/tokens', token: f.tokens.globex.admin })).json().tokens as { name: string }[]
    expect(globexList.length).toBeGreaterThan(0)
    expect(globexList.every((t) => t.name.startsWith('globex'))).toBe(true)

    // An acme admin cannot revoke a globex token, even knowing its id: 404, and it keeps working.
    const g = await createToken(f.t.store.client, 'globex', 'viewer', 'globex viewer 2')
    const del = await call(f.app, { method: 'DELETE', url: `/api/v1/tokens/${g.tokenId}`, token: admin() })
    expect(del.statusCode).toBe(404)
    expect(del.json().message).toContain(g.tokenId)
    expect((await call(f.app, { url: '/api/v1/method-mix', token: g.token })).statusCode).toBe(200)
  })

  it('revokes at once, even a token the verifier has cached, and says so on use', async () => {
    const v = (await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: admin(), payload: { role: 'viewer' } })).json()
    expect((await call(f.app, { url: '/api/v1/method-mix', token: v.token })).statusCode).toBe(200) // now cached
    const del = await call(f.app, { method: 'DELETE', url: `/api/v1/tokens/${v.id}`, token: admin() })
    expect(del.statusCode).toBe(204)
    expect(del.body).toBe('')
    const after = await call(f.app, { url: '/api/v1/method-mix', token: v.token })
    expect(after.statusCode).toBe(401)
    expect(after.json().message).toMatch(/revoked/)
    // Listed as revoked; revoking again is harmless.
    const listed = ((await call(f.app, { url: '/api/v1/tokens', token: admin() })).json().tokens as { id: string; status: string; revoked_at: string }[]).find((t) => t.id === v.id)
    expect(listed?.status).toBe('revoked')
    expect(listed?.revoked_at).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    expect((await call(f.app, { method: 'DELETE', url: `/api/v1/tokens/${v.id}`, token: admin() })).statusCode).toBe(204)
  })

  it('refuses bad input with 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /role/],
      [{ role: 'owner' }, /role.*(admin, security, finance, viewer, ingest)/],
      [{ role: 'viewer', expires_in_days: 0 }, /expires_in_days/],
      [{ role: 'viewer', expires_in_days: 100_000 }, /expires_in_days/],
      [{ role: 'viewer', name: 'x'.repeat(201) }, /name/],
    ]
    for (const [payload, message] of cases) {
      const res = await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: admin(), payload: payload as object })
      expect({ payload, status: res.statusCode, message: res.json().message }).toEqual({ payload, status: 400, message: expect.stringMatching(message) })
    }
    const bad = await call(f.app, { method: 'DELETE', url: "/api/v1/tokens/1'%20OR%201=1", token: admin() })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/params\/id/)
  })
})

describe('expiry', () => {
  it('refuses an expired token with 401 saying it expired, and lists it as expired', async () => {
    const old = await createToken(f.t.store.client, 'acme', 'viewer', 'expired one', { expiresInDays: 1, now: Date.now() - 2 * DAY })
    const res = await call(f.app, { url: '/api/v1/method-mix', token: old.token })
    expect(res.statusCode).toBe(401)
    expect(res.json().message).toMatch(/expired at \d{4}-\d{2}-\d{2}T/)
    const listed = ((await call(f.app, { url: '/api/v1/tokens', token: admin() })).json().tokens as { id: string; status: string }[]).find((t) => t.id === old.tokenId)
    expect(listed?.status).toBe('expired')
  })

  it('judges expiry at every check, also for a cached answer', async () => {
    const verifier = new TokenVerifier(f.t.store.client, undefined, 3_600_000)
    const t = await createToken(f.t.store.client, 'acme', 'viewer', 'expires tomorrow', { expiresInDays: 1 })
    const now = Date.now()
    expect(await verifier.check(t.token, now)).toMatchObject({ ok: true })
    expect(await verifier.check(t.token, now + 2 * DAY)).toMatchObject({ ok: false, reason: 'expired' })
  })
})

describe('configured admin token (PULSE_ADMIN_TOKEN)', () => {
  it('is stored hashed once, works as admin, and a revocation outlives the configuration', async () => {
    const secret = 'configured-admin-secret-0123456789abcdef'
    expect(await ensureConfiguredToken(f.t.store.client, secret, 'acme', 'admin', 'PULSE_ADMIN_TOKEN')).toBe('created')
    expect(await ensureConfiguredToken(f.t.store.client, secret, 'acme', 'admin', 'PULSE_ADMIN_TOKEN')).toBe('present')
    expect((await listTokens(f.t.store.client, 'acme')).filter((t) => t.name === 'PULSE_ADMIN_TOKEN')).toHaveLength(1)
    expect((await call(f.app, { url: '/api/v1/tokens', token: secret })).statusCode).toBe(200)

    const [row] = (await listTokens(f.t.store.client, 'acme')).filter((t) => t.name === 'PULSE_ADMIN_TOKEN')
    expect((await revokeToken(f.t.store.client, row!.id, 'acme')).status).toBe('revoked')
    expect(await ensureConfiguredToken(f.t.store.client, secret, 'acme', 'admin', 'PULSE_ADMIN_TOKEN')).toBe('present')
    expect(await new TokenVerifier(f.t.store.client).check(secret)).toMatchObject({ ok: false, reason: 'revoked' })
  })
})

describe('CLI', () => {
  let dir: string
  beforeAll(() => {
    assertBuilt()
    dir = mkdtempSync(join(tmpdir(), 'pulse-token-cli-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('token create / list / revoke', { timeout: 120_000 }, () => {
    const env = { PULSE_DATA_DIR: dir, PULSE_DEFAULT_TENANT: 'acme' }
    const created = runCli(['token', 'create', '--role', 'security', '--name', 'soc laptop', '--expires-days', '7'], env)
    expect(created.status, created.stderr).toBe(0)
    const secret = created.stdout.trim()
    expect(secret).toMatch(/^pp_\S+$/)
    const id = /token ([0-9a-f]{12}) \(security, tenant acme, expires /.exec(created.stderr)?.[1]
    expect(id).toBeDefined()
    expect(runCli(['token', 'create', '--role', 'viewer', '--tenant', 'globex'], env).status).toBe(0)

    const list = runCli(['token', 'list', '--json'], env)
    expect(list.status, list.stderr).toBe(0)
    const rows = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(rows.map((r) => `${r.tenant}/${r.role}/${r.status}`).sort()).toEqual(['acme/security/active', 'globex/viewer/active'])
    expect(list.stdout).not.toContain(secret)
    expect(list.stdout).not.toContain(hashToken(secret))
    const table = runCli(['token', 'list', '--tenant', 'acme'], env)
    expect(table.stdout).toMatch(/^ID\s+TENANT\s+ROLE\s+STATUS\s+CREATED\s+EXPIRES\s+NAME$/m)
    expect(table.stdout).toContain('soc laptop')
    expect(table.stdout).not.toContain('globex')

    expect(runCli(['token', 'revoke', id!, '--tenant', 'globex'], env).status).toBe(1)
    const revoked = runCli(['token', 'revoke', id!], env)
    expect(revoked.status, revoked.stderr).toBe(0)
    expect(revoked.stdout).toMatch(/^revoked: [0-9a-f]{12} \(security, tenant acme\)/)
    const after = runCli(['token', 'list', '--tenant', 'acme', '--json'], env)
    expect(JSON.parse(after.stdout.trim()).status).toBe('revoked')
    const bad = runCli(['token', 'revoke', "x' OR 1=1"], env)
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/not a token id/)
    expect(runCli(['token', 'create', '--role', 'viewer', '--expires-days', '0'], env).status).not.toBe(0)
  })

  it('start with PULSE_ADMIN_TOKEN: the configured token is the admin, none is printed for it', { timeout: 120_000 }, async () => {
    const dataDir = join(dir, 'start')
    const secret = 'start-admin-secret-0123456789abcdefghij'
    const env: Record<string, string> = { PULSE_DATA_DIR: dataDir, PULSE_ADMIN_TOKEN: secret, PULSE_DEFAULT_TENANT: 'acme', PORT: '0', PULSE_INGEST_TOKEN: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }
    const c = startCli(['start'], env)
    try {
      const deadline = Date.now() + 90_000
      while (!/Press Ctrl\+C/.test(c.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
      const out = c.output()
      expect(out).toMatch(/admin token: {2}the one in PULSE_ADMIN_TOKEN/)
      expect(out).toMatch(/ingest token: pp_\S+/)
      expect(out).not.toContain(secret)
      const base = /Dashboard: {2}(http:\/\/\S+)\//.exec(out)?.[1]
      expect(base).toBeDefined()
      const res = await fetch(`${base}/api/v1/tokens`, { headers: { authorization: `Bearer ${secret}` } })
      expect(res.status).toBe(200)
      const names = ((await res.json()) as { tokens: { name: string; role: string }[] }).tokens.map((t) => `${t.role}:${t.name}`).sort()
      expect(names).toEqual(['admin:PULSE_ADMIN_TOKEN', 'ingest:first ingest'])
    } finally {
      c.proc.kill('SIGTERM')
      await c.exited
    }
    // A configured token that is too short is refused at start.
    const weak = runCli(['start'], { ...env, PULSE_DATA_DIR: join(dir, 'weak'), PULSE_ADMIN_TOKEN: 'short' })
    expect(weak.status).not.toBe(0)
    expect(weak.stderr).toMatch(/PULSE_ADMIN_TOKEN must be at least 24 characters/)
  })
})
