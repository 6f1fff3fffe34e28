// SPEC §2, "has a passkey at time t", over the per-user rollups (migrations 005 and 006), exactly:
//
//   has(t) = A(t) or B(t)
//   A(t): the latest passkey_registered before t is not followed (before t) by a passkey_removed
//   B(t): a successful passkey login p with t - look-back <= p < t
//
// Both are unions of half-open intervals (s, e] of time: A of (registration, first removal after it], B of
// (p, p + look-back] for every passkey login p. Per user, the passkey logins of one day give (first, last +
// look-back]; consecutive days whose gap is within the look-back join into one interval ("islands"). So each user
// has a handful of intervals (usually one: from the first registration or passkey login on), and a login day
// asks three things of them: does one interval cover the whole day (every login counts), does none touch it
// (none counts), or else (the enrolment day, a removal, the end of the look-back) which of the stored login
// times fall inside one. One hash join on uid with a table of users, not a join per event.
import type { Scope } from './common.js'
import { dayOf } from './common.js'

export const DEFAULT_LOOKBACK_DAYS = 180
const DT = "DateTime64(3, 'UTC')"
/** The same type inside a quoted type name (CAST(x, '...')). */
const DTQ = "DateTime64(3, \\'UTC\\')"
const DAY_MS = 86_400_000
const NEVER = `toDateTime64('2200-01-01 00:00:00', 3, 'UTC')`

/** Parameters of the user state: the look-back and the first day whose passkey logins can still count. */
export function stateParams(s: Scope, lookbackDays: number): Record<string, unknown> {
  return { lookback: lookbackDays, lb_from_day: dayOf(s.period.fromMs - (lookbackDays + 1) * DAY_MS), from_day: dayOf(s.period.fromMs) }
}

/**
 * One row per user with passkey evidence or passkey failures before the period end: `ivs`, the intervals
 * (s, e] in which has(t) holds, and `fails`, the times of failed passkey attempts in the period (and the
 * 10 minutes before it). A removal at the same instant as a registration does not cancel it (it is not later).
 */
export const USER_STATE_SQL = `
  SELECT uid, arraySort(arrayConcat(groupArrayArray(pk_ivs), groupArrayArray(reg_ivs))) AS ivs, groupArrayArray(fails) AS fails
  FROM (
    SELECT uid, pk_ivs, CAST([], 'Array(Tuple(${DTQ}, ${DTQ}))') AS reg_ivs, fails
    FROM (
      SELECT uid, ${islandsSql('{lookback:UInt32}')},
             arrayFilter(f -> f >= {from:${DT}} - toIntervalMinute(10) AND f < {to:${DT}}, groupArrayArray(day_fails)) AS fails
      FROM (
        -- Days before the period collapse into one: has(t) is only ever asked for t in the period, where all
        -- that matters of them is the last passkey login (whether it reaches into the period). One group per
        -- user and day of the period instead of one per day of the look-back: the arrays stay short.
        SELECT uid, if(day < {from_day:Date}, toDate(0), day) AS d, min(pk_first) AS pf, max(pk_last) AS pl,
               groupArrayArrayIf(pk_failures, day >= {from_day:Date} - 1) AS day_fails
        FROM user_passkey_days
        WHERE tenant = {tenant:String} AND day >= {lb_from_day:Date} AND day < {to_day:Date}
        GROUP BY uid, d
      )
      GROUP BY uid
    )
    UNION ALL
    ${registrationsSql('{tenant:String}', `{to:${DT}}`)}
  )
  GROUP BY uid`

/**
 * Select-list items `pk_ivs` (and helpers) over rows (uid, d, pf, pl) grouped by uid: the islands of passkey days,
 * each (first login, last login + look-back]. Days are sorted; consecutive days within the look-back join.
 */
function islandsSql(lookback: string): string {
  return `arraySort(x -> x.1, groupArrayIf((assumeNotNull(pf), assumeNotNull(pl)), pf IS NOT NULL)) AS d_sorted,
             arrayMap(x -> x.1, d_sorted) AS a,
             arrayMap(x -> x.2, d_sorted) AS b,
             -- Islands in linear time: lambdas take the arrays as arguments, never capture them (a captured
             -- array is copied for every element, which made this quadratic in a user's passkey days).
             -- brk[i]: day i starts an island (the first, or more than the look-back after the previous day's last).
             arrayMap((x, prev, i) -> i = 1 OR x > prev + toIntervalDay(${lookback}), a, arrayResize(arrayPushFront(b, a[1]), length(a)), arrayEnumerate(a)) AS brk,
             -- An island ends on the day before the next start, or on the last day.
             arrayZip(arrayFilter((x, s) -> s, a, brk),
                      arrayMap(y -> y + toIntervalDay(${lookback}), arrayFilter((y, e) -> e, b, arrayPopFront(arrayPushBack(brk, 1))))) AS pk_ivs`
}

/** Rows (uid, pk_ivs, …): the islands of each user's passkey days matching `days` (a condition on `day`). */
export function passkeyDayIslandsSql(days: string): string {
  return `
      SELECT uid, ${islandsSql('{lookback:UInt32}')}
      FROM (
        SELECT uid, day AS d, min(pk_first) AS pf, max(pk_last) AS pl
        FROM user_passkey_days
        WHERE tenant = {tenant:String} AND ${days} AND pk_first IS NOT NULL
        GROUP BY uid, d
      )
      GROUP BY uid`
}

/** Rows (uid, pk_ivs = [], reg_ivs, fails = []): A(t)'s intervals from every registration and removal before `to`. */
function registrationsSql(tenant: string, to: string): string {
  return `SELECT uid, CAST([], 'Array(Tuple(${DTQ}, ${DTQ}))') AS pk_ivs,
           arrayMap(r -> (r, if(arrayExists(m -> m > r, rems), arrayFirst(m -> m > r, rems), ${NEVER})), regs) AS reg_ivs,
           CAST([], 'Array(${DTQ})') AS fails
    FROM (
      SELECT uid, arraySort(groupArrayIf(ts, registered = 1)) AS regs, arraySort(groupArrayIf(ts, registered = 0)) AS rems
      FROM user_passkey_changes
      WHERE tenant = ${tenant} AND ts < ${to}
      GROUP BY uid
    )`
}

/**
 * The same user state (uid, ivs, fails) for a period with a published materialization run (materialized.ts):
 * B(t)'s intervals of every passkey login before the run's valid_to from its snapshot, plus the islands of the
 * passkey days from {st_live_day} on (the first day not validly materialized; re-reading days the snapshot also
 * holds only repeats intervals), A(t) live, and the failures of the period (and the 10 minutes before) live.
 * Equal to USER_STATE_SQL for every t in the period: intervals are a union, and has(t) asks whether one holds t
 * (only dayStateSql's "all day" shortcut may miss where two adjacent ones cover a day, and the exact per-login
 * test then answers). Parameters: tenant, lookback, st_gen, st_live_day, st_from, st_to, st_from_day, st_to_day.
 */
export const SNAPSHOT_STATE_SQL = `
  SELECT uid, arraySort(arrayConcat(groupArrayArray(pk_ivs), groupArrayArray(reg_ivs))) AS ivs, groupArrayArray(fails) AS fails
  FROM (
    SELECT uid, ivs AS pk_ivs, CAST([], 'Array(Tuple(${DTQ}, ${DTQ}))') AS reg_ivs, CAST([], 'Array(${DTQ})') AS fails
    FROM passkey_snapshot
    WHERE tenant = {tenant:String} AND lookback = {lookback:UInt32} AND gen = {st_gen:UInt64}
    UNION ALL
    SELECT uid, pk_ivs, CAST([], 'Array(Tuple(${DTQ}, ${DTQ}))') AS reg_ivs, CAST([], 'Array(${DTQ})') AS fails
    FROM (${passkeyDayIslandsSql('day >= {st_live_day:Date} AND day < {st_to_day:Date}')})
    UNION ALL
    SELECT uid, CAST([], 'Array(Tuple(${DTQ}, ${DTQ}))') AS pk_ivs, CAST([], 'Array(Tuple(${DTQ}, ${DTQ}))') AS reg_ivs,
           arrayFilter(f -> f >= {st_from:${DT}} - toIntervalMinute(10) AND f < {st_to:${DT}}, groupArrayArray(pk_failures)) AS fails
    FROM user_passkey_days
    WHERE tenant = {tenant:String} AND day >= {st_from_day:Date} - 1 AND day < {st_to_day:Date} AND notEmpty(pk_failures)
    GROUP BY uid
    UNION ALL
    ${registrationsSql('{tenant:String}', `{st_to:${DT}}`)}
  )
  GROUP BY uid`

/**
 * Select-list expressions for a login row `l` (a Date column day) joined to user state `u` (LEFT JOIN ON
 * l.uid = u.uid): whether has(t) holds all day (s_all) or never (s_none) on the row's day.
 */
export function dayStateSql(l = 'l', u = 'u'): string {
  return `
    toDateTime64(${l}.day, 3, 'UTC') AS s_day_start,
    s_day_start + toIntervalMillisecond(86399999) AS s_day_last,
    arrayExists(iv -> iv.1 < s_day_start AND iv.2 >= s_day_last, ${u}.ivs) AS s_all,
    NOT arrayExists(iv -> iv.1 < s_day_last AND iv.2 >= s_day_start, ${u}.ivs) AS s_none`
}

/** has(x) for a time x (a lambda body; `u` is the joined user state). */
export function hasAtSql(x: string, u = 'u'): string {
  return `arrayExists(iv -> iv.1 < ${x} AND ${x} <= iv.2, ${u}.ivs)`
}

/** A fallback at x follows one of the user's passkey failures within 10 minutes (lambda body). */
export function afterFailureSql(x: string, u = 'u'): string {
  return `arrayExists(fl -> fl < ${x} AND fl >= ${x} - toIntervalMinute(10), ${u}.fails)`
}
