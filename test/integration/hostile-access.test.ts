// Hostile access (issue 8), each case with the status it must get, on the real app and embedded
// ClickHouse with two tenants' events (acme and globex, test/helpers/api.ts):
//  - tokens: missing, wrong, malformed, revoked, expired → 401; ingest used for reading → 403;
//    finance asking for user-level data → 403;
//  - cross-tenant: acme naming globex by parameter, header or body, and acme using globex's alert and
//    token ids → 404 (never 403, which would confirm the id exists); answers never hold globex's rows;
//  - SQL injection in path parameters and in the bodies of settings, alert rules, policy, channels
//    and tokens → 400 or a harmless answer, the stored events untouched;
//  - oversized (body → 413, URL or header over Node's limit → 431 on a real socket) and malformed
//    requests (bad JSON, a poisoned prototype, wrong media type → 415, repeated parameters, bad
//    percent-encoding) → 4xx with a JSON {code, message}, never a 5xx.
// The access matrix (access-matrix.test.ts) walks every route × role; this file is the adversary's list.
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, revokeToken } from '../../access/tokens.js'
import { API_PREFIX } from '../../analytics/access.js'
import { saveAlerts } from '../../alerts/store.js'
import { accessOf, call, idOf, MARKERS, openApiFixture, prepareRequest, urlOf, type ApiFixture } from '../helpers/api.js'
import { count } from '../helpers/store.js'

const MAX_BODY = 64 * 1024
let f: ApiFixture
let getRoutes: RouteOptions[] = []
let revoked: string
let expired: string
let globexAlert: string
let globexTokenId: string
let globexToken: string
let eventsBefore: number

const CLICKHOUSE_WORDS = /DB::Exception|Code: \d{2,}|SYNTAX_ERROR|Syntax error|UNKNOWN_(IDENTIFIER|TABLE|FUNCTION|SETTING)|TYPE_MISMATCH|CANNOT_PARSE|clickhouse|chdb/i
const SQL = ["' OR 1=1 --", "x'); DROP TABLE auth_events; --", "globex' OR tenant='globex", '{tenant:String}', "\\' UNION SELECT * FROM api_tokens --"]

beforeAll(async () => {
  // Many refused tokens come from one address here: lift the brake (api-security.test.ts tests it).
  f = await openApiFixture({ PULSE_AUTH_FAILURES_PER_MINUTE: '100000', PULSE_MAX_BODY_BYTES: String(MAX_BODY) })
  getRoutes = f.routes.filter((r) => r.method === 'GET' && r.url.startsWith(API_PREFIX) && accessOf(r))
  const r = await createToken(f.t.store.client, 'acme', 'admin', 'hostile revoked')
  await revokeToken(f.t.store.client, r.tokenId, 'acme')
  revoked = r.token
  expired = (await createToken(f.t.store.client, 'acme', 'admin', 'hostile expired', { expiresInDays: 1, now: Date.now() - 3 * 86_400_000 })).token
  const g = await createToken(f.t.store.client, 'globex', 'viewer', 'globex victim')
  globexTokenId = g.tokenId
  globexToken = g.token
  globexAlert = 'ab'.repeat(16)
  const now = Date.now()
  await saveAlerts(f.t.store.client, [{
    alert_id: globexAlert, tenant: 'globex', rule: 'password_fallback', severity: 'medium', subject_kind: 'user', subject: `user4@${MARKERS.globex.domain}`,
    title: 'globex only alert', first_seen: now, last_seen: now, window_end: now + 3_600_000, count: 1, evidence: [], details: {}, silenced: false, created_at: now,
  }])
  eventsBefore = await count(f.t.store, 'SELECT count() AS n FROM auth_events')
}, 180_000)
afterAll(async () => {
  await f?.close()
})

/** A refusal as every 4xx must look: JSON with a code and a sentence. */
function expectRefusal(res: { statusCode: number; body: string; json(): unknown }, status: number, where: string): void {
  expect(res.statusCode, `${where}: ${res.body.slice(0, 300)}`).toBe(status)
  const body = res.json() as { code?: unknown; message?: unknown }
  expect(typeof body.code, where).toBe('string')
  expect(typeof body.message === 'string' && body.message.length > 0, where).toBe(true)
  expect(res.body, where).not.toMatch(CLICKHOUSE_WORDS)
}

const acmeAdmin = () => f.tokens.acme.admin

describe('tokens', () => {
  const cases: [string, () => Record<string, string>, number, RegExp][] = [
    ['no token', () => ({}), 401, /token is required/],
    ['an unknown token', () => ({ authorization: 'Bearer pp_definitelynotatokenatall000000000000' }), 401, /unknown or revoked/],
    ['a token one character off', () => ({ authorization: `Bearer ${f.tokens.acme.admin.slice(0, -1)}${f.tokens.acme.admin.endsWith('A') ? 'B' : 'A'}` }), 401, /unknown or revoked/],
    ['SQL as the token', () => ({ authorization: "Bearer ' OR 1=1 --" }), 401, /unknown or revoked/],
    ['a 10 kB token', () => ({ authorization: `Bearer ${'x'.repeat(10_000)}` }), 401, /unknown or revoked/],
    ['"Bearer" and nothing', () => ({ authorization: 'Bearer ' }), 401, /token is required/],
    ['Basic credentials', () => ({ authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }), 401, /token is required/],
    ['the token without "Bearer"', () => ({ authorization: f.tokens.acme.admin }), 401, /token is required/],
    ['a revoked token', () => ({ authorization: `Bearer ${revoked}` }), 401, /revoked/],
    ['an expired token', () => ({ authorization: `Bearer ${expired}` }), 401, /expired/],
    ['a revoked token in X-Pulse-Token', () => ({ 'x-pulse-token': revoked }), 401, /revoked/],
    // Authorization wins over X-Pulse-Token: a bad bearer is not rescued by a good second header.
    ['a wrong bearer with a good X-Pulse-Token', () => ({ authorization: 'Bearer wrong', 'x-pulse-token': f.tokens.acme.admin }), 401, /unknown or revoked/],
  ]

  it.each(cases)('%s → %i on every GET API route', async (what, headers, status, message) => {
    for (const r of getRoutes) {
      const req = await prepareRequest(f, r)
      const res = await call(f.app, { url: urlOf(req), headers: headers() })
      expectRefusal(res, status, `${idOf(r)} with ${what}`)
      expect(res.json<{ message: string }>().message, `${idOf(r)} with ${what}`).toMatch(message)
    }
  })

  it('an ingest token may write events but read nothing: 403 on every GET API route', async () => {
    for (const r of getRoutes) {
      const res = await call(f.app, { url: urlOf(await prepareRequest(f, r)), token: f.tokens.acme.ingest })
      expectRefusal(res, 403, `${idOf(r)} as ingest`)
      expect(res.json<{ message: string }>().message).toMatch(/ingest token may not/)
    }
  })

  it('finance and viewer asking for user-level data: 403 on every route that names people', async () => {
    const identifying = getRoutes.filter((r) => !accessOf(r)!.roles.includes('finance'))
    expect(identifying.map((r) => r.url)).toEqual(expect.arrayContaining(['/api/v1/users/fallbacks', '/api/v1/users/without-passkey', '/api/v1/users/privileged-not-covered']))
    for (const r of identifying) {
      for (const role of ['finance', 'viewer'] as const) {
        const res = await call(f.app, { url: urlOf(await prepareRequest(f, r)), token: f.tokens.acme[role] })
        expectRefusal(res, 403, `${idOf(r)} as ${role}`)
      }
    }
    // Nor through the ROI report in any format: finance may read it, a viewer may not.
    expectRefusal(await call(f.app, { url: '/api/v1/reports/roi?format=csv', token: f.tokens.acme.viewer }), 403, 'roi as viewer')
  })

  it('read-only roles cannot change anything: 403 on every write route', async () => {
    const writes = f.routes.filter((r) => r.url.startsWith(API_PREFIX) && accessOf(r) && ['POST', 'PUT', 'DELETE', 'PATCH'].includes(String(r.method)))
    expect(writes.length).toBeGreaterThan(5)
    for (const r of writes) {
      if (accessOf(r)!.roles.includes('security')) continue // acknowledge / resolve: security's job
      const req = await prepareRequest(f, r)
      for (const role of ['security', 'finance', 'viewer', 'ingest'] as const) {
        const res = await call(f.app, { method: r.method as 'POST', url: urlOf(req), payload: req.payload as object, token: f.tokens.acme[role] })
        expectRefusal(res, 403, `${idOf(r)} as ${role}`)
      }
    }
  })
})

describe('cross-tenant', () => {
  it('acme naming globex in the query → 400 (no such parameter), or ignored where a route declares no querystring', async () => {
    for (const r of getRoutes) {
      const base = await prepareRequest(f, r)
      const takesQuery = (r.schema as { querystring?: object } | undefined)?.querystring !== undefined
      for (const name of ['tenant', 'tenant_id', 'org', 'organization']) {
        const res = await call(f.app, { url: urlOf(base, { [name]: 'globex' }), token: acmeAdmin() })
        if (takesQuery) {
          expectRefusal(res, 400, `${idOf(r)} ${name}=globex`)
          expect(res.json<{ message: string }>().message).toContain(name)
        } else {
          // A route that declares no querystring (one alert, the token list, /me) reads none: acme's answer.
          expect(res.statusCode, `${idOf(r)} ${name}=globex: ${res.body.slice(0, 200)}`).toBe(200)
          for (const marker of Object.values(MARKERS.globex)) expect(res.body, idOf(r)).not.toContain(marker)
          expect(res.body).not.toMatch(/"tenant"\s*:\s*"globex"/)
        }
      }
    }
  })

  it('acme naming globex in headers → ignored: the answer is acme\'s own, without a trace of globex', async () => {
    for (const r of getRoutes) {
      const url = urlOf(await prepareRequest(f, r))
      const res = await call(f.app, { url, token: acmeAdmin(), headers: { 'x-pulse-tenant': 'globex', 'x-tenant-id': 'globex', 'x-forwarded-host': 'globex.example', forwarded: 'for=1.2.3.4;host=globex' } })
      expect(res.statusCode, `${idOf(r)}: ${res.body.slice(0, 200)}`).toBe(200)
      const text = res.rawPayload.toString('latin1')
      for (const marker of Object.values(MARKERS.globex)) expect(text, idOf(r)).not.toContain(marker)
      if (String(res.headers['content-type']).includes('json')) expect(res.body).not.toMatch(/"tenant"\s*:\s*"(?!acme")/)
    }
  })

  it('each tenant\'s answers hold its own rows only (both directions, every GET API route)', async () => {
    for (const [me, other] of [['acme', 'globex'], ['globex', 'acme']] as const) {
      for (const r of getRoutes) {
        const req = await prepareRequest(f, r)
        const res = await call(f.app, { url: urlOf(req), token: f.tokens[me].admin })
        // A route naming one of acme's resources (an alert) is a 404 for globex.
        expect(res.statusCode, idOf(r)).toBe(req.tenantScoped && me === 'globex' ? 404 : 200)
        const text = res.rawPayload.toString('latin1')
        for (const marker of Object.values(MARKERS[other])) expect(text, `${idOf(r)} as ${me}`).not.toContain(marker)
      }
      // And a route that lists people does list this tenant's own.
      const users = await call(f.app, { url: `/api/v1/users/fallbacks?from=${new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10)}`, token: f.tokens[me].admin })
      expect(users.statusCode, users.body).toBe(200)
      expect(users.body).toContain(MARKERS[me].domain)
    }
  })

  it('globex\'s alert id used by acme → 404 for read, acknowledge and resolve; the alert is untouched', async () => {
    for (const [method, path] of [['GET', ''], ['POST', '/acknowledge'], ['POST', '/resolve']] as const) {
      const res = await call(f.app, { method, url: `/api/v1/alerts/${globexAlert}${path}`, token: acmeAdmin() })
      expectRefusal(res, 404, `${method} alerts/:id${path}`)
      expect(res.body).not.toContain(MARKERS.globex.domain)
    }
    const own = await call(f.app, { url: `/api/v1/alerts/${globexAlert}`, token: f.tokens.globex.admin })
    expect(own.statusCode).toBe(200)
    expect(own.json()).toMatchObject({ id: globexAlert, state: 'open' })
    // Listing and filtering never surface it either.
    const list = await call(f.app, { url: '/api/v1/alerts?state=open&from=2000-01-01', token: acmeAdmin() })
    expect(list.statusCode).toBe(200)
    expect(list.body).not.toContain(globexAlert)
  })

  it('globex\'s token id revoked by acme → 404, and the token still works for globex', async () => {
    const res = await call(f.app, { method: 'DELETE', url: `/api/v1/tokens/${globexTokenId}`, token: acmeAdmin() })
    expectRefusal(res, 404, 'DELETE globex token as acme')
    expect((await call(f.app, { url: '/api/v1/me', token: globexToken })).json()).toMatchObject({ tenant: 'globex', role: 'viewer' })
    const listed = (await call(f.app, { url: '/api/v1/tokens', token: acmeAdmin() })).body
    expect(listed).not.toContain(globexTokenId)
  })

  it('a tenant in a body is refused (400), never obeyed', async () => {
    const token = await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: acmeAdmin(), payload: { role: 'admin', name: 'x', tenant: 'globex' } })
    expectRefusal(token, 400, 'POST tokens with tenant')
    const settings = await call(f.app, { method: 'PUT', url: '/api/v1/settings/assumptions', token: acmeAdmin(), payload: { tenant: 'globex', cost_per_ticket_mid: 999 } })
    expectRefusal(settings, 400, 'PUT settings with tenant')
    const globexSettings = (await call(f.app, { url: '/api/v1/settings/assumptions', token: f.tokens.globex.admin })).body
    expect(globexSettings).not.toContain('999')
    const channel = await call(f.app, { method: 'PUT', url: '/api/v1/alerts/channels/hostile', token: acmeAdmin(), payload: { kind: 'webhook', url: 'https://hooks.example.com/x', tenant: 'globex' } })
    expectRefusal(channel, 400, 'PUT channel with tenant')
  })

  it('the same channel id in two tenants is two channels: acme cannot overwrite globex\'s', async () => {
    const put = (tenant: 'acme' | 'globex', url: string) => call(f.app, { method: 'PUT', url: '/api/v1/alerts/channels/shared-id', token: f.tokens[tenant].admin, payload: { kind: 'webhook', url, secret: 'shared-id-secret-0123456789' } })
    const g = await put('globex', 'https://hooks.example.com/globex')
    expect(g.statusCode, g.body).toBe(200)
    const a = await put('acme', 'https://hooks.example.com/acme')
    expect(a.statusCode, a.body).toBe(200)
    const globex = (await call(f.app, { url: '/api/v1/alerts/channels', token: f.tokens.globex.admin })).body
    expect(globex).toContain('hooks.example.com/globex')
    expect(globex).not.toContain('hooks.example.com/acme')
  })
})

describe('SQL injection in path parameters and bodies', () => {
  it('path parameters: 400 (pattern) or 404, never a 5xx', async () => {
    for (const attack of SQL) {
      const enc = encodeURIComponent(attack)
      for (const [method, url, codes] of [
        ['GET', `/api/v1/alerts/${enc}`, [400]], ['POST', `/api/v1/alerts/${enc}/acknowledge`, [400]], ['POST', `/api/v1/alerts/${enc}/resolve`, [400]],
        ['PUT', `/api/v1/alerts/rules/${enc}`, [400]], ['PUT', `/api/v1/alerts/channels/${enc}`, [400]], ['DELETE', `/api/v1/tokens/${enc}`, [400, 404]],
      ] as const) {
        const res = await call(f.app, { method, url, token: acmeAdmin(), payload: method === 'PUT' || method === 'POST' ? {} : undefined })
        expect(codes as readonly number[], `${method} ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(res.statusCode)
        expectRefusal(res, res.statusCode, `${method} ${url}`)
      }
    }
  })

  it('settings, rules, policy, channels and tokens: an attack as a value is refused (400) or stored as plain text', async () => {
    for (const attack of SQL) {
      // Numbers and dates: the schema or the checks refuse text.
      for (const field of ['cost_per_ticket_mid', 'baseline_from', 'default_reset_rate']) {
        const res = await call(f.app, { method: 'PUT', url: '/api/v1/settings/assumptions', token: acmeAdmin(), payload: { [field]: attack, ...(field === 'baseline_from' ? { baseline_to: '2026-01-01' } : {}) } })
        expectRefusal(res, 400, `settings ${field}=${attack}`)
      }
      expectRefusal(await call(f.app, { method: 'PUT', url: '/api/v1/alerts/policy', token: acmeAdmin(), payload: { privileged_device_bound_required: attack } }), 400, `policy ${attack}`)
      expectRefusal(await call(f.app, { method: 'PUT', url: '/api/v1/alerts/rules/password_fallback', token: acmeAdmin(), payload: { enabled: attack } }), 400, `rule enabled=${attack}`)
      expectRefusal(await call(f.app, { method: 'PUT', url: '/api/v1/alerts/channels/sqli', token: acmeAdmin(), payload: { kind: 'webhook', url: attack } }), 400, `channel url=${attack}`)
      expectRefusal(await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: acmeAdmin(), payload: { role: attack, name: 'x' } }), 400, `token role=${attack}`)
      // Free text is stored exactly as given and harms nothing.
      const secret = `${attack}-padding-to-16-chars`
      const ch = await call(f.app, { method: 'PUT', url: '/api/v1/alerts/channels/sqli-text', token: acmeAdmin(), payload: { kind: 'webhook', url: `https://hooks.example.com/${encodeURIComponent(attack)}`, secret } })
      expect(ch.statusCode, ch.body).toBe(200)
      const tok = await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: acmeAdmin(), payload: { role: 'viewer', name: attack } })
      expect(tok.statusCode, tok.body).toBe(201)
      const listed = (await call(f.app, { url: '/api/v1/tokens', token: acmeAdmin() })).json<{ tokens: { id: string; name: string }[] }>().tokens
      expect(listed.find((t) => t.id === tok.json<{ id: string }>().id)?.name).toBe(attack)
    }
    // Nothing was dropped, rewritten or added to the events.
    expect(await count(f.t.store, 'SELECT count() AS n FROM auth_events')).toBe(eventsBefore)
    expect(await count(f.t.store, "SELECT count() AS n FROM system.tables WHERE name IN ('auth_events', 'api_tokens', 'dead_letters')")).toBeGreaterThanOrEqual(3)
  })
})

describe('oversized and malformed requests', () => {
  it('a body over PULSE_MAX_BODY_BYTES → 413 with a JSON message, on the collector and on the API', async () => {
    const big = { name: 'x'.repeat(MAX_BODY), role: 'viewer' }
    expectRefusal(await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: acmeAdmin(), payload: big }), 413, 'POST tokens, big')
    expectRefusal(await call(f.app, { method: 'PUT', url: '/api/v1/settings/assumptions', token: acmeAdmin(), payload: { pad: 'x'.repeat(MAX_BODY) } }), 413, 'PUT settings, big')
    const events = await call(f.app, { method: 'POST', url: '/v1/events?source=native', token: f.tokens.acme.ingest, payload: `[${'"x",'.repeat(MAX_BODY / 4)}"x"]`, headers: { 'content-type': 'application/json' } })
    expectRefusal(events, 413, 'POST events, big')
    expect(events.json<{ message: string }>().message).toMatch(/PULSE_MAX_BODY_BYTES/)
  })

  it('a URL over Node\'s header limit → 431 on a real socket; a header over it is cut off; the server keeps serving', async () => {
    await f.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = f.app.server.address() as AddressInfo
    const raw = (path: string, headers: Record<string, string> = {}) => new Promise<{ status: number; body: string }>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${acmeAdmin()}`, ...headers } }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => { body += c.toString() })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      // Node may close the socket while an oversized header is still being sent: no answer, no processing.
      req.on('error', (err) => resolve({ status: 0, body: err.message }))
      req.end()
    })
    expect((await raw(`/api/v1/method-mix?product=${'x'.repeat(20_000)}`)).status).toBe(431)
    expect([0, 431]).toContain((await raw('/api/v1/method-mix', { 'x-filler': 'y'.repeat(20_000) })).status)
    // Under the limit but over the schema: the usual 400.
    expect((await raw(`/api/v1/method-mix?product=${'x'.repeat(5_000)}`)).status).toBe(400)
    expect((await raw('/api/v1/me')).status).toBe(200)
  })

  it('malformed bodies → 400 with a JSON message', async () => {
    const cases: [string, string, string][] = [
      ['cut JSON', '{"role": "viewer", "name": ', 'application/json'],
      ['not JSON', "role=viewer&name=x' OR 1=1", 'application/json'],
      ['a JSON string', '"viewer"', 'application/json'],
      ['a JSON array', '[{"role":"viewer"}]', 'application/json'],
      ['__proto__ pollution', '{"role":"viewer","name":"x","__proto__":{"role":"admin"}}', 'application/json'],
      ['constructor.prototype pollution', '{"role":"viewer","name":"x","constructor":{"prototype":{"admin":true}}}', 'application/json'],
      ['an empty body', '', 'application/json'],
      ['duplicate keys', '{"role":"viewer","role":"admin","name":"dup"}', 'application/json'],
    ]
    for (const [what, payload, type] of cases) {
      const res = await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: acmeAdmin(), payload, headers: { 'content-type': type } })
      if (what === 'duplicate keys') {
        // JSON.parse keeps the last: an admin token, as if the body had said so once. Not a 5xx, not two roles.
        expect(res.statusCode, res.body).toBe(201)
        expect(res.json()).toMatchObject({ role: 'admin' })
        continue
      }
      expectRefusal(res, 400, what)
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
  })

  it('a media type the route does not read → 415', async () => {
    for (const [method, url] of [['POST', '/api/v1/tokens'], ['PUT', '/api/v1/settings/assumptions'], ['PUT', '/api/v1/alerts/policy'], ['POST', '/v1/events?source=native']] as const) {
      for (const type of ['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png']) {
        const token = url.startsWith('/v1/') ? f.tokens.acme.ingest : acmeAdmin()
        const res = await call(f.app, { method, url, token, payload: '<a>1</a>', headers: { 'content-type': type } })
        expectRefusal(res, 415, `${method} ${url} as ${type}`)
      }
    }
  })

  it('repeated, bracketed and badly encoded parameters → 400; unknown paths and methods → 404', async () => {
    const token = acmeAdmin()
    expectRefusal(await call(f.app, { url: '/api/v1/users/fallbacks?limit=1&limit=2', token }), 400, 'limit twice')
    expectRefusal(await call(f.app, { url: '/api/v1/method-mix?bucket=day&bucket=week', token }), 400, 'bucket twice')
    expectRefusal(await call(f.app, { url: '/api/v1/method-mix?product[]=jira', token }), 400, 'product[]')
    expectRefusal(await call(f.app, { url: '/api/v1/method-mix?product[$ne]=x', token }), 400, 'product[$ne]')
    expectRefusal(await call(f.app, { url: '/api/v1/method-mix?product=%00', token }), 400, 'NUL')
    expectRefusal(await call(f.app, { url: '/api/v1/alerts/%E0%A4%A', token }), 400, 'bad percent-encoding in the path')
    const badQuery = await call(f.app, { url: '/api/v1/method-mix?product=%E0%A4%A', token })
    expect([200, 400], badQuery.body).toContain(badQuery.statusCode)
    expectRefusal(await call(f.app, { method: 'DELETE', url: '/api/v1/summary', token }), 404, 'DELETE summary')
    expectRefusal(await call(f.app, { url: '/api/v1/../../etc/passwd', token }), 404, 'path traversal')
    expectRefusal(await call(f.app, { url: '/api/v2/summary', token }), 404, 'unknown version')
  })
})
