// Small statistics for benchmark reports: every figure is a median with its spread over repeated runs.

export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b)
}

/** Percentile by nearest rank on sorted data (p in 0..100); NaN for no data. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = sorted(xs)
  const rank = Math.ceil((p / 100) * s.length)
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  const s = sorted(xs)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export interface Spread {
  median: number
  min: number
  max: number
  n: number
}

/** Median with min–max: with 3–5 repeats an IQR says little more than the range. */
export function spread(xs: readonly number[]): Spread {
  const s = sorted(xs)
  return { median: median(s), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, n: s.length }
}

export interface LatencySummary {
  n: number
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
}

export function latencySummary(xs: readonly number[]): LatencySummary {
  const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN
  return { n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), max: percentile(xs, 100), mean }
}

/** "51,234 (48,900–52,100)" for a table cell. */
export function fmtSpread(s: Spread, digits = 0): string {
  const f = (x: number) => fmt(x, digits)
  return s.n > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median)
}

export function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return '–'
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}
