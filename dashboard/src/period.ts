// Turns the period of the view state into the API's from/to (ISO, `to` exclusive) and says which buckets
// make sense for it (an hourly series over a year is 8,760 points per method: allowed, but not the default).
import type { Bucket, Preset, ViewState } from './state.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const PRESET_MS: Record<Exclude<Preset, 'custom'>, number> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY, '365d': 365 * DAY }

export const PRESET_LABELS: Record<Preset, string> = {
  '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', '90d': 'Last 90 days', '365d': 'Last 12 months', custom: 'Custom…',
}

export interface Range { from: string; to: string }

/**
 * Day presets end with today (UTC) and cover whole days, as the API counts them (it widens periods to whole
 * days); the 24-hour preset ends at the next full hour. Repeated loads within an hour ask the same question.
 */
export function rangeOf(s: Pick<ViewState, 'period' | 'from' | 'to'>, now = Date.now()): Range {
  if (s.period === 'custom' && s.from && s.to) {
    const from = Date.parse(`${s.from}T00:00:00Z`)
    const to = Date.parse(`${s.to}T00:00:00Z`) + DAY
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString() }
  }
  const preset = s.period === 'custom' ? '30d' : s.period
  const to = preset === '24h' ? Math.ceil(now / HOUR) * HOUR : Math.floor(now / DAY) * DAY + DAY
  return { from: new Date(to - PRESET_MS[preset]).toISOString(), to: new Date(to).toISOString() }
}

/** The period of equal length just before, for "change vs previous period". */
export function previousRange(r: Range): Range {
  const from = Date.parse(r.from)
  const to = Date.parse(r.to)
  return { from: new Date(from - (to - from)).toISOString(), to: new Date(from).toISOString() }
}

export function bucketsIn(r: Range, bucket: Bucket): number {
  const ms = { hour: HOUR, day: DAY, week: 7 * DAY, month: 30 * DAY }[bucket]
  return Math.ceil((Date.parse(r.to) - Date.parse(r.from)) / ms)
}

/** "1 Oct – 30 Oct 2026", the inclusive end of an exclusive range. */
export function describeRange(r: Range): string {
  const from = new Date(r.from)
  const last = new Date(Date.parse(r.to) - 1)
  const f = (d: Date, year: boolean): string =>
    d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', ...(year ? { year: 'numeric' } : {}), timeZone: 'UTC' })
  return `${f(from, from.getUTCFullYear() !== last.getUTCFullYear())} – ${f(last, true)} (UTC)`
}

/** 'YYYY-MM-DD HH:MM:SS' (UTC), the way ClickHouse prints a DateTime: the API's bucket keys. */
const chTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
/** The API's times ('YYYY-MM-DD HH:MM:SS.mmm', UTC) or ISO. */
export const parseApiTime = (s: string): number => Date.parse(/Z$/.test(s) ? s : `${s.replace(' ', 'T')}Z`)
/** A period the API answered for, as a Range. */
export const apiRange = (r: { from: string; to: string }): Range => ({ from: new Date(parseApiTime(r.from)).toISOString(), to: new Date(parseApiTime(r.to)).toISOString() })

/** Every bucket start of a period as the API names them, so series can show empty buckets as zeros. */
export function bucketStarts(from: string, to: string, bucket: Bucket, max = 20_000): string[] {
  const end = parseApiTime(to)
  const d = new Date(parseApiTime(from))
  if (bucket === 'hour') d.setUTCMinutes(0, 0, 0)
  else d.setUTCHours(0, 0, 0, 0)
  if (bucket === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7))
  if (bucket === 'month') d.setUTCDate(1)
  const out: string[] = []
  while (d.getTime() < end && out.length < max) {
    out.push(chTime(d.getTime()))
    if (bucket === 'hour') d.setUTCHours(d.getUTCHours() + 1)
    else if (bucket === 'day') d.setUTCDate(d.getUTCDate() + 1)
    else if (bucket === 'week') d.setUTCDate(d.getUTCDate() + 7)
    else d.setUTCMonth(d.getUTCMonth() + 1)
  }
  return out
}
