// Vendors give ISO strings, epoch seconds, milliseconds, micro- or nanoseconds (SPEC §1): detect, never assume.

const MIN_MS = Date.UTC(2000, 0, 1)
const MAX_MS = Date.UTC(2100, 0, 1)

/** Epoch milliseconds from a vendor timestamp, or null when it is not a plausible time. */
export function parseTimestamp(value: unknown): number | null {
  let ms: number
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value))) {
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0) return null
    // Magnitude decides the unit: seconds until ~5138 AD would need 1e11.
    if (n < 1e11) ms = n * 1000
    else if (n < 1e14) ms = n
    else if (n < 1e17) ms = n / 1000
    else ms = n / 1e6
  } else if (typeof value === 'string' && value.length === 24 && value[10] === 'T' && value[23] === 'Z') {
    // The common case, 'YYYY-MM-DDTHH:MM:SS.mmmZ', needs no normalising.
    ms = Date.parse(value)
  } else if (typeof value === 'string' && value.length <= 64) {
    // Bare 'YYYY-MM-DD HH:MM:SS' (no zone) is UTC, as ClickHouse and most exporters mean it.
    const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value.trim()) ? `${value.trim().replace(' ', 'T')}Z` : value
    ms = Date.parse(iso)
  } else {
    return null
  }
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return null
  return Math.floor(ms)
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' (UTC), the text form of DateTime64(3, 'UTC'). */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}

export function nowTimestamp(): string {
  return formatTimestamp(Date.now())
}
