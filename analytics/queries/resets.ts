// SPEC §3 KPI 9, resets observed: password_reset and account_locked events per bucket (each counted; both are
// help-desk tickets in practice), and the reset rate = (resets + lockouts) ÷ active users ÷ months.
// The method_class filter does not apply to these events (they are not logins); it still narrows active users.
// Active users are counted over whole days (per-user rollups hold days), also when the buckets are hours.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { activeUsers } from './adoption.js'
import { monthsIn, round, rows, statsFrom, type Bucket, type Scope } from './common.js'

export interface ResetCounts { password_resets: number; lockouts: number }

export interface ResetResult extends ResetCounts {
  active_users: number
  months: number
  /** Tickets per active user per month; null without active users. */
  reset_rate: { numerator: number; denominator: number; value: number | null }
  series: ({ bucket: string } & ResetCounts)[]
}

export async function resetCounts(client: ClickHouseClient, s: Scope, bucket: Bucket): Promise<{ total: ResetCounts; series: ({ bucket: string } & ResetCounts)[] }> {
  const src = statsFrom(s, { logins: false })
  const result = await rows<{ g: number; bucket: string } & ResetCounts>(client, `
    SELECT grouping(bucket) AS g, ${src.bucket(bucket)} AS bucket,
           sumIf(events, event_type = 'password_reset') AS password_resets, sumIf(events, event_type = 'account_locked') AS lockouts
    ${src.from}
      AND event_type IN ('password_reset', 'account_locked')
    GROUP BY GROUPING SETS ((), (bucket))
    ORDER BY g DESC, bucket`, src.params)
  const total = result.find((r) => Number(r.g) === 1)
  return {
    total: { password_resets: Number(total?.password_resets ?? 0), lockouts: Number(total?.lockouts ?? 0) },
    series: result.filter((r) => Number(r.g) === 0).map((r) => ({ bucket: r.bucket, password_resets: r.password_resets, lockouts: r.lockouts })),
  }
}

/** (resets + lockouts) ÷ active users ÷ months; the denominator is active users × months. */
export function resetRate(tickets: number, active: number, months: number): ResetResult['reset_rate'] {
  const denominator = active * months
  return { numerator: tickets, denominator: round(denominator, 6), value: denominator > 0 ? round(tickets / denominator, 6) : null }
}

export async function resets(client: ClickHouseClient, s: Scope, bucket: Bucket): Promise<ResetResult> {
  const [counts, active] = await Promise.all([resetCounts(client, s, bucket), activeUsers(client, s)])
  const months = monthsIn(s.period)
  return {
    ...counts.total,
    active_users: active,
    months: round(months, 6),
    reset_rate: resetRate(counts.total.password_resets + counts.total.lockouts, active, months),
    series: counts.series,
  }
}
