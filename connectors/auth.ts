// Credentials of the vendor APIs: secrets from the environment or files (never from flags, never logged),
// bearer tokens that are fetched, cached until shortly before they expire and refreshed once on a 401,
// and the one-sentence error that names the connector and what to check when the vendor refuses them.
import { secretSetting } from '../core/config.js'
import { ERR_CONNECTOR_AUTH, ERR_CONNECTOR_CONFIG } from '../core/errors.js'
import { readFileSync } from 'node:fs'
import { shortUrl, type HttpClient, type HttpResponse } from './http.js'

type Env = Record<string, string | undefined>

/**
 * The connector's main secret: the file given with --secret-file, else NAME, else the file NAME_FILE names.
 * Trailing whitespace is dropped (files usually end with a newline).
 */
export function readSecret(vendor: string, env: Env, name: string, secretFile?: string): string {
  if (secretFile) {
    try {
      return readFileSync(secretFile, 'utf8').trim()
    } catch (err) {
      throw new ERR_CONNECTOR_CONFIG(vendor, `--secret-file ${secretFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }
  return secretSetting(env, name)
}

/** Names every missing setting at once, so a first configuration needs one round, not five. */
export function requireSettings(vendor: string, values: Record<string, string>, hints: Record<string, string> = {}): void {
  const missing = Object.entries(values).filter(([, v]) => !v).map(([k]) => (hints[k] ? `${k} (${hints[k]})` : k))
  if (missing.length > 0) throw new ERR_CONNECTOR_CONFIG(vendor, `set ${missing.join(', ')}`)
}

/** A base URL from the environment, checked here so a typo fails at start and not at the first request. */
export function baseUrl(vendor: string, name: string, value: string): string {
  try {
    const u = new URL(value)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)')
    return u.href.replace(/\/+$/, '')
  } catch {
    throw new ERR_CONNECTOR_CONFIG(vendor, `${name} must be an http(s) URL, got "${value}"`)
  }
}

export function authError(vendor: string, status: number, url: string, check: string): Error {
  return new ERR_CONNECTOR_AUTH(`The ${vendor} connector was refused by ${shortUrl(url)} (HTTP ${status}): check ${check}.`)
}

export interface IssuedToken {
  token: string
  /** Lifetime in seconds, as the token endpoint says. */
  expiresIn: number
}

/** A bearer token fetched on demand and reused until a minute before it expires (or a 401 says otherwise). */
export class TokenSource {
  private current: { token: string; until: number } | null = null

  constructor(private readonly issue: (signal: AbortSignal) => Promise<IssuedToken>) {}

  async get(signal: AbortSignal): Promise<string> {
    if (this.current && Date.now() < this.current.until) return this.current.token
    const t = await this.issue(signal)
    this.current = { token: t.token, until: Date.now() + Math.max(0, t.expiresIn - 60) * 1000 }
    return t.token
  }

  invalidate(): void {
    this.current = null
  }
}

/**
 * GET with a bearer token from `tokens`: a 401 drops the token and tries once more with a fresh one
 * (it expired early, or was revoked and re-issued); a second refusal, or a 403, is a credentials error.
 */
export async function bearerGet(
  http: HttpClient, url: string, tokens: TokenSource, signal: AbortSignal, refused: (status: number) => Error,
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  for (let refreshed = false; ; refreshed = true) {
    const token = await tokens.get(signal)
    const res = await http.send({ url, headers: { accept: 'application/json', ...headers, authorization: `Bearer ${token}` } }, signal)
    if (res.status === 401 && !refreshed) {
      tokens.invalidate()
      continue
    }
    if (res.status === 401 || res.status === 403) throw refused(res.status)
    return res
  }
}

/** The `error` field of an OAuth token endpoint's refusal (RFC 6749 §5.2), for the error sentence. */
export function oauthError(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown }
    return typeof body.error === 'string' ? body.error.slice(0, 60) : ''
  } catch {
    return ''
  }
}
