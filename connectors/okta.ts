// Okta System Log API (GET /api/v1/logs), polled the way Okta documents it: a first request with
// `since` (ascending by time), then the `Link: <…>; rel="next"` URL, which carries the `after` cursor
// and stays valid for polling even when a page is empty. The checkpoint is that next link (path and
// query), so a restart asks for exactly the page after the last one delivered. Rate limits arrive as
// X-Rate-Limit-Limit/-Remaining/-Reset (epoch seconds); the HTTP client waits for the reset.
// Auth: an API token (`Authorization: SSWS <token>`) or an OAuth 2.0 access token (`Bearer`).
import { ERR_CONNECTOR_CONFIG, ERR_CONNECTOR_PAGE } from '../core/errors.js'
import { authError, baseUrl, readSecret, requireSettings } from './auth.js'
import { parseJson, sameOrigin, unexpectedStatus } from './http.js'
import { pageSizeOf, type Connector, type ConnectorDeps, type StreamCursor, type StreamPage } from './types.js'

const MAX_LIMIT = 1000

export interface OktaSettings {
  url: string
  token: string
  tokenType: 'SSWS' | 'Bearer'
}

export function oktaSettings(env: Record<string, string | undefined>, secretFile?: string): OktaSettings {
  const url = env.PULSE_OKTA_URL ?? ''
  const token = readSecret('okta', env, 'PULSE_OKTA_TOKEN', secretFile)
  requireSettings('okta', { PULSE_OKTA_URL: url, PULSE_OKTA_TOKEN: token }, {
    PULSE_OKTA_URL: 'your Okta org, e.g. https://acme.okta.com', PULSE_OKTA_TOKEN: 'an API token, or PULSE_OKTA_TOKEN_FILE / --secret-file',
  })
  const type = (env.PULSE_OKTA_TOKEN_TYPE ?? 'SSWS').trim()
  if (type !== 'SSWS' && type !== 'Bearer') throw new ERR_CONNECTOR_CONFIG('okta', `PULSE_OKTA_TOKEN_TYPE is SSWS (API token) or Bearer (OAuth access token), got "${type}"`)
  return { url: baseUrl('okta', 'PULSE_OKTA_URL', url), token, tokenType: type }
}

/** The URLs of a Link header by relation (`<url>; rel="next", <url>; rel="self"`). */
export function parseLinks(header: string | null): Record<string, string> {
  const out: Record<string, string> = {}
  if (!header) return out
  for (const m of header.matchAll(/<([^>]+)>\s*;\s*rel="?([^";,]+)"?/g)) out[m[2]!.trim()] = m[1]!
  return out
}

function firstRequest(sinceMs: number, limit: number): string {
  const q = new URLSearchParams({ since: new Date(sinceMs).toISOString(), limit: String(limit), sortOrder: 'ASCENDING' })
  return `/api/v1/logs?${q}`
}

export function oktaConnector(s: OktaSettings, deps: ConnectorDeps): Connector {
  const limit = pageSizeOf(deps, MAX_LIMIT)
  const refused = (status: number, url: string) => authError('okta', status, url,
    'PULSE_OKTA_TOKEN (or --secret-file) is an active token allowed to read the System Log, PULSE_OKTA_TOKEN_TYPE matches it, and PULSE_OKTA_URL is your Okta org')

  async function fetchPage(cursor: StreamCursor, signal: AbortSignal): Promise<StreamPage> {
    const path = String(cursor.url)
    const url = `${s.url}${path}`
    const startedAt = Date.now()
    const res = await deps.http.send({ url, headers: { accept: 'application/json', authorization: `${s.tokenType} ${s.token}` } }, signal)
    if (res.status === 401 || res.status === 403) throw refused(res.status, url)
    if (res.status !== 200) throw unexpectedStatus('okta', res)
    const body = parseJson(res.text)
    if (!body.ok) throw new ERR_CONNECTOR_PAGE('okta', `${path.split('?')[0]} is ${body.reason}`)
    if (!Array.isArray(body.value) || body.value.some((e) => e === null || typeof e !== 'object')) {
      throw new ERR_CONNECTOR_PAGE('okta', 'a System Log page must be a JSON array of events')
    }
    const events = body.value as Record<string, unknown>[]
    const last = events.length > 0 ? Date.parse(String(events[events.length - 1]!.published)) : NaN
    const caughtUp = events.length < limit
    const position = caughtUp ? startedAt : Number.isFinite(last) ? last : Number(cursor.pos ?? startedAt)
    const next = parseLinks(res.headers.get('link')).next
    let nextPath: string
    if (next) {
      const u = sameOrigin(next, s.url)
      if (!u) throw new ERR_CONNECTOR_PAGE('okta', 'the next link points to another host; the token is not sent there')
      nextPath = `${u.pathname}${u.search}`
    } else {
      // No next link (not expected when polling): continue from the newest event seen; its copy is a harmless duplicate.
      nextPath = firstRequest(Number.isFinite(last) ? last : Number(cursor.pos ?? startedAt), limit)
    }
    return { events, cursor: { url: nextPath, pos: position }, position, caughtUp }
  }

  return {
    vendor: 'okta',
    source: 'okta',
    streams: [{ name: 'logs', initial: (sinceMs) => ({ url: firstRequest(sinceMs, limit), pos: sinceMs }), fetchPage }],
  }
}
