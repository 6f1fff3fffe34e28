// Number formatting for cards, tooltips and tables: exact where people compare, compact where space is short.

const int = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })
const dec1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 })
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 })
const sig3 = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 3 })
const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 0 })

export const fmtInt = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '–' : int.format(n))
export const fmtNum = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '–' : dec1.format(n))
export const fmtCompact = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '–' : compact.format(n))
/** Small rates (0.034 tickets per user per month) with three significant digits. */
export const fmtRate = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '–' : sig3.format(n))
export const fmtUsd = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '–' : usd.format(n))
/** A ratio 0..1 as a percentage with one decimal. */
export const fmtPct = (r: number | null | undefined): string => (r === null || r === undefined || !Number.isFinite(r) ? '–' : `${dec1.format(r * 100)} %`)
export const fmtMs = (ms: number | null | undefined): string =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? '–' : ms >= 1000 ? `${dec1.format(ms / 1000)} s` : `${int.format(ms)} ms`

/** "12 of 340" with the ratio: every ratio shows its numerator and denominator. */
export const fmtRatio = (num: number, den: number): string => `${fmtPct(den > 0 ? num / den : null)} (${fmtInt(num)} of ${fmtInt(den)})`

/** Bucket label of an API bucket string ("2026-10-01 00:00:00" or ISO) for axes and tooltips. */
export function fmtBucket(b: string, bucket: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(b) ? `${b}T00:00:00Z` : /Z|[+-]\d\d:?\d\d$/.test(b) ? b : `${b.replace(' ', 'T')}Z`
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return b
  if (bucket === 'hour') return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })
  if (bucket === 'month') return d.toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' })
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: '2-digit', timeZone: 'UTC' })
}

export const escapeHtml = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
