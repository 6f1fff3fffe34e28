// What every KPI query shares: the tenant-scoped period, the filters of SPEC §3, buckets, ratios, and one
// way to run a parameterised query. Values always travel as query parameters; identifiers (columns, bucket
// functions) only ever come from the fixed maps below.
import { formatTimestamp } from '../../ingest/time.js'
import type { ClickHouseClient } from '../../store/clickhouse.js'

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000
/** Average month length in days (365.25 / 12): "months in period" of SPEC §3 items 9 and 10. */
export const DAYS_PER_MONTH = 30.4375

export const BUCKET_NAMES = ['hour', 'day', 'week', 'month'] as const
export type Bucket = (typeof BUCKET_NAMES)[number]
/** Buckets of the per-user rollups, which hold days. */
export const DAY_BUCKETS = ['day', 'week', 'month'] as const
export type DayBucket = (typeof DAY_BUCKETS)[number]

/** Optional filters of every KPI (SPEC §3). `method_class` narrows logins only: resets and registrations have no login method. */
export interface Filters {
  product?: string
  department?: string
  user_type?: string
  privileged?: 0 | 1
  source?: string
  method_class?: string
}
export const FILTER_NAMES = ['product', 'department', 'user_type', 'privileged', 'source', 'method_class'] as const

/**
 * A period cut to whole hours (hour buckets) or whole UTC days (everything else): rollups hold hours and days,
 * so the period a KPI answers for is widened to the enclosing boundaries and returned as it was used.
 */
export interface Period {
  /** Inclusive start, 'YYYY-MM-DD HH:MM:SS.mmm' UTC. */
  from: string
  /** Exclusive end. */
  to: string
  fromMs: number
  toMs: number
  /** 'hour' when the period is cut to hours (read login_stats_hourly), else 'day'. */
  grain: 'hour' | 'day'
}

export interface Scope {
  tenant: string
  period: Period
  filters: Filters
}

export function snapPeriod(fromMs: number, toMs: number, grain: 'hour' | 'day'): Period {
  const unit = grain === 'hour' ? HOUR_MS : DAY_MS
  const from = Math.floor(fromMs / unit) * unit
  const to = Math.max(from + unit, Math.ceil(toMs / unit) * unit)
  return { from: formatTimestamp(from), to: formatTimestamp(to), fromMs: from, toMs: to, grain }
}

/** The period of the same length just before `p` (the "previous period" of the summary). */
export function previousPeriod(p: Period): Period {
  const len = p.toMs - p.fromMs
  return { ...p, from: formatTimestamp(p.fromMs - len), to: formatTimestamp(p.fromMs), fromMs: p.fromMs - len, toMs: p.fromMs }
}

export function monthsIn(p: { fromMs: number; toMs: number }): number {
  return (p.toMs - p.fromMs) / DAY_MS / DAYS_PER_MONTH
}

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/** Query parameters every scoped query uses. */
export function scopeParams(s: Scope): Record<string, unknown> {
  return {
    tenant: s.tenant,
    from: s.period.from,
    to: s.period.to,
    from_day: dayOf(s.period.fromMs),
    to_day: dayOf(s.period.toMs),
  }
}

/**
 * `AND col = {f_col:Type}` for each filter set. `logins: false` leaves method_class out (for events that are not logins).
 * The column names come from FILTER_NAMES, never from the request.
 */
export function filterSql(f: Filters, opts: { logins?: boolean; alias?: string; skip?: readonly string[] } = {}): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = []
  const params: Record<string, unknown> = {}
  const col = (c: string) => (opts.alias ? `${opts.alias}.${c}` : c)
  for (const name of FILTER_NAMES) {
    const v = f[name]
    if (v === undefined || opts.skip?.includes(name)) continue
    if (name === 'method_class' && opts.logins === false) continue
    const type = name === 'privileged' ? 'UInt8' : 'String'
    parts.push(`AND ${col(name)} = {f_${name}:${type}}`)
    params[`f_${name}`] = v
  }
  return { sql: parts.join(' '), params }
}

/** Bucket start expressions over the rollups' time column, from a fixed map. */
export const BUCKET_SQL: Record<Bucket, { hourly: string; daily: string }> = {
  hour: { hourly: 'hour', daily: 'toDateTime(day, \'UTC\')' },
  day: { hourly: 'toStartOfDay(hour)', daily: 'toDateTime(day, \'UTC\')' },
  week: { hourly: 'toDateTime(toMonday(hour), \'UTC\')', daily: 'toDateTime(toMonday(day), \'UTC\')' },
  month: { hourly: 'toDateTime(toStartOfMonth(hour), \'UTC\')', daily: 'toDateTime(toStartOfMonth(day), \'UTC\')' },
}

/** Bucket start (Date) and the day after its end, over a Date column, for the per-user rollups. */
export const DAY_BUCKET_SQL: Record<DayBucket, { start: (day: string) => string; end: (day: string) => string }> = {
  day: { start: (d) => d, end: (d) => `${d} + 1` },
  week: { start: (d) => `toMonday(${d})`, end: (d) => `toMonday(${d}) + 7` },
  month: { start: (d) => `toStartOfMonth(${d})`, end: (d) => `addMonths(toStartOfMonth(${d}), 1)` },
}

/**
 * Filters the narrow login_stats_core tables (migration 020) can answer: the rest (department, user type,
 * privileged, source) follow the person and live only in the wide login_stats tables (migration 004).
 */
export const CORE_FILTERS: readonly string[] = ['product', 'method_class']

/** True when the scope's filters are all ones the core tables hold. */
export function coreAnswers(f: Filters): boolean {
  return FILTER_NAMES.every((name) => f[name] === undefined || CORE_FILTERS.includes(name))
}

/**
 * The login_stats table and time column for a period's grain: the core tables (a few hundred rows a day) when
 * the filters allow, else the wide ones. Both hold the same events (fed by the same inserts).
 */
export function statsTable(p: Period, f: Filters = {}): { table: string; time: string; lo: string; hi: string } {
  const kind = coreAnswers(f) ? 'login_stats_core' : 'login_stats'
  return p.grain === 'hour'
    ? { table: `${kind}_hourly`, time: 'hour', lo: '{from:DateTime64(3, \'UTC\')}', hi: '{to:DateTime64(3, \'UTC\')}' }
    : { table: `${kind}_daily`, time: 'day', lo: '{from_day:Date}', hi: '{to_day:Date}' }
}

/** SQL of the stats rows of one scope: `FROM <table> WHERE tenant AND period AND filters`. */
export function statsFrom(s: Scope, opts: { logins?: boolean; skip?: readonly string[] } = {}): { from: string; bucket: (b: Bucket) => string; params: Record<string, unknown> } {
  const t = statsTable(s.period, s.filters)
  const f = filterSql(s.filters, opts)
  return {
    from: `FROM ${t.table} WHERE tenant = {tenant:String} AND ${t.time} >= ${t.lo} AND ${t.time} < ${t.hi} ${f.sql}`,
    bucket: (b) => `toString(${BUCKET_SQL[b][s.period.grain === 'hour' ? 'hourly' : 'daily']})`,
    params: { ...scopeParams(s), ...f.params },
  }
}

/**
 * SQL of the successful logins' latency rows of one scope (`FROM <table> WHERE tenant AND period AND filters AND
 * successful login`): the narrow latency table (migration 026: whole days, person filters without a product)
 * when it can answer and the core tables cannot, else the stats tables. Columns: the filter columns, the time
 * column, latency_n, latency_sum, latency_dd.
 */
export function latencyFrom(s: Scope): { table: string; from: string; bucket: (b: Bucket) => string; params: Record<string, unknown> } {
  if (s.period.grain === 'hour' || coreAnswers(s.filters) || s.filters.product !== undefined) {
    const src = statsFrom(s)
    return { ...src, table: statsTable(s.period, s.filters).table, from: `${src.from} AND event_type = 'login' AND outcome = 'success'` }
  }
  const f = filterSql(s.filters)
  return {
    table: 'login_latency_daily',
    from: `FROM login_latency_daily WHERE tenant = {tenant:String} AND day >= {from_day:Date} AND day < {to_day:Date} ${f.sql}`,
    bucket: (b) => `toString(${BUCKET_SQL[b].daily})`,
    params: { ...scopeParams(s), ...f.params },
  }
}

/** SQL over user_day_logins for one scope. */
export function userDaysFrom(s: Scope, opts: { skip?: readonly string[] } = {}): { where: string; params: Record<string, unknown> } {
  const f = filterSql(s.filters, { skip: opts.skip })
  return {
    where: `tenant = {tenant:String} AND day >= {from_day:Date} AND day < {to_day:Date} ${f.sql}`,
    params: { ...scopeParams(s), ...f.params },
  }
}

export interface Ratio {
  numerator: number
  denominator: number
  /** numerator ÷ denominator, null when the denominator is 0. */
  value: number | null
}

export function ratio(numerator: number, denominator: number): Ratio {
  const n = Number(numerator)
  const d = Number(denominator)
  return { numerator: n, denominator: d, value: d > 0 ? round(n / d, 6) : null }
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Rows of a parameterised query, 64-bit integers as numbers. */
export async function rows<T>(client: ClickHouseClient, query: string, query_params: Record<string, unknown>): Promise<T[]> {
  const rs = await client.query({
    query,
    query_params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0, join_use_nulls: 0 },
  })
  return rs.json<T>()
}

/** Method classes that are passkeys (SPEC §1). */
export const PASSKEY_CLASSES_SQL = "('passkey_synced', 'passkey_device_bound', 'passkey_unknown')"
