// Auth0 Management API logs (GET /api/v2/logs). Log ids grow with time, so the checkpoint is the last
// delivered `log_id` and the next page is `from=<log_id>&take=100` (oldest first). The very first page
// of a start date comes from a search (`q=date:[YYYY-MM-DD TO *]`, sorted by date ascending), after which
// the id takes over. Token: machine-to-machine client credentials at {domain}/oauth/token for the
// Management API audience (scope read:logs), refreshed once on a 401. Rate limits arrive as
// X-RateLimit-Limit/-Remaining/-Reset (epoch seconds).
import { ERR_CONNECTOR_PAGE } from '../core/errors.js'
import { authError, baseUrl, bearerGet, oauthError, readSecret, requireSettings, TokenSource } from './auth.js'
import { parseJson, unexpectedStatus, type HttpClient } from './http.js'
import { pageSizeOf, type Connector, type ConnectorDeps, type StreamCursor, type StreamPage } from './types.js'

const MAX_TAKE = 100

export interface Auth0Settings {
  url: string
  clientId: string
  clientSecret: string
  audience: string
}

export function auth0Settings(env: Record<string, string | undefined>, secretFile?: string): Auth0Settings {
  const domain = env.PULSE_AUTH0_DOMAIN ?? ''
  const clientId = env.PULSE_AUTH0_CLIENT_ID ?? ''
  const clientSecret = readSecret('auth0', env, 'PULSE_AUTH0_CLIENT_SECRET', secretFile)
  requireSettings('auth0', { PULSE_AUTH0_DOMAIN: domain, PULSE_AUTH0_CLIENT_ID: clientId, PULSE_AUTH0_CLIENT_SECRET: clientSecret }, {
    PULSE_AUTH0_DOMAIN: 'your tenant domain, e.g. acme.eu.auth0.com',
    PULSE_AUTH0_CLIENT_SECRET: 'or PULSE_AUTH0_CLIENT_SECRET_FILE / --secret-file',
  })
  const url = baseUrl('auth0', 'PULSE_AUTH0_DOMAIN', /^https?:\/\//.test(domain) ? domain : `https://${domain}`)
  return { url, clientId, clientSecret, audience: env.PULSE_AUTH0_AUDIENCE || `${url}/api/v2/` }
}

const CHECK = 'PULSE_AUTH0_DOMAIN, PULSE_AUTH0_CLIENT_ID and the client secret (PULSE_AUTH0_CLIENT_SECRET or --secret-file), and that the machine-to-machine application is authorised for the Management API with the read:logs scope'

function auth0Tokens(s: Auth0Settings, http: HttpClient): TokenSource {
  return new TokenSource(async (signal) => {
    const url = `${s.url}/oauth/token`
    const body = JSON.stringify({ grant_type: 'client_credentials', client_id: s.clientId, client_secret: s.clientSecret, audience: s.audience })
    const res = await http.send({ url, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body }, signal)
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      const code = oauthError(res.text)
      throw authError('auth0', res.status, url, `${code ? `the token endpoint said ${code}; ` : ''}${CHECK}`)
    }
    if (res.status !== 200) throw unexpectedStatus('auth0', res)
    const parsed = parseJson(res.text)
    const v = parsed.ok ? (parsed.value as { access_token?: unknown; expires_in?: unknown }) : null
    if (!v || typeof v.access_token !== 'string') throw new ERR_CONNECTOR_PAGE('auth0', 'the token endpoint answered without an access_token')
    return { token: v.access_token, expiresIn: Number(v.expires_in) || 86_400 }
  })
}

export function auth0Connector(s: Auth0Settings, deps: ConnectorDeps): Connector {
  const tokens = auth0Tokens(s, deps.http)
  const take = pageSizeOf(deps, MAX_TAKE)

  async function fetchPage(cursor: StreamCursor, signal: AbortSignal): Promise<StreamPage> {
    const startedAt = Date.now()
    const from = typeof cursor.from === 'string' && cursor.from ? cursor.from : ''
    const q = from
      ? new URLSearchParams({ from, take: String(take) })
      // The first page of the start, oldest first. Log search takes the date as YYYY-MM-DD: starting at the
      // day's beginning only adds copies, which are stored once.
      : new URLSearchParams({ q: `date:[${new Date(Number(cursor.since)).toISOString().slice(0, 10)} TO *]`, sort: 'date:1', per_page: String(take), page: '0' })
    const url = `${s.url}/api/v2/logs?${q}`
    const res = await bearerGet(deps.http, url, tokens, signal, (status) => authError('auth0', status, url, CHECK))
    if (res.status !== 200) throw unexpectedStatus('auth0', res)
    const body = parseJson(res.text)
    if (!body.ok) throw new ERR_CONNECTOR_PAGE('auth0', `/api/v2/logs is ${body.reason}`)
    if (!Array.isArray(body.value)) throw new ERR_CONNECTOR_PAGE('auth0', 'a logs page must be a JSON array of log events')
    const events = body.value as unknown[]
    const lastLog = events[events.length - 1] as { log_id?: unknown; _id?: unknown; date?: unknown } | undefined
    if (lastLog !== undefined && (lastLog === null || typeof lastLog !== 'object' || (typeof lastLog.log_id !== 'string' && typeof lastLog._id !== 'string'))) {
      // Without the last id the next page cannot be asked for: never guess past it.
      throw new ERR_CONNECTOR_PAGE('auth0', 'the last log event of the page has no log_id')
    }
    const caughtUp = events.length < take
    const lastDate = lastLog ? Date.parse(String(lastLog.date)) : NaN
    const position = caughtUp ? startedAt : Number.isFinite(lastDate) ? lastDate : Number(cursor.pos ?? startedAt)
    const nextFrom = lastLog ? String(lastLog.log_id ?? lastLog._id) : from
    const next: StreamCursor = nextFrom ? { from: nextFrom, pos: position } : { since: Number(cursor.since), pos: position }
    return { events, cursor: next, position, caughtUp }
  }

  return {
    vendor: 'auth0',
    source: 'auth0',
    streams: [{ name: 'logs', initial: (sinceMs) => ({ since: sinceMs, pos: sinceMs }), fetchPage }],
    preflight: async (signal) => { await tokens.get(signal) },
  }
}
