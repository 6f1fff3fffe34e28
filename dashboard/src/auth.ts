// The API token of this browser tab: kept in sessionStorage (gone when the tab closes), taken once from a
// `#token=…` sign-in link (then removed from the address bar and history), and resolved to a role.
import { Api, ApiError } from './api.js'
import { EP } from './endpoints.js'

export type Role = 'admin' | 'security' | 'finance' | 'viewer'

export interface Session {
  token: string
  tenant: string
  role: Role
  api: Api
}

const KEY = 'passkey-pulse.token'

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY)
  } catch {
    return null
  }
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token)
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY)
}

/** Reads `#token=…` from the address, once: the token leaves the URL (and the history entry) immediately. */
export function takeTokenFromLink(): string | null {
  const hash = window.location.hash.replace(/^#/, '')
  if (!hash) return null
  const params = new URLSearchParams(hash)
  const token = params.get('token')
  if (!token) return null
  params.delete('token')
  const rest = params.toString()
  history.replaceState(history.state, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`)
  return token.trim()
}

/** Who the token is (GET /api/v1/me). Rejects with the API's message for an unknown, revoked or expired token. */
export async function resolveSession(token: string): Promise<Session> {
  const api = new Api(token)
  const me = await api.json<{ tenant: string; role: string }>(EP.me)
  if (me.role === 'ingest') {
    throw new ApiError(403, 'This is an ingest token: it can send events but not read the dashboard. Use an admin, security, finance or viewer token.', EP.me)
  }
  return { token, tenant: me.tenant, role: me.role as Role, api }
}

export const canSeePeople = (role: Role): boolean => role === 'admin' || role === 'security'
