// The summary's two per-user headline figures of one period in one pass: the enrollment rate (SPEC §3 KPI 3)
// and the fallback rate (KPI 7) both join the period's user-days to the passkey state (passkey-state.ts);
// together the state is computed and the user-days are read once instead of twice. Each figure is the one
// enrollment() and fallbacks() give for the period (a LEFT JOIN: users without passkey evidence count as
// active and not enrolled, and their sign-ins as no holder's).
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { ratio, rows, userDaysFrom, type Ratio, type Scope } from './common.js'
import { fallbackRowSql } from './fallbacks.js'
import { hasAtSql, stateParams, USER_STATE_SQL } from './passkey-state.js'

export interface HolderTotals {
  enrollment_rate: Ratio
  fallback_rate: Ratio
  after_failure: Ratio
}

export async function holderTotals(client: ClickHouseClient, s: Scope, lookbackDays: number): Promise<HolderTotals> {
  const u = userDaysFrom(s)
  const [r] = await rows<{ active: number; enrolled: number; holder_logins: number; fallbacks: number; after_failure: number }>(client, `
    SELECT uniqExact(uid) AS active, uniqExactIf(uid, has_end) AS enrolled,
           sum(holder_logins) AS holder_logins, sum(fallbacks) AS fallbacks, sum(after_failure) AS after_failure
    FROM (
      SELECT l.uid AS uid, ${hasAtSql("toDateTime64({to_day:Date}, 3, 'UTC')")} AS has_end, ${fallbackRowSql()}
      FROM (SELECT * FROM user_day_logins WHERE ${u.where}) AS l
      LEFT JOIN (${USER_STATE_SQL}) AS u ON l.uid = u.uid
    )`, { ...u.params, ...stateParams(s, lookbackDays) })
  return {
    enrollment_rate: ratio(r?.enrolled ?? 0, r?.active ?? 0),
    fallback_rate: ratio(r?.fallbacks ?? 0, r?.holder_logins ?? 0),
    after_failure: ratio(r?.after_failure ?? 0, r?.fallbacks ?? 0),
  }
}
