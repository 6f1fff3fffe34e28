// Reading the materialized passkey facts (migration 021, kept by analytics/materialize/passkey-facts.ts) with the
// live SQL for what is not (yet, or no longer validly) materialized, so that every answer equals the live one.
//
// A published run (passkey_mat_runs) holds facts for closed days [facts_from, valid_to) and a snapshot of B(t)'s
// intervals from every passkey login before valid_to, all computed from the evidence stored at snapshot_at. Its
// facts are valid up to the first day that received evidence after snapshot_at (less the run's margin for
// inserts in flight: passkey_evidence_arrivals): late evidence for day d can change has(t) only for t after it,
// so days before d stay exact and everything from d on is answered live until the job has caught up.
// A run computed with another look-back than the tenant's current one is not used at all (the legacy SQL answers).
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { dayOf, filterSql, rows, type Scope } from './common.js'
import { SNAPSHOT_STATE_SQL, stateParams, USER_STATE_SQL } from './passkey-state.js'

const DAY_MS = 86_400_000
/** Evidence stored this long before a run's snapshot_at may still have been in flight when the run read (default). */
export const ARRIVAL_MARGIN_MS = 120_000

export interface MatRun {
  gen: number
  lookback: number
  facts_from: string
  valid_to: string
  snapshot_at: string
  margin_ms: number
}

/**
 * The tenant's newest published run, if any, with `stale`: the first day before its valid_to that received
 * evidence after its snapshot_at less its margin (null if none). One round trip: every per-person query asks it.
 */
export async function runState(client: ClickHouseClient, tenant: string): Promise<{ run: MatRun; stale: string | null } | null> {
  const [r] = await rows<MatRun & { stale: string }>(client, `
    SELECT gen, lookback, toString(facts_from) AS facts_from, toString(valid_to) AS valid_to, toString(snapshot_at) AS snapshot_at, margin_ms,
           -- Qualified: the string aliases above shadow the columns' own names.
           arrayFilter(x -> x.1 < r.valid_to AND x.2 >= r.snapshot_at - toIntervalMillisecond(r.margin_ms), a.arrivals) AS late,
           if(empty(late), '', toString(arrayMin(x -> x.1, late))) AS stale
    FROM passkey_mat_runs AS r
    CROSS JOIN (SELECT groupArray((day, arrived)) AS arrivals FROM passkey_evidence_arrivals WHERE tenant = {tenant:String}) AS a
    WHERE r.tenant = {tenant:String}
    ORDER BY r.gen DESC LIMIT 1`, { tenant })
  if (!r) return null
  return {
    run: { gen: Number(r.gen), lookback: Number(r.lookback), facts_from: r.facts_from, valid_to: r.valid_to, snapshot_at: r.snapshot_at, margin_ms: Number(r.margin_ms) },
    stale: r.stale === '' ? null : r.stale,
  }
}

/** The tenant's newest published run, if any. */
export async function latestRun(client: ClickHouseClient, tenant: string): Promise<MatRun | null> {
  return (await runState(client, tenant))?.run ?? null
}

/** What a query may use: the run's generation and the first day from which it answers live. */
export interface MatView {
  gen: number
  /** Days before this one are validly materialized (facts and snapshot). */
  validTo: string
}

// Run-state reads in flight, per client and tenant. A dashboard load asks it from most of its panels at
// once: callers that arrive while one read is in flight share it instead of each paying a round trip (the
// read costs ~10 ms on a quiet engine, several times that among the panels' queries). What a shared read
// returns is at most that read's duration old: the run it names is still stored, since a publication only
// deletes the generations before the run it supersedes.
const runStateReads = new WeakMap<ClickHouseClient, Map<string, ReturnType<typeof runState>>>()

function sharedRunState(client: ClickHouseClient, tenant: string): ReturnType<typeof runState> {
  let reads = runStateReads.get(client)
  if (!reads) runStateReads.set(client, reads = new Map())
  const inFlight = reads.get(tenant)
  if (inFlight) return inFlight
  const read = runState(client, tenant).finally(() => reads.delete(tenant))
  reads.set(tenant, read)
  return read
}

/** The usable materialization for a tenant and look-back, or null (then everything is answered live). */
export async function matView(client: ClickHouseClient, tenant: string, lookback: number): Promise<MatView | null> {
  const st = await sharedRunState(client, tenant)
  if (!st || st.run.lookback !== lookback) return null
  return { gen: st.run.gen, validTo: st.stale ?? st.run.valid_to }
}

/** The user state (uid, ivs, fails) of a scope and its parameters: from the snapshot when there is one. */
export interface StateSource {
  sql: string
  params: Record<string, unknown>
}

/**
 * The period's user-day rows split into materialized days [m_from, m_to) (whole days inside the period and
 * before the view's validTo) and the rest, answered live.
 */
export interface Split {
  view: MatView | null
  /** Materialized days, as 'YYYY-MM-DD'; empty when m_from >= m_to. */
  m_from: string
  m_to: string
  state: StateSource
}

/**
 * The split of a scope. `fails: false` when the caller never asks after-failure (enrollment): the state then
 * reads no failures.
 */
export function splitScope(s: Scope, lookbackDays: number, view: MatView | null, o: { fails?: boolean } = {}): Split {
  if (!view) {
    return { view, m_from: dayOf(s.period.fromMs), m_to: dayOf(s.period.fromMs), state: { sql: USER_STATE_SQL, params: stateParams(s, lookbackDays) } }
  }
  const fromDayMs = Math.ceil(s.period.fromMs / DAY_MS) * DAY_MS
  const toDayMs = Math.floor(s.period.toMs / DAY_MS) * DAY_MS
  const validMs = Date.parse(`${view.validTo}T00:00:00Z`)
  const mFromMs = fromDayMs
  const mToMs = Math.max(mFromMs, Math.min(toDayMs, validMs))
  // Failures matter only to live rows: from the period start when its first (partial) day is live, else from
  // the first live day (a failure counts for fallbacks in the 10 minutes after it, read from the day before).
  const liveFromMs = mFromMs > s.period.fromMs || mToMs === mFromMs ? s.period.fromMs : mToMs
  const stFromMs = o.fails === false ? s.period.toMs : liveFromMs
  return {
    view,
    m_from: dayOf(mFromMs),
    m_to: dayOf(mToMs),
    state: {
      sql: SNAPSHOT_STATE_SQL,
      params: {
        tenant: s.tenant,
        lookback: lookbackDays,
        st_gen: view.gen,
        st_live_day: view.validTo,
        st_from: new Date(stFromMs).toISOString().replace('T', ' ').slice(0, 23),
        st_to: s.period.to,
        st_from_day: dayOf(stFromMs),
        st_to_day: dayOf(s.period.toMs),
      },
    },
  }
}

/**
 * SQL of the period's per-row fallback facts (holder_logins, fallbacks, after_failure, last_fallback) with the
 * caller's `cols` over `l` (user_day_logins columns): materialized rows for [m_from, m_to), the live row SQL
 * (`liveRowSql`, given the user-day rows outside that range) for the rest.
 */
export function factsRowsSql(s: Scope, lookbackDays: number, sp: Split, cols: string, liveRowSql: (liveWhere: string) => string): { sql: string; params: Record<string, unknown> } {
  const live = liveRowSql('AND (day < {m_from:Date} OR day >= {m_to:Date})')
  const params = { ...sp.state.params, m_from: sp.m_from, m_to: sp.m_to }
  if (!sp.view || sp.m_from >= sp.m_to) return { sql: live, params }
  const f = filterSql(s.filters, { alias: 'l' })
  // No live day at all (the period is closed and validly materialized): the live SQL would still build the
  // user state for its join, for nothing.
  const allMaterialized = sp.m_from === dayOf(s.period.fromMs) && sp.m_to === dayOf(s.period.toMs)
  return {
    sql: `
      SELECT ${cols}, l.holder_logins AS holder_logins, l.fallbacks AS fallbacks, l.after_failure AS after_failure, l.last_fallback AS last_fallback
      FROM passkey_facts AS l
      WHERE l.tenant = {tenant:String} AND l.lookback = {lookback:UInt32} AND l.day >= {m_from:Date} AND l.day < {m_to:Date} ${f.sql}
        -- Each day's facts of the newest published run that covered it (runs not published are never read).
        AND (l.day, l.gen) IN (
          SELECT d, max(gen) FROM (
            SELECT gen, arrayJoin(arrayMap(i -> facts_from + i, range(toUInt32(dateDiff('day', facts_from, valid_to))))) AS d
            FROM passkey_mat_runs
            WHERE tenant = {tenant:String} AND lookback = {lookback:UInt32} AND gen <= {st_gen:UInt64}
          )
          WHERE d >= {m_from:Date} AND d < {m_to:Date}
          GROUP BY d)
      ${allMaterialized ? '' : `UNION ALL ${live}`}`,
    params: { ...params, ...f.params, lookback: lookbackDays },
  }
}

/**
 * With a run (split.view): one row per user with passkey evidence before one of the ends, and for each end (a
 * column name → a Date expression; T = that day 00:00) has(T), flat (no intervals built): B(T) from the
 * snapshot's intervals or a passkey login on a live day within the look-back before T; A(T) when the latest
 * registration before T has no removal after it before T (SPEC §2; a removal at the same instant does not
 * cancel). Uses the split's state parameters. One read of each source whatever the number of ends.
 */
export function hasAtEndsSql(ends: Record<string, string>): string {
  const e = Object.entries(ends).map(([name, day]) => ({ name, day, T: `toDateTime64(${day}, 3, 'UTC')` }))
  const last = e.length === 1 ? e[0]!.day : `greatest(${e.map((x) => x.day).join(', ')})`
  const cols = (f: (x: (typeof e)[number]) => string) => e.map((x) => `${f(x)} AS ${x.name}`).join(', ')
  return `
  SELECT uid, ${e.map((x) => `max(${x.name}) AS ${x.name}`).join(', ')}
  FROM (
    SELECT uid, ${cols((x) => `toUInt8(arrayExists(iv -> iv.1 < ${x.T} AND ${x.T} <= iv.2, ivs))`)}
    FROM passkey_snapshot
    WHERE tenant = {tenant:String} AND lookback = {lookback:UInt32} AND gen = {st_gen:UInt64}
    UNION ALL
    SELECT uid, ${cols((x) => `toUInt8(ifNull(maxIf(pk_last, day < ${x.day}) >= ${x.T} - toIntervalDay({lookback:UInt32}), 0))`)}
    FROM user_passkey_days
    WHERE tenant = {tenant:String} AND day >= {st_live_day:Date} AND day < ${last} AND pk_first IS NOT NULL
    GROUP BY uid
    UNION ALL
    SELECT uid, ${cols((x) => `toUInt8(r_${x.name} > toDateTime64(0, 3, 'UTC') AND NOT (m_${x.name} > r_${x.name}))`)}
    FROM (
      SELECT uid, ${e.map((x) => `maxIf(ts, registered = 1 AND ts < ${x.T}) AS r_${x.name}, maxIf(ts, registered = 0 AND ts < ${x.T}) AS m_${x.name}`).join(', ')}
      FROM user_passkey_changes
      WHERE tenant = {tenant:String} AND ts < toDateTime64(${last}, 3, 'UTC')
      GROUP BY uid
    )
  )
  GROUP BY uid`
}
