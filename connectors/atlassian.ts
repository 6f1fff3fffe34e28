// Atlassian organisation audit log (GET /admin/v1/orgs/{orgId}/events with `from`/`to` in epoch
// milliseconds and the `cursor` of `links.next`), authenticated with an organisation API key
// (`Authorization: Bearer <key>`). The API lists newest first, so this is a time-window stream
// (window.ts) whose checkpoint holds the window and the cursor. Atlassian throttles with 429 and
// Retry-After (and X-RateLimit-* headers), which the HTTP client honours.
import { ERR_CONNECTOR_PAGE } from '../core/errors.js'
import { authError, baseUrl, readSecret, requireSettings } from './auth.js'
import { parseJson, unexpectedStatus } from './http.js'
import { secondsSetting, type Connector, type ConnectorDeps } from './types.js'
import { windowedPage } from './window.js'

export interface AtlassianSettings {
  url: string
  orgId: string
  apiKey: string
  settleMs: number
}

export function atlassianSettings(env: Record<string, string | undefined>, secretFile?: string): AtlassianSettings {
  const orgId = env.PULSE_ATLASSIAN_ORG_ID ?? ''
  const apiKey = readSecret('atlassian', env, 'PULSE_ATLASSIAN_API_KEY', secretFile)
  requireSettings('atlassian', { PULSE_ATLASSIAN_ORG_ID: orgId, PULSE_ATLASSIAN_API_KEY: apiKey }, {
    PULSE_ATLASSIAN_ORG_ID: 'from admin.atlassian.com/o/<orgId>', PULSE_ATLASSIAN_API_KEY: 'or PULSE_ATLASSIAN_API_KEY_FILE / --secret-file',
  })
  return {
    url: baseUrl('atlassian', 'PULSE_ATLASSIAN_URL', env.PULSE_ATLASSIAN_URL || 'https://api.atlassian.com'),
    orgId,
    apiKey,
    settleMs: secondsSetting('atlassian', env, 'PULSE_ATLASSIAN_SETTLE_SECONDS', 120),
  }
}

/** The cursor of a `links.next` URL (or the bare cursor some responses give in `meta.next`). */
function cursorOf(links: unknown, meta: unknown): string | undefined {
  const next = links !== null && typeof links === 'object' ? (links as { next?: unknown }).next : undefined
  if (typeof next === 'string' && next) {
    try {
      return new URL(next, 'https://api.atlassian.com').searchParams.get('cursor') ?? undefined
    } catch {
      return undefined
    }
  }
  const m = meta !== null && typeof meta === 'object' ? (meta as { next?: unknown }).next : undefined
  return typeof m === 'string' && m ? m : undefined
}

export function atlassianConnector(s: AtlassianSettings, deps: ConnectorDeps): Connector {
  const path = `/admin/v1/orgs/${encodeURIComponent(s.orgId)}/events`
  const check = 'PULSE_ATLASSIAN_API_KEY (or --secret-file) is an unexpired organisation API key and PULSE_ATLASSIAN_ORG_ID is the organisation it belongs to'
  return {
    vendor: 'atlassian',
    source: 'atlassian',
    streams: [{
      name: 'events',
      initial: (sinceMs) => ({ from: sinceMs }),
      fetchPage: (cursor, signal) => windowedPage({
        windowMs: deps.windowMs,
        settleMs: s.settleMs,
        fetch: async (fromMs, toMs, next, sig) => {
          const q = new URLSearchParams({ from: String(fromMs), to: String(toMs) })
          if (next) q.set('cursor', next)
          const url = `${s.url}${path}?${q}`
          const res = await deps.http.send({ url, headers: { accept: 'application/json', authorization: `Bearer ${s.apiKey}` } }, sig)
          if (res.status === 401 || res.status === 403) throw authError('atlassian', res.status, url, check)
          if (res.status !== 200) throw unexpectedStatus('atlassian', res)
          const body = parseJson(res.text)
          if (!body.ok) throw new ERR_CONNECTOR_PAGE('atlassian', `${path} is ${body.reason}`)
          const v = body.value as { data?: unknown; links?: unknown; meta?: unknown } | null
          if (!v || typeof v !== 'object' || !Array.isArray(v.data)) throw new ERR_CONNECTOR_PAGE('atlassian', 'an events page must be an object with a "data" array')
          const c = cursorOf(v.links, v.meta)
          // An empty page that still names a cursor is the end of the window: don't loop on it.
          return { events: v.data, ...(c && v.data.length > 0 ? { next: c } : {}) }
        },
      }, cursor, signal),
    }],
  }
}
