// SPEC §3 KPI 7. A fallback is a successful interactive login that is not phishing-resistant, with a method
// other than sso or unknown, by a user who has a passkey at that time (SPEC §2). Fallback rate = fallbacks ÷
// successful interactive logins by users who have a passkey at that time. A fallback after failure is a fallback
// that a passkey failure of the same user preceded by at most 10 minutes (counted per fallback login; the
// failure may be on the day before).
//
// Read from user_day_logins joined to each user's passkey intervals (passkey-state.ts), per row: days on which
// has(t) holds all day count all their logins, days on which it never holds count none, the rest test each
// stored login time.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { DAY_BUCKET_SQL, ratio, rows, userDaysFrom, type DayBucket, type Ratio, type Scope } from './common.js'
import { factsRowsSql, matView, splitScope, type Split } from './materialized.js'
import { afterFailureSql, dayStateSql, hasAtSql } from './passkey-state.js'

/** Method classes whose non-phishing-resistant logins can be fallbacks (a downstream SSO log cannot know what the IdP used). */
export const CANDIDATE_SQL = "l.method_class NOT IN ('sso', 'unknown', 'token')"

/** Per row of user_day_logins (aliased l, with the user state u joined): holder_logins, fallbacks, after_failure, last_fallback. */
export function fallbackRowSql(): string {
  const has = hasAtSql('x')
  return `
    ${dayStateSql('l', 'u')},
    multiIf(s_all, l.logins, s_none, 0, arrayCount(x -> ${has}, arrayConcat(l.pr_times, l.npr_times))) AS holder_logins,
    -- One type in every branch (UInt64 - UInt64 is Int64; a mix would become a Variant, which sum() refuses).
    toUInt64(if(${CANDIDATE_SQL}, multiIf(s_all, toUInt64(l.logins - l.pr_logins), s_none, 0, arrayCount(x -> ${has}, l.npr_times)), 0)) AS fallbacks,
    if(${CANDIDATE_SQL} AND notEmpty(u.fails) AND NOT s_none,
       arrayCount(x -> (s_all OR ${has}) AND ${afterFailureSql('x')}, l.npr_times), 0) AS after_failure,
    if(${CANDIDATE_SQL} AND fallbacks > 0, arrayMax(arrayFilter(x -> s_all OR ${has}, l.npr_times)), NULL) AS last_fallback`
}

/**
 * The per-row source of a scope: `cols` (over `l`, the user_day_logins columns) and holder_logins, fallbacks,
 * after_failure, last_fallback; materialized for closed days when a run is usable (materialized.ts), else the
 * rows of user_day_logins joined to the user state.
 */
export async function fallbackRowsSql(client: ClickHouseClient, s: Scope, lookbackDays: number, cols: string): Promise<{ sql: string; params: Record<string, unknown> }> {
  return splitRowsSql(s, lookbackDays, splitScope(s, lookbackDays, await matView(client, s.tenant, lookbackDays)), cols)
}

/** fallbackRowsSql over a given split (its state's parameters are part of the result). */
export function splitRowsSql(s: Scope, lookbackDays: number, sp: Split, cols: string): { sql: string; params: Record<string, unknown> } {
  const u = userDaysFrom(s)
  const src = factsRowsSql(s, lookbackDays, sp, cols, (liveWhere) => `
      SELECT * EXCEPT (s_day_start, s_day_last, s_all, s_none) FROM (
        SELECT ${cols}, ${fallbackRowSql()}
        FROM (SELECT * FROM user_day_logins WHERE ${u.where} ${liveWhere}) AS l
        -- Users with no passkey evidence at all count nowhere here: an inner join leaves their rows out early.
        INNER JOIN (${sp.state.sql}) AS u ON l.uid = u.uid
      )`)
  return { sql: src.sql, params: { ...u.params, ...src.params } }
}

export interface FallbackCounts {
  fallback_rate: Ratio
  /** Fallbacks that followed a failed passkey attempt of the same user within 10 minutes, ÷ fallbacks. */
  after_failure: Ratio
}

export interface FallbackBreakdownRow extends FallbackCounts {
  value: string
}

export interface FallbackSeriesRow extends FallbackCounts {
  bucket: string
}

export interface FallbackPlatformRow extends FallbackCounts {
  os: string
  browser: string
}

export interface FallbackResult extends FallbackCounts {
  series: FallbackSeriesRow[]
  by: { product: FallbackBreakdownRow[]; os: FallbackBreakdownRow[]; browser: FallbackBreakdownRow[]; device_type: FallbackBreakdownRow[] }
  /** OS × browser: the dashboard's heatmap. */
  os_browser: FallbackPlatformRow[]
}

interface Row { g: number; bucket: string; product: string; os: string; browser: string; device_type: string; holder_logins: number; fallbacks: number; after_failure: number }

const BREAKDOWNS = ['product', 'os', 'browser', 'device_type'] as const

/** The fallback KPIs of a scope; `totalOnly` skips the series and breakdowns (the summary's top row). */
export async function fallbacks(client: ClickHouseClient, s: Scope, o: { bucket: DayBucket; lookbackDays: number; totalOnly?: boolean }): Promise<FallbackResult> {
  const src = await fallbackRowsSql(client, s, o.lookbackDays, `toString(toDateTime(${DAY_BUCKET_SQL[o.bucket].start('l.day')}, 'UTC')) AS bucket, l.product AS product, l.os AS os, l.browser AS browser, l.device_type AS device_type`)
  // One pass, every breakdown: grouping() tells which set a row belongs to (0b11111 = the total).
  const select = o.totalOnly
    ? `SELECT 31 AS g, '' AS bucket, '' AS product, '' AS os, '' AS browser, '' AS device_type`
    : 'SELECT grouping(bucket, product, os, browser, device_type) AS g, bucket, product, os, browser, device_type'
  const result = await rows<Row>(client, `
    ${select}, sum(holder_logins) AS holder_logins, sum(fallbacks) AS fallbacks, sum(after_failure) AS after_failure
    FROM (${src.sql})
    ${o.totalOnly ? '' : `GROUP BY GROUPING SETS ((), (bucket), (product), (os), (browser), (device_type), (os, browser))
    ORDER BY g, bucket, product, os, browser, device_type`}`, src.params)
  const counts = (r: Row | undefined): FallbackCounts => ({
    fallback_rate: ratio(r?.fallbacks ?? 0, r?.holder_logins ?? 0),
    after_failure: ratio(r?.after_failure ?? 0, r?.fallbacks ?? 0),
  })
  // grouping() bits, left to right: bucket, product, os, browser, device_type (1 = not grouped by it).
  const set = (name: 'bucket' | (typeof BREAKDOWNS)[number]) => {
    const i = ['bucket', ...BREAKDOWNS].indexOf(name)
    const mask = 0b11111 ^ (1 << (4 - i))
    return result.filter((r) => Number(r.g) === mask)
  }
  const total = result.find((r) => Number(r.g) === 0b11111)
  const by = Object.fromEntries(BREAKDOWNS.map((k) => [k,
    set(k).map((r) => ({ value: r[k], ...counts(r) })).sort((x, y) => y.fallback_rate.numerator - x.fallback_rate.numerator || x.value.localeCompare(y.value)),
  ])) as FallbackResult['by']
  const OS_BROWSER = 0b11001 // bucket, product and device_type not grouped by
  return {
    ...counts(total),
    series: set('bucket').map((r) => ({ bucket: r.bucket, ...counts(r) })),
    by,
    os_browser: result.filter((r) => Number(r.g) === OS_BROWSER)
      .map((r) => ({ os: r.os, browser: r.browser, ...counts(r) }))
      .sort((x, y) => y.fallback_rate.numerator - x.fallback_rate.numerator || x.os.localeCompare(y.os) || x.browser.localeCompare(y.browser)),
  }
}
