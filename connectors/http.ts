// The one HTTP client of the connectors: Node's built-in fetch, retrying 429, 5xx and network errors
// with the wait the vendor asks for (Retry-After, or its rate-limit reset header), else exponential
// backoff with jitter; and pausing before the next request when the vendor says the quota is spent.
// Other statuses (2xx, 4xx) go back to the caller, which knows what they mean for its vendor.
import { setTimeout as sleep } from 'node:timers/promises'
import { ERR_CONNECTOR_HTTP } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { connectorRetries } from '../core/metrics.js'

export interface HttpRequest {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
}

export interface HttpResponse {
  status: number
  headers: Headers
  text: string
  url: string
}

export interface HttpClientOptions {
  /** Connector name, for metrics, logs and errors. */
  connector: string
  log: Logger
  maxAttempts: number
  backoffMs: number
  timeoutMs: number
  /** Longest single wait, whatever a header says (a bogus reset time must not park the poller for days). */
  maxWaitMs?: number
}

const RETRIED = new Set([429, 500, 502, 503, 504])
const REMAINING = ['x-rate-limit-remaining', 'x-ratelimit-remaining', 'ratelimit-remaining']
const RESET = ['x-rate-limit-reset', 'x-ratelimit-reset', 'ratelimit-reset']

function firstHeader(headers: Headers, names: readonly string[]): string | null {
  for (const n of names) {
    const v = headers.get(n)
    if (v !== null && v.trim() !== '') return v.trim()
  }
  return null
}

/** Milliseconds to wait from `Retry-After`: delay-seconds or an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const v = headers.get('retry-after')?.trim()
  if (!v) return null
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000)
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

/**
 * Epoch ms at which a vendor's rate-limit window resets. Vendors disagree on the unit: Okta and
 * Auth0 send epoch seconds, some send epoch ms, the IETF draft sends seconds from now, Atlassian
 * an ISO date. Detected by magnitude, never assumed.
 */
export function rateLimitResetAt(headers: Headers, now = Date.now()): number | null {
  const v = firstHeader(headers, RESET)
  if (v === null) return null
  if (/^\d+(\.\d+)?$/.test(v)) {
    const n = Number(v)
    if (n > 1e12) return n
    if (n > 1e9) return n * 1000
    return now + n * 1000
  }
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : at
}

export function rateLimitRemaining(headers: Headers): number | null {
  const v = firstHeader(headers, REMAINING)
  return v !== null && /^\d+$/.test(v) ? Number(v) : null
}

/** Where a request went, without its query (page tokens and filters make logs long and say nothing). */
export function shortUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return '(invalid url)'
  }
}

export class HttpClient {
  /** Epoch ms before which no request is sent: the vendor said its quota is spent until then. */
  private notBefore = 0
  private readonly maxWaitMs: number

  constructor(private readonly o: HttpClientOptions) {
    this.maxWaitMs = o.maxWaitMs ?? 15 * 60_000
  }

  async send(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    let attempt = 0
    for (;;) {
      attempt++
      const pause = this.notBefore - Date.now()
      if (pause > 0) await sleep(Math.min(pause, this.maxWaitMs), undefined, { signal })
      let res: Response
      let text: string
      try {
        res = await fetch(req.url, {
          method: req.method ?? 'GET',
          headers: req.headers,
          body: req.body,
          redirect: 'error',
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.o.timeoutMs)]),
        })
        text = await res.text()
      } catch (err) {
        if (signal.aborted) throw err
        const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : networkReason(err)
        await this.retryOrThrow(attempt, 'network', `${shortUrl(req.url)}: ${reason}`, null, signal)
        continue
      }
      this.noteQuota(res.headers)
      if (!RETRIED.has(res.status)) return { status: res.status, headers: res.headers, text, url: req.url }
      const reason = res.status === 429 ? 'rate_limited' : 'server_error'
      // On 429 the vendor's reset time is the wait when it sends no Retry-After.
      const asked = retryAfterMs(res.headers) ?? (res.status === 429 ? resetWait(res.headers) : null)
      await this.retryOrThrow(attempt, reason, `${shortUrl(req.url)} answered HTTP ${res.status}`, asked, signal)
    }
  }

  private noteQuota(headers: Headers): void {
    if (rateLimitRemaining(headers) !== 0) return
    const reset = rateLimitResetAt(headers)
    if (reset !== null && reset > Date.now()) {
      this.notBefore = reset
      this.o.log.info({ connector: this.o.connector, until: new Date(reset).toISOString() }, 'vendor rate limit spent: pausing until it resets')
    }
  }

  private async retryOrThrow(attempt: number, reason: string, what: string, askedMs: number | null, signal: AbortSignal): Promise<void> {
    if (attempt >= this.o.maxAttempts) throw new ERR_CONNECTOR_HTTP(this.o.connector, `${what} (${attempt} attempts)`)
    connectorRetries.inc({ connector: this.o.connector, reason })
    const backoff = Math.min(60_000, this.o.backoffMs * 2 ** (attempt - 1))
    // Full jitter on our own backoff; the vendor's own wait is honoured as given.
    const waitMs = Math.min(this.maxWaitMs, askedMs ?? Math.round(backoff / 2 + Math.random() * backoff / 2))
    this.o.log.warn({ connector: this.o.connector, reason, attempt, waitMs, vendorAsked: askedMs !== null }, `${what}; retrying`)
    await sleep(waitMs, undefined, { signal })
  }
}

function resetWait(headers: Headers): number | null {
  const at = rateLimitResetAt(headers)
  return at === null ? null : Math.max(0, at - Date.now())
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (err as Error).message
}

/** Parses a JSON body, or says in one phrase why it is not JSON (for a malformed-page error). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` }
  }
}

/** Follows a vendor's next link only on the host the credentials belong to. */
export function sameOrigin(link: string, base: string): URL | null {
  try {
    const u = new URL(link, base)
    return u.origin === new URL(base).origin ? u : null
  } catch {
    return null
  }
}

/** The vendor's own words from an error body (Okta errorSummary, Graph error.message, OAuth error_description, …). */
export function vendorMessage(text: string): string {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return ''
  }
  if (body === null || typeof body !== 'object') return ''
  const b = body as Record<string, unknown>
  const err = b.error
  const nested = err !== null && typeof err === 'object' ? (err as Record<string, unknown>).message : undefined
  const candidates = [b.errorSummary, nested, b.error_description, b.message, typeof err === 'string' ? err : undefined]
  const found = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '')
  return found ? found.replace(/\s+/g, ' ').slice(0, 200) : ''
}

/** An unexpected status: gives up the pass with the vendor's words (a 400 for a bad parameter, a 404 for a wrong id). */
export function unexpectedStatus(connector: string, res: HttpResponse): Error {
  const said = vendorMessage(res.text)
  return new ERR_CONNECTOR_HTTP(connector, `${shortUrl(res.url)} answered HTTP ${res.status}${said ? `: ${said}` : ''}`)
}
