// SPEC §3 KPIs 3 and 4 and "active users": who signed in, who has a passkey (SPEC §2) at the period end, who
// signs in mostly with one. All from user_day_logins (per user and day) and the passkey state rollups.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { DAY_BUCKET_SQL, PASSKEY_CLASSES_SQL, ratio, rows, userDaysFrom, type DayBucket, type Ratio, type Scope } from './common.js'
import { hasAtSql, stateParams, USER_STATE_SQL } from './passkey-state.js'

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
  const result = await rows<{ bucket: string; active: number; enrolled: number }>(client, `
    SELECT bucket, count() AS active, countIf(has) AS enrolled
    FROM (
      SELECT a.bucket AS bucket, ${hasAtSql("toDateTime64(a.end_day, 3, 'UTC')")} AS has
      FROM (
        SELECT '' AS bucket, uid, {to_day:Date} AS end_day FROM user_day_logins WHERE ${u.where} GROUP BY uid
        ${o.totalOnly ? '' : `UNION ALL
        SELECT toString(toDateTime(${b.start('day')}, 'UTC')) AS bucket, uid, least(${b.end('day')}, {to_day:Date}) AS end_day
        FROM user_day_logins WHERE ${u.where} GROUP BY bucket, uid, end_day`}
      ) AS a
      LEFT JOIN (${USER_STATE_SQL}) AS u ON a.uid = u.uid
    )
    GROUP BY bucket
    ORDER BY bucket`, { ...u.params, ...stateParams(s, o.lookbackDays) })
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
