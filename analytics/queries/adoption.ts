// SPEC §3 KPIs 3 and 4 and "active users": who signed in, who has a passkey (SPEC §2) at the period end, who
// signs in mostly with one. All from user_day_logins (per user and day) and the passkey state rollups.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { DAY_BUCKET_SQL, dayOf, PASSKEY_CLASSES_SQL, ratio, rows, userDaysFrom, type DayBucket, type Ratio, type Scope } from './common.js'
import { bucketCount, endBits, hasBitsRowsSql, MAX_END_BITS } from './end-bits.js'
import { matView, splitScope, type MatView } from './materialized.js'
import { hasAtSql } from './passkey-state.js'

const DAY_MS = 86_400_000

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
  const view = await matView(client, s.tenant, o.lookbackDays)
  const u = userDaysFrom(s)
  const kind = o.totalOnly ? 'period' : o.bucket
  const n = bucketCount(kind, u.params.from_day as string, u.params.to_day as string)
  if (n === 0) return { enrollment_rate: ratio(0, 0), series: [] }
  if (n > MAX_END_BITS) return enrollmentByIntervals(client, s, o, view)
  // Per user, the buckets they were active in (am) and those at whose end they have a passkey (hm), as bits,
  // in one aggregation over their user-days and evidence; then per bucket, counts of set bits. Bucket n-1 ends
  // at the period end: its has-bit is the total's.
  const e = endBits(kind, n)
  const lbFromDay = dayOf(s.period.fromMs - (o.lookbackDays + 1) * DAY_MS)
  // The passkey days the snapshot may lack (from its first invalid day); without a run all that reach the period.
  const evFromDay = view && view.validTo > lbFromDay ? view.validTo : lbFromDay
  const perUser = `
      SELECT uid, groupBitOr(am) AS am, groupBitOr(hm) AS hm
      FROM (
        SELECT uid, ${e.dayBit('day')} AS am, ${e.zero} AS hm FROM user_day_logins WHERE ${u.where}
        UNION ALL
        SELECT uid, ${e.zero} AS am, hm FROM (${hasBitsRowsSql(e, view, { passkeyDays: evFromDay < (u.params.to_day as string) })})
      )
      GROUP BY uid`
  const params = { ...u.params, lookback: o.lookbackDays, ev_from_day: evFromDay, ...(view ? { st_gen: view.gen } : {}) }
  const enrolledAtEnd = e.has('hm', String(n - 1))
  if (o.totalOnly) {
    const [r] = await rows<{ active: number; enrolled: number }>(client, `
    SELECT count() AS active, countIf(${enrolledAtEnd}) AS enrolled FROM (${perUser}) WHERE am != 0`, params)
    return { enrollment_rate: ratio(r?.enrolled ?? 0, r?.active ?? 0), series: [] }
  }
  // Counts of set bits: one row per user and set bit (key 2i: active in bucket i, 2i + 1: and enrolled at its
  // end; 2n and 2n + 1 the same for the period), grouped by the small key.
  const counts = await rows<{ k: number; users: number; bucket: string }>(client, `
    SELECT k, count() AS users, if(k < ${2 * n}, ${e.label('intDiv(k, 2)')}, '') AS bucket
    FROM (${perUser})
    ARRAY JOIN arrayConcat(arrayMap(i -> 2 * i, bitPositionsToArray(am)), arrayMap(i -> 2 * i + 1, bitPositionsToArray(bitAnd(am, hm))),
                           if(${enrolledAtEnd}, [${2 * n}, ${2 * n + 1}], [${2 * n}])) AS k
    WHERE am != 0
    GROUP BY k
    ORDER BY k`, params)
  const users = new Map(counts.map((r) => [Number(r.k), r]))
  const series: EnrollmentResult['series'] = []
  for (let i = 0; i < n; i++) {
    const a = users.get(2 * i)
    if (a) series.push({ bucket: a.bucket, ...ratio(users.get(2 * i + 1)?.users ?? 0, a.users) })
  }
  return { enrollment_rate: ratio(users.get(2 * n + 1)?.users ?? 0, users.get(2 * n)?.users ?? 0), series }
}

/**
 * The same from the user state's intervals (passkey-state.ts; the snapshot's with a run), for series too long for
 * the masks of enrollment(), and the reference its tests compare with: one row per active user (the buckets they
 * were active in, as dates), joined once to the user state.
 */
export async function enrollmentByIntervals(client: ClickHouseClient, s: Scope, o: { bucket: DayBucket; lookbackDays: number; totalOnly?: boolean }, view: MatView | null): Promise<EnrollmentResult> {
  const u = userDaysFrom(s)
  const b = DAY_BUCKET_SQL[o.bucket]
  const st = splitScope(s, o.lookbackDays, view, { fails: false }).state
  // Joining every (bucket, user) row would copy the user's intervals into each, and bucket names are made only
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
  // Grouped by Date keys (the period's bucket 1970-01-01), named only in the result: a string in the key of
  // the (bucket, user) aggregation, its largest, made it about a third slower.
  const perUser = (grp: string) => `
      SELECT ${grp} AS b, uid, sum(logins) AS all, sumIf(logins, method_class IN ${PASSKEY_CLASSES_SQL}) AS pk
      FROM user_day_logins WHERE ${u.where} GROUP BY ${grp === 'toDate(0)' ? 'uid' : 'b, uid'}`
  const result = await rows<{ bucket: string; active: number; primary: number }>(client, `
    SELECT if(b = toDate(0), '', toString(toDateTime(b, 'UTC'))) AS bucket, count() AS active, countIf(pk / all >= {threshold:Float64}) AS primary
    FROM (${perUser('toDate(0)')}${bucket ? ` UNION ALL ${perUser(DAY_BUCKET_SQL[bucket].start('day'))}` : ''})
    GROUP BY b
    ORDER BY b`, { ...u.params, threshold })
  const total = result.find((r) => r.bucket === '')
  return {
    passkey_primary: ratio(total?.primary ?? 0, total?.active ?? 0),
    threshold,
    ...(bucket ? { series: result.filter((r) => r.bucket !== '').map((r) => ({ bucket: r.bucket, ...ratio(r.primary, r.active) })) } : {}),
  }
}
