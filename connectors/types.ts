// What a connector is: a vendor's audit log read as one or more streams of pages, each page carrying
// the cursor to resume after it. The runner (runner.ts) owns the loop, the sink, the checkpoint and
// the metrics; a vendor module only knows how to ask its API for the next page.
import { ERR_CONNECTOR_CONFIG } from '../core/errors.js'
import type { HttpClient } from './http.js'

/** The vendors a connector exists for, as named on the command line. */
export const VENDORS = ['okta', 'entra', 'google-workspace', 'auth0', 'atlassian'] as const
export type Vendor = (typeof VENDORS)[number]

export function isVendor(v: string): v is Vendor {
  return (VENDORS as readonly string[]).includes(v)
}

/** A stream's resume point: small, JSON-serialisable, vendor-specific (a next link, a log id, a window). */
export type StreamCursor = Record<string, string | number>

export interface StreamPage {
  /** The vendor's records, untouched: the normalisers take over from here. */
  events: unknown[]
  /** Where to resume once these events are delivered. */
  cursor: StreamCursor
  /** Epoch ms up to which the stream is complete once these events are delivered (progress and lag). */
  position: number
  /** Nothing more to fetch right now: the stream reached the present (less the vendor's settling delay). */
  caughtUp: boolean
}

export interface Stream {
  /** Unique within its connector: the checkpoint key ("logs", "signIns", …). */
  name: string
  /** The cursor of a stream that starts at `sinceMs` (no checkpoint yet, or a new --since). */
  initial(sinceMs: number): StreamCursor
  /** Fetches the page at `cursor`. Throws connector errors (auth, malformed page, gave up). */
  fetchPage(cursor: StreamCursor, signal: AbortSignal): Promise<StreamPage>
}

export interface Connector {
  vendor: Vendor
  /** The normaliser source its events are delivered under (SPEC §1 `source`). */
  source: string
  streams: Stream[]
  /** Checks the credentials before the first page where a token exchange can tell (OAuth vendors). */
  preflight?(signal: AbortSignal): Promise<void>
}

/** What a vendor module is built with. */
export interface ConnectorDeps {
  http: HttpClient
  /** Events per page to ask for; 0 = the vendor's maximum. */
  pageSize: number
  /** Window length of time-window streams. */
  windowMs: number
}

/** Page size within the vendor's bounds. */
export function pageSizeOf(deps: ConnectorDeps, max: number): number {
  return deps.pageSize > 0 ? Math.min(deps.pageSize, max) : max
}

/** Milliseconds from a NAME setting given in seconds (settling delays), with the vendor's default. */
export function secondsSetting(vendor: string, env: Record<string, string | undefined>, name: string, fallbackSeconds: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallbackSeconds * 1000
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) throw new ERR_CONNECTOR_CONFIG(vendor, `${name} must be a number of seconds ≥ 0, got "${raw}"`)
  return n * 1000
}
