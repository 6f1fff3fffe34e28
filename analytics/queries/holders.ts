// The summary's two per-user headline figures of one period in one pass: the enrollment rate (SPEC §3 KPI 3)
// and the fallback rate (KPI 7) both join the period's user-days to the passkey state (passkey-state.ts);
// together the state is computed and the user-days are read once instead of twice. Each figure is the one
// enrollment() and fallbacks() give for the period (a LEFT JOIN: users without passkey evidence count as
// active and not enrolled, and their sign-ins as no holder's).
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { ratio, rows, userDaysFrom, type Ratio, type Scope } from './common.js'
import { splitRowsSql } from './fallbacks.js'
import { HAS_AT_END_SQL, matView, splitScope } from './materialized.js'
import { hasAtSql } from './passkey-state.js'

export interface HolderTotals {
  enrollment_rate: Ratio
  fallback_rate: Ratio
  after_failure: Ratio
}

export async function holderTotals(client: ClickHouseClient, s: Scope, lookbackDays: number): Promise<HolderTotals> {
  const u = userDaysFrom(s)
  // One split: the enrollment part joins the same user state as the live fallback rows (same parameters).
  const sp = splitScope(s, lookbackDays, await matView(client, s.tenant, lookbackDays))
  const src = splitRowsSql(s, lookbackDays, sp, 'l.uid AS uid')
  const [r] = await rows<{ active: number; enrolled: number; holder_logins: number; fallbacks: number; after_failure: number }>(client, `
    SELECT a.active AS active, a.enrolled AS enrolled, f.holder_logins AS holder_logins, f.fallbacks AS fallbacks, f.after_failure AS after_failure
    FROM (
      SELECT count() AS active, countIf(${sp.view ? 'u.has = 1' : hasAtSql("toDateTime64({to_day:Date}, 3, 'UTC')")}) AS enrolled
      FROM (SELECT DISTINCT uid FROM user_day_logins WHERE ${u.where}) AS l
      -- With a run, has(period end) per user flat; else from the intervals of the live state.
      LEFT JOIN (${sp.view ? HAS_AT_END_SQL : sp.state.sql}) AS u ON l.uid = u.uid
    ) AS a
    CROSS JOIN (
      SELECT sum(holder_logins) AS holder_logins, sum(fallbacks) AS fallbacks, sum(after_failure) AS after_failure
      FROM (${src.sql})
    ) AS f`, { ...u.params, ...src.params })
  return {
    enrollment_rate: ratio(r?.enrolled ?? 0, r?.active ?? 0),
    fallback_rate: ratio(r?.fallbacks ?? 0, r?.holder_logins ?? 0),
    after_failure: ratio(r?.after_failure ?? 0, r?.fallbacks ?? 0),
  }
}
