// Microsoft Entra ID through Microsoft Graph: sign-ins (GET /v1.0/auditLogs/signIns, filtered on
// createdDateTime) and directory audits (GET /v1.0/auditLogs/directoryAudits, filtered on
// activityDateTime: security-info and passkey registrations, password resets). Graph lists newest
// first and pages with `@odata.nextLink`, so both are time-window streams (window.ts) whose checkpoint
// holds the window and the next link. Token: OAuth 2.0 client credentials at
// {authority}/{tenant}/oauth2/v2.0/token with scope {graph}/.default (application permission
// AuditLog.Read.All), refreshed once on a 401. Graph throttles with 429 and Retry-After.
import { ERR_CONNECTOR_PAGE } from '../core/errors.js'
import { authError, baseUrl, bearerGet, oauthError, readSecret, requireSettings, TokenSource } from './auth.js'
import { parseJson, sameOrigin, unexpectedStatus, type HttpClient } from './http.js'
import { pageSizeOf, secondsSetting, type Connector, type ConnectorDeps, type Stream } from './types.js'
import { windowedPage } from './window.js'

const MAX_TOP = 999

export interface EntraSettings {
  tenantId: string
  clientId: string
  clientSecret: string
  authorityUrl: string
  graphUrl: string
  settleMs: number
}

export function entraSettings(env: Record<string, string | undefined>, secretFile?: string): EntraSettings {
  const tenantId = env.PULSE_ENTRA_TENANT_ID ?? ''
  const clientId = env.PULSE_ENTRA_CLIENT_ID ?? ''
  const clientSecret = readSecret('entra', env, 'PULSE_ENTRA_CLIENT_SECRET', secretFile)
  requireSettings('entra', { PULSE_ENTRA_TENANT_ID: tenantId, PULSE_ENTRA_CLIENT_ID: clientId, PULSE_ENTRA_CLIENT_SECRET: clientSecret }, {
    PULSE_ENTRA_CLIENT_SECRET: 'or PULSE_ENTRA_CLIENT_SECRET_FILE / --secret-file',
  })
  return {
    tenantId,
    clientId,
    clientSecret,
    authorityUrl: baseUrl('entra', 'PULSE_ENTRA_AUTHORITY_URL', env.PULSE_ENTRA_AUTHORITY_URL || 'https://login.microsoftonline.com'),
    graphUrl: baseUrl('entra', 'PULSE_ENTRA_GRAPH_URL', env.PULSE_ENTRA_GRAPH_URL || 'https://graph.microsoft.com'),
    // Entra shows sign-ins a few minutes after they happen.
    settleMs: secondsSetting('entra', env, 'PULSE_ENTRA_SETTLE_SECONDS', 300),
  }
}

const CHECK = 'PULSE_ENTRA_TENANT_ID, PULSE_ENTRA_CLIENT_ID and the client secret (PULSE_ENTRA_CLIENT_SECRET or --secret-file), and that the app has the AuditLog.Read.All application permission with admin consent'

function entraTokens(s: EntraSettings, http: HttpClient): TokenSource {
  return new TokenSource(async (signal) => {
    const url = `${s.authorityUrl}/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`
    const body = new URLSearchParams({ client_id: s.clientId, client_secret: s.clientSecret, scope: `${s.graphUrl}/.default`, grant_type: 'client_credentials' })
    const res = await http.send({ url, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() }, signal)
    // AAD refuses bad client credentials with 400 or 401 and an OAuth error (invalid_client, unauthorized_client, …).
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      const code = oauthError(res.text)
      throw authError('entra', res.status, url, `${code ? `the token endpoint said ${code}; ` : ''}${CHECK}`)
    }
    if (res.status !== 200) throw unexpectedStatus('entra', res)
    const parsed = parseJson(res.text)
    const v = parsed.ok ? (parsed.value as { access_token?: unknown; expires_in?: unknown }) : null
    if (!v || typeof v.access_token !== 'string') throw new ERR_CONNECTOR_PAGE('entra', 'the token endpoint answered without an access_token')
    return { token: v.access_token, expiresIn: Number(v.expires_in) || 3600 }
  })
}

export function entraConnector(s: EntraSettings, deps: ConnectorDeps): Connector {
  const tokens = entraTokens(s, deps.http)
  const top = pageSizeOf(deps, MAX_TOP)

  function graphStream(name: string, path: string, timeField: string): Stream {
    return {
      name,
      initial: (sinceMs) => ({ from: sinceMs }),
      fetchPage: (cursor, signal) => windowedPage({
        windowMs: deps.windowMs,
        settleMs: s.settleMs,
        fetch: async (fromMs, toMs, next, sig) => {
          let url: string
          if (next) {
            url = `${s.graphUrl}${next}`
          } else {
            const q = new URLSearchParams({
              $filter: `${timeField} ge ${new Date(fromMs).toISOString()} and ${timeField} lt ${new Date(toMs).toISOString()}`,
              $top: String(top),
            })
            url = `${s.graphUrl}/v1.0/${path}?${q}`
          }
          const res = await bearerGet(deps.http, url, tokens, sig, (status) => authError('entra', status, url, CHECK))
          if (res.status !== 200) throw unexpectedStatus('entra', res)
          const body = parseJson(res.text)
          if (!body.ok) throw new ERR_CONNECTOR_PAGE('entra', `${path} is ${body.reason}`)
          const v = body.value as { value?: unknown; '@odata.nextLink'?: unknown } | null
          if (!v || typeof v !== 'object' || !Array.isArray(v.value)) throw new ERR_CONNECTOR_PAGE('entra', `a ${path} page must be an object with a "value" array`)
          let nextPath: string | undefined
          if (typeof v['@odata.nextLink'] === 'string') {
            const u = sameOrigin(v['@odata.nextLink'], s.graphUrl)
            if (!u) throw new ERR_CONNECTOR_PAGE('entra', '@odata.nextLink points to another host; the token is not sent there')
            nextPath = `${u.pathname}${u.search}`
          }
          return { events: v.value, ...(nextPath ? { next: nextPath } : {}) }
        },
      }, cursor, signal),
    }
  }

  return {
    vendor: 'entra',
    source: 'entra',
    streams: [
      graphStream('signIns', 'auditLogs/signIns', 'createdDateTime'),
      graphStream('directoryAudits', 'auditLogs/directoryAudits', 'activityDateTime'),
    ],
    preflight: async (signal) => { await tokens.get(signal) },
  }
}
