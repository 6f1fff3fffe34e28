// The access matrix (SPEC §5): EVERY route the app registers with `config.access` × every kind of
// caller → the expected status, on the real app and embedded ClickHouse with two tenants' events.
// Routes are found as the app registers them, so a route added later is covered without editing
// this file; one this file cannot call (path parameters without a sample, a body or query it cannot
// derive from the route's schema) fails loudly, naming the route and what to add to ROUTE_SAMPLES
// (test/helpers/api.ts).
// Finance and viewer answers are searched, recursively, for anything that identifies a person.
import { isIP } from 'node:net'
import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, revokeToken, type Role } from '../../access/tokens.js'
import { API_PREFIX, type RouteAccess } from '../../analytics/access.js'
import { accessOf, call, CannotDerive, idOf, MARKERS, openApiFixture, prepareRequest as prepare, urlOf, type JsonSchema, type PreparedRequest as Prepared, type ApiFixture } from '../helpers/api.js'

type Caller = 'admin' | 'security' | 'finance' | 'viewer' | 'ingest' | 'no token' | 'revoked token' | 'expired token' | 'other tenant admin'
const ROLE_CALLERS: Role[] = ['admin', 'security', 'finance', 'viewer', 'ingest']
const CALLERS: Caller[] = [...ROLE_CALLERS, 'no token', 'revoked token', 'expired token', 'other tenant admin']

// ---- what identifies a person ---------------------------------------------------------------------

/** Keys that name or locate a person, whatever their value. */
const IDENTIFYING_KEY = /^(user|users?_?ids?|user_?name|username|user_?email|e_?mails?|email_?address|ips?|ip_?address|client_?ip|source_?ip|remote_?addr(ess)?|name|display_?name|full_?name|first_?name|last_?name)$/i
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/
/** Any word of the text that is an IPv4 or IPv6 address (with or without a port or brackets). */
function hasIp(text: string): boolean {
  return text.split(/[\s,;"'()<>{}=|/\\]+/).some((w) => {
    const bare = w.replace(/^\[|\](:\d+)?$/g, '').replace(/\.$/, '')
    return isIP(bare) !== 0 || isIP(bare.replace(/:\d{1,5}$/, '')) === 4
  })
}

/**
 * Identifying-looking keys that are known not to be about people, each only with a value of the
 * product's own vocabulary (snake_case): the name of a savings assumption, e.g. `cost_per_ticket`.
 */
const NOT_A_PERSON: { path: RegExp; value: RegExp }[] = [
  { path: /\.assumptions\[\d+\]\.name$/, value: /^[a-z][a-z0-9_]*$/ },
]

/** Where in a value something identifies a person: keys by name, strings that are e-mails or IPs. */
function identifyingParts(value: unknown, path = '$'): string[] {
  const out: string[] = []
  if (typeof value === 'string') {
    if (EMAIL.test(value)) out.push(`${path}: e-mail address ${JSON.stringify(value)}`)
    if (hasIp(value)) out.push(`${path}: IP address ${JSON.stringify(value)}`)
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...identifyingParts(v, `${path}[${i}]`)))
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const exempt = NOT_A_PERSON.some((x) => x.path.test(`${path}.${k}`) && typeof v === 'string' && x.value.test(v))
      if (IDENTIFYING_KEY.test(k) && !exempt) out.push(`${path}.${k}: identifying key`)
      out.push(...identifyingParts(k, `${path} key`).filter((p) => !p.includes('identifying key')))
      out.push(...identifyingParts(v, `${path}.${k}`))
    }
  }
  return out
}

/** The same search over any answer: JSON walked, CSV headers and cells, other text and bytes scanned. */
function leaksIn(res: { headers: Record<string, unknown>; body: string; rawPayload: Buffer }): string[] {
  const type = String(res.headers['content-type'] ?? '')
  if (res.rawPayload.length === 0) return []
  if (type.includes('json')) return identifyingParts(JSON.parse(res.body))
  if (type.includes('csv')) {
    const [header = '', ...rows] = res.body.split(/\r?\n/)
    const cols = header.split(',').map((c) => c.replace(/^"|"$/g, ''))
    return [
      ...cols.filter((c) => IDENTIFYING_KEY.test(c)).map((c) => `CSV column ${c}`),
      ...rows.flatMap((row, i) => identifyingParts(row, `CSV row ${i + 1}`)),
    ]
  }
  // HTML, plain text, and binary formats read as bytes (strings in Arrow/Parquet are stored as such).
  return identifyingParts(res.rawPayload.toString('latin1'), type || 'body')
}

// ---- the matrix ---------------------------------------------------------------------------------

let f: ApiFixture
const tokenOf: Partial<Record<Caller, string | null>> = {}
let routes: RouteOptions[] = []

beforeAll(async () => {
  // Revoked and expired tokens fail many checks from one address: lift the brake for this file.
  f = await openApiFixture({ PULSE_AUTH_FAILURES_PER_MINUTE: '100000' })
  for (const role of ROLE_CALLERS) tokenOf[role] = f.tokens.acme[role]
  tokenOf['no token'] = null
  // Admin tokens, so that revocation or expiry is the only reason to refuse them.
  const revoked = await createToken(f.t.store.client, 'acme', 'admin', 'matrix revoked')
  await revokeToken(f.t.store.client, revoked.tokenId, 'acme')
  tokenOf['revoked token'] = revoked.token
  tokenOf['expired token'] = (await createToken(f.t.store.client, 'acme', 'admin', 'matrix expired', { expiresInDays: 1, now: Date.now() - 3 * 86_400_000 })).token
  tokenOf['other tenant admin'] = f.tokens.globex.admin
  routes = f.routes.filter((r) => accessOf(r) && r.method !== 'HEAD')
})
afterAll(async () => {
  await f?.close()
})

function expectedStatus(caller: Caller, access: RouteAccess, tenantScoped: boolean): 'success' | 401 | 403 | 404 {
  if (caller === 'no token' || caller === 'revoked token' || caller === 'expired token') return 401
  if (caller === 'other tenant admin') return !access.roles.includes('admin') ? 403 : tenantScoped ? 404 : 'success'
  return access.roles.includes(caller) ? 'success' : 403
}

describe('access matrix', () => {
  it('finds the API routes (and every /api/v1 route declares access, none admits ingest)', () => {
    const ids = routes.map(idOf)
    for (const known of ['GET /api/v1/method-mix', 'GET /api/v1/tokens', 'POST /api/v1/tokens', 'DELETE /api/v1/tokens/:id']) expect(ids).toContain(known)
    for (const r of f.routes.filter((x) => x.url.startsWith(API_PREFIX))) {
      expect(accessOf(r), idOf(r)).toBeDefined()
      expect(accessOf(r)!.roles, idOf(r)).not.toContain('ingest')
    }
  })

  it('detects what identifies a person (the detector itself)', () => {
    expect(identifyingParts({ rows: [{ user_id: 'x' }] })).toEqual(['$.rows[0].user_id: identifying key'])
    expect(identifyingParts({ assumptions: [{ name: 'cost_per_ticket', value: 45 }] })).toEqual([])
    expect(identifyingParts({ assumptions: [{ name: 'Jane Doe' }] })).toEqual(['$.assumptions[0].name: identifying key'])
    expect(identifyingParts({ top: [{ name: 'cost_per_ticket' }] })).toEqual(['$.top[0].name: identifying key'])
    expect(identifyingParts({ a: ['bob@acme.example'] })).toHaveLength(1)
    expect(identifyingParts({ a: 'from 203.0.113.5' })).toHaveLength(1)
    expect(identifyingParts({ a: '2001:db8::1' })).toHaveLength(1)
    expect(identifyingParts({ a: 'seen at [2001:db8::2]:443, then 198.51.100.4:8080' })).toHaveLength(1)
    expect(identifyingParts({ bucket: '2026-10-01 09:00:00', share: 0.25, version: '1.2.3', product: 'jira' })).toEqual([])
  })

  it('every route × every caller → the expected status; finance and viewer never see a person', async () => {
    const failures: string[] = []
    let checked = 0
    for (const r of routes) {
      const access = accessOf(r)!
      for (const caller of CALLERS) {
        let req: Prepared
        try {
          req = await prepare(f, r)
        } catch (err) {
          if (err instanceof CannotDerive) { failures.push(err.message); break }
          throw err
        }
        const res = await call(f.app, { method: r.method as 'GET', url: urlOf(req), payload: req.payload as object | undefined, token: tokenOf[caller] })
        const want = expectedStatus(caller, access, req.tenantScoped)
        const got = res.statusCode
        const where = `${idOf(r)} as ${caller}`
        checked++
        if (want === 'success' ? got < 200 || got > 299 : got !== want) {
          failures.push(`${where}: expected ${want}, got ${got} ${res.body.slice(0, 300)}`)
          continue
        }
        if (want === 401) {
          const message = String(res.json().message)
          if (caller === 'revoked token' && !/revoked/.test(message)) failures.push(`${where}: 401 does not say revoked: ${message}`)
          if (caller === 'expired token' && !/expired/.test(message)) failures.push(`${where}: 401 does not say expired: ${message}`)
        }
        if (want !== 'success') continue
        const text = res.rawPayload.toString('latin1')
        const foreign = caller === 'other tenant admin' ? MARKERS.acme : MARKERS.globex
        for (const marker of Object.values(foreign)) if (text.includes(marker)) failures.push(`${where}: answer holds another tenant's "${marker}"`)
        if (caller === 'other tenant admin' && /"tenant"\s*:\s*"acme"/.test(res.body)) failures.push(`${where}: answer names tenant acme`)
        if (caller === 'finance' || caller === 'viewer') {
          for (const leak of leaksIn(res)) failures.push(`${where}: ${leak}`)
        }
      }
    }
    expect(failures).toEqual([])
    expect(checked).toBeGreaterThanOrEqual(routes.length * CALLERS.length)
  })

  it('finance and viewer answers are checked in every format a route offers', async () => {
    const failures: string[] = []
    for (const r of routes.filter((x) => x.method === 'GET')) {
      const formats = ((r.schema as JsonSchema | undefined)?.querystring?.properties?.format?.enum ?? []) as string[]
      for (const format of formats) {
        for (const caller of ['finance', 'viewer'] as const) {
          if (!accessOf(r)!.roles.includes(caller)) continue
          const res = await call(f.app, { url: urlOf(await prepare(f, r), { format }), token: tokenOf[caller] })
          if (res.statusCode !== 200) failures.push(`${idOf(r)} format=${format} as ${caller}: ${res.statusCode} ${res.body.slice(0, 200)}`)
          else for (const leak of leaksIn(res)) failures.push(`${idOf(r)} format=${format} as ${caller}: ${leak}`)
        }
      }
    }
    expect(failures).toEqual([])
  })
})
