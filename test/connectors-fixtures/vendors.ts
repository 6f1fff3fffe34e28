// Local stand-ins for the vendors' audit-log APIs, on 127.0.0.1, for the connector tests.
//
// These servers exist only because the real Okta, Microsoft Graph, Google, Auth0 and Atlassian APIs cannot
// be reached from the test environment. Each implements what its vendor documents and the connector relies
// on: the paging (Okta `Link: rel="next"` with an `after` cursor; Graph `@odata.nextLink`; Google
// `nextPageToken`; Auth0 `from`/`take` by log id and the `q=date:[… TO *]` search; Atlassian `links.next`
// with a `cursor`), the time filters, the ordering (Okta and Auth0 oldest first, the others newest first),
// the rate-limit headers, the token handshakes (client credentials, a verified RS256 service-account JWT)
// and the error bodies. Pages are served from the fixtures beside this file. Faults (a 429, a stall, an
// expired token, a malformed page) are switched on per test through `faults`.
import { createVerify, generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../../core/paths.js'

export type FakeVendorName = 'okta' | 'entra' | 'google-workspace' | 'auth0' | 'atlassian'

export const FIXTURE_DIR = join(PROJECT_ROOT, 'test', 'connectors-fixtures')

export function fixture<T = unknown>(vendor: FakeVendorName, file: string): T {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, vendor, file), 'utf8')) as T
}

/** A data request as the server saw it. */
export interface SeenRequest {
  /** Arrival time (epoch ms, this machine's clock). */
  at: number
  method: string
  path: string
  query: URLSearchParams
  authorization: string
  /** The status answered; 0 while stalled (never answered). */
  status: number
  /** For a 429: the earliest time the server allowed the next request (Retry-After or rate-limit reset). */
  retryNotBefore?: number
}

export interface Faults {
  /** Answer 429 to the data request with this index (0-based over all data requests). */
  rateLimitAt?: number
  /** Never answer data requests from this index on (the client sees a stalled page). */
  stallFrom?: number
  /** Serve the data request with this index as invalid JSON, or as JSON of the wrong shape. */
  malformedAt?: number
  malformedKind?: 'json' | 'shape'
  /** Expire the current access token after this many successful data pages (OAuth vendors). */
  expireTokenAfterPages?: number
  /** The token endpoint (or the API, for static keys) refuses the credentials. */
  refuseCredentials?: boolean
}

export interface FakeVendor {
  vendor: FakeVendorName
  url: string
  /** Data requests (token requests are counted in tokenRequests). */
  requests: SeenRequest[]
  tokenRequests: number
  faults: Faults
  /** The PULSE_* settings pointing a connector at this server, with valid credentials. */
  env(): Record<string, string>
  /** The connector's main secret (what --secret-file would hold). */
  secret: string
  close(): Promise<void>
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = ''
  for await (const chunk of req) s += String(chunk)
  return s
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const unb64 = <T>(s: string): T | null => {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as T
  } catch {
    return null
  }
}

interface Ctx {
  url: URL
  req: IncomingMessage
  res: ServerResponse
  base: string
  seen: SeenRequest
  /** Serves a page of a data response, applying the malformed fault. */
  page(status: number, body: unknown, headers?: Record<string, string>): void
}

/** Events of [from, to) by their time, newest first (Graph, Google and Atlassian order). */
function windowOf<T>(events: T[], timeOf: (e: T) => string, from: number, to: number): T[] {
  return events.filter((e) => { const t = Date.parse(timeOf(e)); return t >= from && t < to }).sort((a, b) => Date.parse(timeOf(b)) - Date.parse(timeOf(a)))
}

export async function startFakeVendor(vendor: FakeVendorName, options: { pageSize?: number } = {}): Promise<FakeVendor> {
  const faults: Faults = {}
  const requests: SeenRequest[] = []
  const pageSize = options.pageSize ?? 3
  let tokenRequests = 0
  let tokenSerial = 0
  const validTokens = new Set<string>()
  let pagesOnToken = 0
  const secret = `${vendor}-secret-${Math.random().toString(36).slice(2)}-DO-NOT-LOG`
  const clientId = `client-${vendor}`
  const keys = vendor === 'google-workspace' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : null
  const serviceAccount = keys
    ? JSON.stringify({ type: 'service_account', project_id: 'pulse-test', private_key_id: 'k1', private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), client_email: 'pulse-reader@pulse-test.iam.gserviceaccount.com', client_id: '1234567890', token_uri: 'https://oauth2.googleapis.com/token' })
    : ''
  const googleAdmin = 'admin@acme.example'
  let base = ''

  const issueToken = (res: ServerResponse, expiresIn = 3599) => {
    const token = `at-${vendor}-${++tokenSerial}`
    validTokens.add(token)
    pagesOnToken = 0
    send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn })
  }

  /** Bearer check for OAuth vendors: unknown or expired tokens get the vendor's 401. */
  const bearerOk = (ctx: Ctx, expired: unknown): boolean => {
    const token = ctx.seen.authorization.replace(/^Bearer /, '')
    if (!validTokens.has(token)) {
      ctx.seen.status = 401
      send(ctx.res, 401, expired, vendor === 'entra' ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {})
      return false
    }
    return true
  }

  /** Counts a served page against the token's lifetime (the expired-token fault). */
  const notePage = (ctx: Ctx) => {
    pagesOnToken++
    if (faults.expireTokenAfterPages !== undefined && pagesOnToken >= faults.expireTokenAfterPages) {
      validTokens.delete(ctx.seen.authorization.replace(/^Bearer /, ''))
      faults.expireTokenAfterPages = undefined
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Per-vendor handlers; each returns false when the path is not its API.

  const okta = (ctx: Ctx): boolean => {
    if (ctx.url.pathname !== '/api/v1/logs') return false
    if (faults.refuseCredentials || ctx.seen.authorization !== `SSWS ${secret}`) {
      ctx.seen.status = 401
      send(ctx.res, 401, fixture('okta', 'error-invalid-token.json'))
      return true
    }
    const all = fixture<{ published: string }[]>('okta', 'system-log.json')
    const q = ctx.url.searchParams
    const limit = Math.min(Number(q.get('limit') ?? 100), 1000)
    // The `after` cursor names the last event delivered; without it, `since` filters on time.
    const after = q.get('after')
    let startIndex: number
    if (after) {
      const c = unb64<{ i: number }>(after)
      if (!c) { ctx.seen.status = 400; send(ctx.res, 400, { errorCode: 'E0000001', errorSummary: 'Api validation failed: after' }); return true }
      startIndex = c.i + 1
    } else {
      const since = Date.parse(q.get('since') ?? '')
      startIndex = all.findIndex((e) => Date.parse(e.published) >= since)
      if (startIndex < 0) startIndex = all.length
    }
    const events = all.slice(startIndex, startIndex + limit)
    const lastIndex = startIndex + events.length - 1
    const next = new URLSearchParams({ limit: String(limit), sortOrder: 'ASCENDING', after: b64({ i: events.length > 0 ? lastIndex : startIndex - 1 }) })
    const reset = Math.ceil(Date.now() / 1000) + 60
    // Polling requests always get a next link, even on an empty page (Okta's documented polling behaviour).
    ctx.page(200, events, {
      link: `<${base}/api/v1/logs?${q}>; rel="self", <${base}/api/v1/logs?${next}>; rel="next"`,
      'x-rate-limit-limit': '120', 'x-rate-limit-remaining': '119', 'x-rate-limit-reset': String(reset),
    })
    return true
  }

  const entra = (ctx: Ctx): boolean => {
    const { pathname } = ctx.url
    if (pathname.endsWith('/oauth2/v2.0/token')) return false
    const streams: Record<string, { file: string; field: string }> = {
      '/v1.0/auditLogs/signIns': { file: 'sign-ins.json', field: 'createdDateTime' },
      '/v1.0/auditLogs/directoryAudits': { file: 'directory-audits.json', field: 'activityDateTime' },
    }
    const s = streams[pathname]
    if (!s) return false
    if (!bearerOk(ctx, fixture('entra', 'error-token-expired.json'))) return true
    const q = ctx.url.searchParams
    const filter = q.get('$filter') ?? ''
    const m = new RegExp(`^${s.field} ge (\\S+) and ${s.field} lt (\\S+)$`).exec(filter)
    if (!m) { ctx.seen.status = 400; send(ctx.res, 400, { error: { code: 'BadRequest', message: `Invalid filter clause: ${filter}` } }); return true }
    const top = Math.min(Number(q.get('$top') ?? 1000), 1000)
    const skip = q.get('$skiptoken') ? unb64<{ o: number }>(q.get('$skiptoken')!)?.o ?? 0 : 0
    const events = windowOf(fixture<Record<string, string>[]>('entra', s.file), (e) => e[s.field]!, Date.parse(m[1]!), Date.parse(m[2]!))
    const slice = events.slice(skip, skip + top)
    const body: Record<string, unknown> = { '@odata.context': `${base}/v1.0/$metadata#auditLogs/${pathname.split('/').pop()}`, value: slice }
    if (skip + top < events.length) {
      const nq = new URLSearchParams({ $filter: filter, $top: String(top), $skiptoken: b64({ o: skip + top }) })
      body['@odata.nextLink'] = `${base}${pathname}?${nq}`
    }
    notePage(ctx)
    ctx.page(200, body)
    return true
  }

  const entraToken = async (ctx: Ctx): Promise<boolean> => {
    if (!/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(ctx.url.pathname) || ctx.req.method !== 'POST') return false
    tokenRequests++
    const form = new URLSearchParams(await readBody(ctx.req))
    const ok = !faults.refuseCredentials && ctx.url.pathname === '/tenant-1/oauth2/v2.0/token' && form.get('client_id') === clientId &&
      form.get('client_secret') === secret && form.get('grant_type') === 'client_credentials' && (form.get('scope') ?? '').endsWith('/.default')
    if (!ok) { send(ctx.res, 401, fixture('entra', 'error-invalid-client.json')); return true }
    issueToken(ctx.res)
    return true
  }

  const google = (ctx: Ctx): boolean => {
    if (ctx.url.pathname !== '/admin/reports/v1/activity/users/all/applications/login') return false
    if (!bearerOk(ctx, fixture('google-workspace', 'error-token-expired.json'))) return true
    const q = ctx.url.searchParams
    const from = Date.parse(q.get('startTime') ?? '')
    const to = q.get('endTime') ? Date.parse(q.get('endTime')!) : Date.now()
    const max = Math.min(Number(q.get('maxResults') ?? 1000), 1000)
    const tok = q.get('pageToken')
    const offset = tok ? unb64<{ o: number; from: number; to: number }>(tok) : { o: 0, from, to }
    if (!offset || offset.from !== from || offset.to !== to) {
      ctx.seen.status = 400
      send(ctx.res, 400, { error: { code: 400, message: 'Invalid value for: pageToken', status: 'INVALID_ARGUMENT' } })
      return true
    }
    const events = windowOf(fixture<{ id: { time: string } }[]>('google-workspace', 'login-activities.json'), (e) => e.id.time, from, to)
    const slice = events.slice(offset.o, offset.o + max)
    const body: Record<string, unknown> = { kind: 'admin#reports#activities', etag: '"pulse/test"' }
    // Google leaves `items` out when there is no activity.
    if (slice.length > 0) body.items = slice
    if (offset.o + max < events.length) body.nextPageToken = b64({ o: offset.o + max, from, to })
    notePage(ctx)
    ctx.page(200, body)
    return true
  }

  /** Verifies the RS256 service-account assertion the way Google's token endpoint does. */
  const googleToken = async (ctx: Ctx): Promise<boolean> => {
    if (ctx.url.pathname !== '/token' || ctx.req.method !== 'POST') return false
    tokenRequests++
    const form = new URLSearchParams(await readBody(ctx.req))
    const [h, c, sig] = (form.get('assertion') ?? '').split('.')
    let ok = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && Boolean(h && c && sig) && !faults.refuseCredentials
    if (ok) {
      const verifier = createVerify('RSA-SHA256')
      verifier.update(`${h}.${c}`)
      const header = unb64<{ alg?: string }>(h!)
      const claims = unb64<{ iss?: string; sub?: string; scope?: string; aud?: string; exp?: number }>(c!)
      ok = header?.alg === 'RS256' && verifier.verify(keys!.publicKey, sig!, 'base64url') &&
        claims?.iss === 'pulse-reader@pulse-test.iam.gserviceaccount.com' && claims.sub === googleAdmin &&
        (claims.scope ?? '').split(' ').includes('https://www.googleapis.com/auth/admin.reports.audit.readonly') &&
        claims.aud === `${base}/token` && (claims.exp ?? 0) * 1000 > Date.now()
    }
    if (!ok) { send(ctx.res, 400, fixture('google-workspace', 'error-invalid-grant.json')); return true }
    issueToken(ctx.res)
    return true
  }

  const auth0 = (ctx: Ctx): boolean => {
    if (ctx.url.pathname !== '/api/v2/logs') return false
    if (!bearerOk(ctx, fixture('auth0', 'error-token-expired.json'))) return true
    const all = fixture<{ log_id: string; date: string }[]>('auth0', 'logs.json')
    const q = ctx.url.searchParams
    let events: typeof all
    if (q.get('from')) {
      // Log ids are ordered: everything after `from`, oldest first, `take` of them (at most 100).
      const from = q.get('from')!
      events = all.filter((e) => e.log_id > from).slice(0, Math.min(Number(q.get('take') ?? 50), 100))
    } else {
      const m = /^date:\[(\S+) TO \*\]$/.exec(q.get('q') ?? '')
      if (!m || q.get('sort') !== 'date:1') { ctx.seen.status = 400; send(ctx.res, 400, { statusCode: 400, error: 'Bad Request', message: 'Invalid query' }); return true }
      const perPage = Math.min(Number(q.get('per_page') ?? 50), 100)
      const page = Number(q.get('page') ?? 0)
      events = all.filter((e) => Date.parse(e.date) >= Date.parse(m[1]!)).slice(page * perPage, (page + 1) * perPage)
    }
    notePage(ctx)
    ctx.page(200, events, { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '49', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) })
    return true
  }

  const auth0Token = async (ctx: Ctx): Promise<boolean> => {
    if (ctx.url.pathname !== '/oauth/token' || ctx.req.method !== 'POST') return false
    tokenRequests++
    let body: Record<string, unknown> = {}
    try { body = JSON.parse(await readBody(ctx.req)) as Record<string, unknown> } catch { /* refused below */ }
    const ok = !faults.refuseCredentials && body.grant_type === 'client_credentials' && body.client_id === clientId && body.client_secret === secret && body.audience === `${base}/api/v2/`
    if (!ok) { send(ctx.res, 401, fixture('auth0', 'error-access-denied.json')); return true }
    issueToken(ctx.res, 86_400)
    return true
  }

  const atlassian = (ctx: Ctx): boolean => {
    const m = /^\/admin\/v1\/orgs\/([^/]+)\/events$/.exec(ctx.url.pathname)
    if (!m) return false
    if (faults.refuseCredentials || ctx.seen.authorization !== `Bearer ${secret}` || m[1] !== 'org-1') {
      ctx.seen.status = 401
      send(ctx.res, 401, fixture('atlassian', 'error-unauthorized.json'))
      return true
    }
    const q = ctx.url.searchParams
    const from = Number(q.get('from') ?? 0)
    const to = Number(q.get('to') ?? Date.now())
    const cursor = q.get('cursor') ? unb64<{ o: number }>(q.get('cursor')!)?.o ?? 0 : 0
    const events = windowOf(fixture<{ attributes: { time: string } }[]>('atlassian', 'events.json'), (e) => e.attributes.time, from, to)
    const slice = events.slice(cursor, cursor + pageSize)
    const links: Record<string, string> = { self: `${base}${ctx.url.pathname}?${q}` }
    if (cursor + pageSize < events.length) {
      const nq = new URLSearchParams({ from: String(from), to: String(to), cursor: b64({ o: cursor + pageSize }) })
      links.next = `${base}${ctx.url.pathname}?${nq}`
    }
    ctx.page(200, { data: slice, links, meta: { page_size: pageSize } }, {
      'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '999', 'x-ratelimit-reset': new Date(Date.now() + 60_000).toISOString(),
    })
    return true
  }

  const tokenHandlers: Record<FakeVendorName, ((ctx: Ctx) => Promise<boolean>) | null> = {
    okta: null, entra: entraToken, 'google-workspace': googleToken, auth0: auth0Token, atlassian: null,
  }
  const dataHandlers: Record<FakeVendorName, (ctx: Ctx) => boolean> = {
    okta, entra, 'google-workspace': google, auth0, atlassian,
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base)
      const seen: SeenRequest = { at: Date.now(), method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, authorization: String(req.headers.authorization ?? ''), status: 200 }
      const ctx: Ctx = {
        url, req, res, base, seen,
        page: (status, body, headers = {}) => {
          const kind = faults.malformedAt === index ? faults.malformedKind ?? 'json' : null
          if (kind === 'json') return send(res, status, '{"data": [ {"truncated": tr', headers)
          if (kind === 'shape') return send(res, status, { unexpected: 'shape', items: 'not-a-list', value: 42, data: null }, headers)
          send(res, status, body, headers)
        },
      }
      const tokenHandler = tokenHandlers[vendor]
      if (tokenHandler && (await tokenHandler(ctx))) return
      // A data request: record it, then apply the faults that act before the vendor answers.
      const index = requests.length
      requests.push(seen)
      if (faults.stallFrom !== undefined && index >= faults.stallFrom) {
        seen.status = 0 // never answered
        return
      }
      if (faults.rateLimitAt === index) {
        seen.status = 429
        if (vendor === 'okta') {
          // Okta sends no Retry-After: the reset time (epoch seconds) says when to come back.
          const reset = Math.ceil(Date.now() / 1000) + 1
          seen.retryNotBefore = reset * 1000
          return send(res, 429, fixture('okta', 'error-rate-limit.json'), { 'x-rate-limit-limit': '120', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) })
        }
        seen.retryNotBefore = Date.now() + 1000
        const body = vendor === 'entra' ? fixture('entra', 'error-throttled.json') : vendor === 'google-workspace' ? fixture('google-workspace', 'error-rate-limit.json')
          : vendor === 'auth0' ? fixture('auth0', 'error-rate-limit.json') : fixture('atlassian', 'error-rate-limit.json')
        return send(res, 429, body, { 'retry-after': '1' })
      }
      if (!dataHandlers[vendor](ctx)) {
        seen.status = 404
        send(res, 404, { error: 'not found' })
      }
    })().catch((err: Error) => { res.statusCode = 500; res.end(err.message) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const env = (): Record<string, string> => {
    switch (vendor) {
      case 'okta': return { PULSE_OKTA_URL: base, PULSE_OKTA_TOKEN: secret }
      case 'entra': return {
        PULSE_ENTRA_TENANT_ID: 'tenant-1', PULSE_ENTRA_CLIENT_ID: clientId, PULSE_ENTRA_CLIENT_SECRET: secret,
        PULSE_ENTRA_AUTHORITY_URL: base, PULSE_ENTRA_GRAPH_URL: base, PULSE_ENTRA_SETTLE_SECONDS: '0',
      }
      case 'google-workspace': return {
        PULSE_GOOGLE_SERVICE_ACCOUNT: serviceAccount, PULSE_GOOGLE_ADMIN_EMAIL: googleAdmin,
        PULSE_GOOGLE_TOKEN_URL: `${base}/token`, PULSE_GOOGLE_API_URL: base, PULSE_GOOGLE_SETTLE_SECONDS: '0',
      }
      case 'auth0': return { PULSE_AUTH0_DOMAIN: base, PULSE_AUTH0_CLIENT_ID: clientId, PULSE_AUTH0_CLIENT_SECRET: secret }
      case 'atlassian': return { PULSE_ATLASSIAN_URL: base, PULSE_ATLASSIAN_ORG_ID: 'org-1', PULSE_ATLASSIAN_API_KEY: secret, PULSE_ATLASSIAN_SETTLE_SECONDS: '0' }
    }
  }

  return {
    vendor,
    url: base,
    requests,
    get tokenRequests() { return tokenRequests },
    faults,
    env,
    secret: vendor === 'google-workspace' ? serviceAccount : secret,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The events a vendor's fixtures hold, as the connector should deliver them (ids to check delivery by). */
export function fixtureEvents(vendor: FakeVendorName): { payload: unknown; id: string }[] {
  switch (vendor) {
    case 'okta': return fixture<{ uuid: string }[]>('okta', 'system-log.json').map((e) => ({ payload: e, id: e.uuid }))
    case 'entra': return [
      ...fixture<{ id: string }[]>('entra', 'sign-ins.json').map((e) => ({ payload: e, id: e.id })),
      ...fixture<{ id: string }[]>('entra', 'directory-audits.json').map((e) => ({ payload: e, id: e.id })),
    ]
    case 'google-workspace': return fixture<{ id: { uniqueQualifier: string } }[]>('google-workspace', 'login-activities.json').map((e) => ({ payload: e, id: e.id.uniqueQualifier }))
    case 'auth0': return fixture<{ log_id: string }[]>('auth0', 'logs.json').map((e) => ({ payload: e, id: e.log_id }))
    case 'atlassian': return fixture<{ id: string }[]>('atlassian', 'events.json').map((e) => ({ payload: e, id: e.id }))
  }
}

/** The vendor id of a raw payload as delivered (for checking what arrived). */
export function idOf(vendor: FakeVendorName, payload: unknown): string {
  const p = payload as Record<string, unknown>
  switch (vendor) {
    case 'okta': return String(p.uuid)
    case 'entra': return String(p.id)
    case 'google-workspace': return String((p.id as { uniqueQualifier: string }).uniqueQualifier)
    case 'auth0': return String(p.log_id)
    case 'atlassian': return String(p.id)
  }
}
