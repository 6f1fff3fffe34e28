// SPEC §3 KPIs 3 and 4 and "active users": who signed in, who has a passkey (SPEC §2) at the period end, who
// signs in mostly with one. All from user_day_logins (per user and day) and the passkey state rollups.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { DAY_BUCKET_SQL, PASSKEY_CLASSES_SQL, ratio, rows, userDaysFrom, type DayBucket, type Ratio, type Scope } from './common.js'
import { matView, splitScope } from './materialized.js'
import { hasAtSql } from './passkey-state.js'

export const DEFAULT_PRIMARY_THRESHOLD = 0.8

/** Active users: at least one successful interactive login in the period (within the filters). */
export async function activeUsers(client: ClickHouseClient, s: Scope): Promise<number> {
  const u = userDaysFrom(s)
  const [r] = await rows<{ n: number }>(client, `SELECT uniqExact(uid) AS n FROM user_day_logins WHERE ${u.where}`, u.params)
  return Number(r?.n ?? 0)
}

export interface EnrollmentResult {
  /** Active users who have a passkey at the period end ÷ active users. */
  enrollment_rate: Ratio
  /** Per bucket: users active in the bucket who have a passkey at its end (or the period end, if sooner). */
  series: ({ bucket: string } & Ratio)[]
}

/** Enrollment at the period end and per bucket; `totalOnly` skips the series. */
export async function enrollment(client: ClickHouseClient, s: Scope, o: { bucket: DayBucket; lookbackDays: number; totalOnly?: boolean }): Promise<EnrollmentResult> {
  const u = userDaysFrom(s)
  const b = DAY_BUCKET_SQL[o.bucket]
  const st = splitScope(s, o.lookbackDays, await matView(client, s.tenant, o.lookbackDays), { fails: false }).state
  // One row per active user (the buckets they were active in, as dates), joined once to the user state:
  // joining every (bucket, user) row would copy the user's intervals into each, and bucket names are made only
  // for the result rows. The period total is the bucket 1970-01-01 (ended at the period end).
  const ends = o.totalOnly
    ? `[(toDate(0), {to_day:Date})]`
    : `arrayPushFront(arrayMap(d -> (d, least(${b.end('d')}, {to_day:Date})), a.starts), (toDate(0), {to_day:Date}))`
  const result = await rows<{ bucket: string; active: number; enrolled: number }>(client, `
    SELECT if(p.1 = toDate(0), '', toString(toDateTime(p.1, 'UTC'))) AS bucket, count() AS active, countIf(p.2) AS enrolled
    FROM (
      SELECT arrayJoin(arrayMap(e -> (e.1, ${hasAtSql("toDateTime64(e.2, 3, 'UTC')")}), ${ends})) AS p
      FROM (SELECT uid${o.totalOnly ? '' : `, arrayDistinct(groupArray(${b.start('day')})) AS starts`} FROM user_day_logins WHERE ${u.where} GROUP BY uid) AS a
      LEFT JOIN (${st.sql}) AS u ON a.uid = u.uid
    )
    GROUP BY p.1
    ORDER BY bucket`, { ...u.params, ...st.params })
  const total = result.find((r) => r.bucket === '')
  return {
    enrollment_rate: ratio(total?.enrolled ?? 0, total?.active ?? 0),
    series: result.filter((r) => r.bucket !== '').map((r) => ({ bucket: r.bucket, ...ratio(r.enrolled, r.active) })),
  }
}

export interface PrimaryResult {
  /** Active users with at least `threshold` of their successful logins by passkey ÷ active users. */
  passkey_primary: Ratio
  threshold: number
  /** Per bucket (when asked): the same question over the bucket's own sign-ins (clipped to the period). */
  series?: ({ bucket: string } & Ratio)[]
}

/**
 * Passkey-primary users for the period and, with a bucket, per bucket: one query for the whole series, where
 * the dashboard used to ask once per bucket. A bucket's figure is exactly the period figure of the bucket
 * clipped to the period (users are counted in each bucket in which they signed in).
 */
export async function passkeyPrimary(client: ClickHouseClient, s: Scope, threshold: number, bucket?: DayBucket): Promise<PrimaryResult> {
  const u = userDaysFrom(s)
  const perUser = (grp: string) => `
      SELECT ${grp} AS bucket, uid, sum(logins) AS all, sumIf(logins, method_class IN ${PASSKEY_CLASSES_SQL}) AS pk
      FROM user_day_logins WHERE ${u.where} GROUP BY bucket, uid`
  const result = await rows<{ bucket: string; active: number; primary: number }>(client, `
    SELECT bucket, count() AS active, countIf(pk / all >= {threshold:Float64}) AS primary
    FROM (${perUser("''")}${bucket ? ` UNION ALL ${perUser(`toString(toDateTime(${DAY_BUCKET_SQL[bucket].start('day')}, 'UTC'))`)}` : ''})
    GROUP BY bucket
    ORDER BY bucket`, { ...u.params, threshold })
  const total = result.find((r) => r.bucket === '')
  return {
    passkey_primary: ratio(total?.primary ?? 0, total?.active ?? 0),
    threshold,
    ...(bucket ? { series: result.filter((r) => r.bucket !== '').map((r) => ({ bucket: r.bucket, ...ratio(r.primary, r.active) })) } : {}),
  }
}
