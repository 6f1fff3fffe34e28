// User agents parsed once per distinct string: the same few thousand UAs repeat millions of times.
import UAParser from 'ua-parser-js'

export interface ParsedUserAgent {
  browser: string
  browser_version: string
  os: string
  os_version: string
  device_type: string
}

const EMPTY: ParsedUserAgent = { browser: '', browser_version: '', os: '', os_version: '', device_type: '' }
const MAX_ENTRIES = 20_000
const cache = new Map<string, ParsedUserAgent>()
// Plain counters (no metric call per event): the benchmark reports the cache hit-rate from these.
let lookups = 0
let misses = 0

export function userAgentCacheStats(): { lookups: number; misses: number; size: number } {
  return { lookups, misses, size: cache.size }
}

export function parseUserAgent(ua: string): ParsedUserAgent {
  if (!ua) return EMPTY
  lookups++
  const hit = cache.get(ua)
  if (hit) return hit
  misses++
  const r = new UAParser(ua).getResult()
  const parsed: ParsedUserAgent = {
    browser: r.browser.name ?? '',
    // Major version only: enough for the dashboard's OS × browser breakdowns, and low-cardinality.
    browser_version: r.browser.major ?? '',
    os: r.os.name ?? '',
    os_version: r.os.version ?? '',
    // ua-parser-js leaves desktops undefined.
    device_type: r.device.type ?? (r.os.name ? 'desktop' : ''),
  }
  // Bounded: when full, start over rather than track recency (cheap, and hot UAs come back at once).
  if (cache.size >= MAX_ENTRIES) cache.clear()
  cache.set(ua, parsed)
  return parsed
}
