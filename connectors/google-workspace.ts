// Google Workspace Admin SDK Reports API: login activities
// (GET /admin/reports/v1/activity/users/all/applications/login with startTime, endTime, maxResults and
// pageToken). Google lists newest first, so this is a time-window stream (window.ts) whose checkpoint
// holds the window and the page token. Auth: a service account with domain-wide delegation signs a JWT
// (RS256, node:crypto) for an administrator (`sub`) with the reports audit scope and exchanges it at the
// token endpoint (the key file's token_uri, or PULSE_GOOGLE_TOKEN_URL) for an access token.
import { createSign } from 'node:crypto'
import { ERR_CONNECTOR_CONFIG, ERR_CONNECTOR_PAGE } from '../core/errors.js'
import { authError, baseUrl, bearerGet, oauthError, readSecret, requireSettings, TokenSource } from './auth.js'
import { parseJson, unexpectedStatus, type HttpClient } from './http.js'
import { pageSizeOf, secondsSetting, type Connector, type ConnectorDeps } from './types.js'
import { windowedPage } from './window.js'

const MAX_RESULTS = 1000
const SCOPE = 'https://www.googleapis.com/auth/admin.reports.audit.readonly'

export interface GoogleSettings {
  clientEmail: string
  privateKey: string
  /** The administrator the service account acts for (domain-wide delegation `sub`). */
  adminEmail: string
  tokenUrl: string
  apiUrl: string
  customerId: string
  settleMs: number
}

export function googleSettings(env: Record<string, string | undefined>, secretFile?: string): GoogleSettings {
  const keyText = readSecret('google-workspace', env, 'PULSE_GOOGLE_SERVICE_ACCOUNT', secretFile)
  const adminEmail = env.PULSE_GOOGLE_ADMIN_EMAIL ?? ''
  requireSettings('google-workspace', { PULSE_GOOGLE_SERVICE_ACCOUNT: keyText, PULSE_GOOGLE_ADMIN_EMAIL: adminEmail }, {
    PULSE_GOOGLE_SERVICE_ACCOUNT: 'the service-account key JSON, or PULSE_GOOGLE_SERVICE_ACCOUNT_FILE / --secret-file',
    PULSE_GOOGLE_ADMIN_EMAIL: 'an administrator the service account may act for',
  })
  let key: { client_email?: unknown; private_key?: unknown; token_uri?: unknown }
  try {
    key = JSON.parse(keyText) as typeof key
  } catch {
    throw new ERR_CONNECTOR_CONFIG('google-workspace', 'the service-account key is not JSON (download it as JSON from the Cloud console)')
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new ERR_CONNECTOR_CONFIG('google-workspace', 'the service-account key lacks client_email or private_key')
  }
  const tokenUrl = env.PULSE_GOOGLE_TOKEN_URL || (typeof key.token_uri === 'string' ? key.token_uri : 'https://oauth2.googleapis.com/token')
  return {
    clientEmail: key.client_email,
    privateKey: key.private_key,
    adminEmail,
    tokenUrl: baseUrl('google-workspace', 'PULSE_GOOGLE_TOKEN_URL', tokenUrl),
    apiUrl: baseUrl('google-workspace', 'PULSE_GOOGLE_API_URL', env.PULSE_GOOGLE_API_URL || 'https://admin.googleapis.com'),
    customerId: env.PULSE_GOOGLE_CUSTOMER_ID ?? '',
    // Google documents a lag of minutes to hours for login activities; ten minutes catches most.
    settleMs: secondsSetting('google-workspace', env, 'PULSE_GOOGLE_SETTLE_SECONDS', 600),
  }
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url')

/** The signed assertion of RFC 7523 that Google's token endpoint exchanges for an access token. */
export function serviceAccountAssertion(s: GoogleSettings, nowS = Math.floor(Date.now() / 1000)): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))
  const claims = b64url(JSON.stringify({ iss: s.clientEmail, sub: s.adminEmail, scope: SCOPE, aud: s.tokenUrl, iat: nowS, exp: nowS + 3600 }))
  const signer = createSign('RSA-SHA256')
  signer.update(`${header}.${claims}`)
  let signature: string
  try {
    signature = signer.sign(s.privateKey, 'base64url')
  } catch {
    throw new ERR_CONNECTOR_CONFIG('google-workspace', 'the service-account private_key is not a usable RSA key')
  }
  return `${header}.${claims}.${signature}`
}

const CHECK = 'the service-account key (PULSE_GOOGLE_SERVICE_ACCOUNT or --secret-file), that domain-wide delegation grants it the admin.reports.audit.readonly scope, and that PULSE_GOOGLE_ADMIN_EMAIL is an administrator'

function googleTokens(s: GoogleSettings, http: HttpClient): TokenSource {
  return new TokenSource(async (signal) => {
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: serviceAccountAssertion(s) })
    const res = await http.send({ url: s.tokenUrl, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() }, signal)
    // Google refuses a bad assertion or a missing delegation with 400 invalid_grant / unauthorized_client.
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      const code = oauthError(res.text)
      throw authError('google-workspace', res.status, s.tokenUrl, `${code ? `the token endpoint said ${code}; ` : ''}${CHECK}`)
    }
    if (res.status !== 200) throw unexpectedStatus('google-workspace', res)
    const parsed = parseJson(res.text)
    const v = parsed.ok ? (parsed.value as { access_token?: unknown; expires_in?: unknown }) : null
    if (!v || typeof v.access_token !== 'string') throw new ERR_CONNECTOR_PAGE('google-workspace', 'the token endpoint answered without an access_token')
    return { token: v.access_token, expiresIn: Number(v.expires_in) || 3600 }
  })
}

export function googleWorkspaceConnector(s: GoogleSettings, deps: ConnectorDeps): Connector {
  const tokens = googleTokens(s, deps.http)
  const maxResults = pageSizeOf(deps, MAX_RESULTS)
  const path = '/admin/reports/v1/activity/users/all/applications/login'
  return {
    vendor: 'google-workspace',
    source: 'google_workspace',
    streams: [{
      name: 'login',
      initial: (sinceMs) => ({ from: sinceMs }),
      fetchPage: (cursor, signal) => windowedPage({
        windowMs: deps.windowMs,
        settleMs: s.settleMs,
        fetch: async (fromMs, toMs, pageToken, sig) => {
          const q = new URLSearchParams({ startTime: new Date(fromMs).toISOString(), endTime: new Date(toMs).toISOString(), maxResults: String(maxResults) })
          if (s.customerId) q.set('customerId', s.customerId)
          if (pageToken) q.set('pageToken', pageToken)
          const url = `${s.apiUrl}${path}?${q}`
          const res = await bearerGet(deps.http, url, tokens, sig, (status) => authError('google-workspace', status, url, CHECK))
          if (res.status !== 200) throw unexpectedStatus('google-workspace', res)
          const body = parseJson(res.text)
          if (!body.ok) throw new ERR_CONNECTOR_PAGE('google-workspace', `${path} is ${body.reason}`)
          const v = body.value as { items?: unknown; nextPageToken?: unknown } | null
          // A window without activity has no `items` at all.
          if (!v || typeof v !== 'object' || (v.items !== undefined && !Array.isArray(v.items))) {
            throw new ERR_CONNECTOR_PAGE('google-workspace', 'an activities page must be an object with an "items" array')
          }
          const events = (v.items as unknown[] | undefined) ?? []
          return { events, ...(typeof v.nextPageToken === 'string' && v.nextPageToken ? { next: v.nextPageToken } : {}) }
        },
      }, cursor, signal),
    }],
    preflight: async (signal) => { await tokens.get(signal) },
  }
}
