// The summary's headline figures (passkey sign-in share, enrollment rate, fallback rate, privileged coverage,
// tickets avoided and savings) for a period and the previous period of the same length, in two passes over the
// rollups instead of one query per KPI and period: one over the stats rows (share, resets, lockouts, login
// medians) and one over the user-days (active, enrolled, passkey-primary and privileged users, with the fallback
// facts). Each figure equals the one its own KPI function gives for each period (passkeyShare, enrollment,
// fallbacks, privilegedCoverage, savings: test/integration/headline.test.ts); the periods are told apart by day,
// as both are whole days (the summary's grain).
import type { ClickHouseClient } from '../../store/clickhouse.js'
import type { ResolvedAssumptions } from './assumptions.js'
import { dayOf, filterSql, latencyFrom, monthsIn, PASSKEY_CLASSES_SQL, ratio, rows, scopeParams, statsTable, userDaysFrom, type Period, type Ratio, type Scope } from './common.js'
import { splitRowsSql } from './fallbacks.js'
import { latencySelectIf, latencyStats, MEDIAN_KINDS } from './latency.js'
import { hasAtEndsSql, matView, splitScope } from './materialized.js'
import { hasAtSql } from './passkey-state.js'
import { assumptionEntries, computeSavings, deriveRates, measureBaseline, type AssumptionEntry, type SavingsFigures } from './savings.js'

export interface Headline {
  passkey_share: Ratio
  enrollment_rate: Ratio
  fallback_rate: Ratio
  privileged_coverage: Ratio
  savings: SavingsFigures
}

export interface Headlines {
  current: Headline
  previous: Headline
  /** The assumptions behind the current period's savings. */
  assumptions: AssumptionEntry[]
}

interface StatsRow {
  p: number
  passkey: number
  all: number
  resets: number
  lockouts: number
  pw_n: number
  pw_total: number
  pw_q: number[]
  pk_n: number
  pk_total: number
  pk_q: number[]
}

interface PeopleRow {
  p: number
  active: number
  enrolled: number
  primary: number
  passkey_logins: number
  priv_active: number
  priv_covered: number
  holder_logins: number
  fallbacks: number
}

/** Rows of period 1 (the current one) and 0 (the previous one): a day's period by its date. */
const PERIOD_SQL = (day: string) => `toUInt8(${day} >= {cur_from_day:Date})`

/** The scope of both periods together, and the parameter that splits them. */
function union(s: Scope, previous: Period): { u: Scope; params: Record<string, unknown> } {
  return {
    u: { ...s, period: { ...s.period, from: previous.from, fromMs: previous.fromMs } },
    params: { cur_from_day: dayOf(s.period.fromMs) },
  }
}

/**
 * passkeyShare's counts, the resets and lockouts of savingsInputs and loginMedians, per period: one query when the
 * latency rows live in the same stats table (common.ts latencyFrom), else a second one over the latency table.
 */
async function statsPass(client: ClickHouseClient, u: Scope, split: Record<string, unknown>): Promise<StatsRow[]> {
  const t = statsTable(u.period, u.filters)
  const lat = latencyFrom(u)
  // Resets and lockouts are not logins: the method filter applies to the login counts only.
  const f = filterSql(u.filters, { logins: false })
  const method = u.filters.method_class === undefined ? '' : 'AND method_class = {f_method_class:String}'
  const success = `event_type = 'login' AND outcome = 'success' ${method}`
  const login = `${success} AND method_class != 'token'`
  const medians = (cond: string) => `${latencySelectIf(`${cond} AND ${MEDIAN_KINDS.password_mfa}`, 'pw_')}, ${latencySelectIf(`${cond} AND ${MEDIAN_KINDS.passkey}`, 'pk_')}`
  const together = lat.table === t.table
  const [counts, apart] = await Promise.all([
    rows<StatsRow>(client, `
      SELECT ${PERIOD_SQL('day')} AS p,
             sumIf(events, ${login} AND method_class IN ${PASSKEY_CLASSES_SQL}) AS passkey, sumIf(events, ${login}) AS all,
             sumIf(events, event_type = 'password_reset') AS resets, sumIf(events, event_type = 'account_locked') AS lockouts
             ${together ? `, ${medians(success)}` : ''}
      FROM ${t.table}
      WHERE tenant = {tenant:String} AND day >= {from_day:Date} AND day < {to_day:Date} ${f.sql}
      GROUP BY p`, { ...scopeParams(u), ...f.params, ...split, ...(method ? { f_method_class: u.filters.method_class } : {}) }),
    together ? [] : rows<StatsRow>(client, `SELECT ${PERIOD_SQL('day')} AS p, ${medians('1')} ${lat.from} GROUP BY p`, { ...lat.params, ...split }),
  ])
  return together ? counts : counts.map((r) => ({ ...r, ...apart.find((x) => Number(x.p) === Number(r.p)) }))
}

/**
 * Per period: active users, those with a passkey at the period end (enrollment), passkey-primary users and
 * their passkey logins (savingsInputs), privileged coverage (privilegedCoverage), and the fallback facts.
 */
async function peoplePass(client: ClickHouseClient, u: Scope, split: Record<string, unknown>, lookbackDays: number, threshold: number): Promise<PeopleRow[]> {
  // Privileged coverage reads privileged people whatever the privileged filter says; the other figures keep it.
  const days = userDaysFrom(u, { skip: ['privileged'] })
  const main = u.filters.privileged === undefined ? '1' : 'privileged = {f_privileged:UInt8}'
  const sp = splitScope(u, lookbackDays, await matView(client, u.tenant, lookbackDays))
  const facts = splitRowsSql(u, lookbackDays, sp, `${PERIOD_SQL('l.day')} AS p`)
  // has(period end): the previous period ends where the current one starts.
  const ends = sp.view
    ? { join: `LEFT JOIN (${hasAtEndsSql({ has0: '{cur_from_day:Date}', has1: '{to_day:Date}' })}) AS h ON d.uid = h.uid`, has: 'if(d.p = 1, h.has1, h.has0) = 1' }
    : { join: `LEFT JOIN (${sp.state.sql}) AS u ON d.uid = u.uid`, has: hasAtSql("toDateTime64(if(d.p = 1, {to_day:Date}, {cur_from_day:Date}), 3, 'UTC')") }
  return rows<PeopleRow>(client, `
    SELECT a.p AS p, a.active AS active, a.enrolled AS enrolled, a.primary AS primary, a.passkey_logins AS passkey_logins,
           a.priv_active AS priv_active, a.priv_covered AS priv_covered, f.holder_logins AS holder_logins, f.fallbacks AS fallbacks
    FROM (
      SELECT d.p AS p,
             countIf(d.n_main > 0) AS active,
             countIf(d.n_main > 0 AND ${ends.has}) AS enrolled,
             countIf(d.n_main > 0 AND d.pk / d.all >= {threshold:Float64}) AS primary,
             sum(d.pk) AS passkey_logins,
             countIf(d.pv_n > 0) AS priv_active,
             countIf(d.pv_n > 0 AND d.pv_pr = d.pv_all) AS priv_covered
      FROM (
        SELECT ${PERIOD_SQL('day')} AS p, uid,
               countIf(${main}) AS n_main, sumIf(logins, ${main}) AS all, sumIf(logins, ${main} AND method_class IN ${PASSKEY_CLASSES_SQL}) AS pk,
               countIf(privileged = 1) AS pv_n, sumIf(logins, privileged = 1) AS pv_all, sumIf(pr_logins, privileged = 1) AS pv_pr
        FROM user_day_logins WHERE ${days.where}
        GROUP BY p, uid
      ) AS d
      ${ends.join}
      GROUP BY p
    ) AS a
    LEFT JOIN (SELECT p, sum(holder_logins) AS holder_logins, sum(fallbacks) AS fallbacks FROM (${facts.sql}) GROUP BY p) AS f ON a.p = f.p`,
  { ...days.params, ...facts.params, ...split, threshold, ...(main === '1' ? {} : { f_privileged: u.filters.privileged }) })
}

/** The headline figures of `s` and of `previous` (the period of the same length just before it). */
export async function headlines(client: ClickHouseClient, s: Scope, previous: Period, a: ResolvedAssumptions): Promise<Headlines> {
  // The periods are told apart by date (PERIOD_SQL): hours would be split wrongly.
  if (s.period.grain !== 'day' || previous.grain !== 'day') throw new Error('headlines: both periods must be whole days')
  const { u, params } = union(s, previous)
  const [stats, people, baseline] = await Promise.all([
    statsPass(client, u, params),
    peoplePass(client, u, params, a.values.passkey_lookback_days, a.values.passkey_primary_threshold),
    // The baseline window does not depend on the period: measured once for both.
    measureBaseline(client, s.tenant, s.filters, a),
  ])
  const figures = (p: 0 | 1, period: Period) => {
    const st = stats.find((r) => Number(r.p) === p)
    const pe = people.find((r) => Number(r.p) === p)
    const n = (x: number | undefined) => Number(x ?? 0)
    const d = deriveRates(a, {
      baseline,
      medians: {
        password_mfa: latencyStats(st && { n: st.pw_n, total: st.pw_total, q: st.pw_q }),
        passkey: latencyStats(st && { n: st.pk_n, total: st.pk_total, q: st.pk_q }),
      },
    })
    const headline: Headline = {
      passkey_share: ratio(n(st?.passkey), n(st?.all)),
      enrollment_rate: ratio(n(pe?.enrolled), n(pe?.active)),
      fallback_rate: ratio(n(pe?.fallbacks), n(pe?.holder_logins)),
      privileged_coverage: ratio(n(pe?.priv_covered), n(pe?.priv_active)),
      savings: computeSavings({
        active_users: n(pe?.active),
        passkey_primary_users: n(pe?.primary),
        passkey_logins: n(pe?.passkey_logins),
        password_resets: n(st?.resets),
        lockouts: n(st?.lockouts),
        months: monthsIn(period),
      }, d, a),
    }
    return { headline, assumptions: assumptionEntries(a, d) }
  }
  const current = figures(1, s.period)
  return { current: current.headline, previous: figures(0, previous).headline, assumptions: current.assumptions }
}
