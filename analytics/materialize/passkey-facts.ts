// The job that keeps the materialized passkey facts (migration 021, read by analytics/queries/materialized.ts):
// per tenant, the per-row fallback facts of closed days (before today, UTC) and the snapshot of B(t)'s intervals,
// computed with the tenant's look-back by the same SQL the live queries run (so materialized answers are the
// live ones), incrementally: from the previous run's valid_to, or from the first day that received late
// evidence since its snapshot, or from the first day of data when the look-back changed or nothing was published.
//
// Crash safety: a run writes its facts and snapshot under a new generation and publishes it last (one row in
// passkey_mat_runs); queries read only published generations, so a run that fails or dies half-way leaves the
// previous answers in place (they stay correct: the late evidence that made them stale still sends its days to
// the live SQL). Running twice with nothing new publishes nothing.
import type { Logger } from '../../core/logger.js'
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { readTenantAssumptions, resolveAssumptions } from '../queries/assumptions.js'
import { dayOf, rows, snapPeriod, type Scope } from '../queries/common.js'
import { fallbackRowSql } from '../queries/fallbacks.js'
import { ARRIVAL_MARGIN_MS, runState } from '../queries/materialized.js'
import { passkeyDayIslandsSql, stateParams, USER_STATE_SQL } from '../queries/passkey-state.js'

const DAY_MS = 86_400_000
/** Days of facts computed per statement: bounds the memory of one join on a large store. */
const CHUNK_DAYS = 31

export interface RunResult {
  tenant: string
  /** False when everything was already valid (nothing written). */
  published: boolean
  gen?: number
  facts_from?: string
  valid_to?: string
  ms: number
}

export interface RunOptions {
  /** The first day not closed (UTC 'YYYY-MM-DD'); today by default. */
  today?: string
  /** Called after the facts and snapshot are written, before they are published (tests make a run fail here). */
  beforePublish?: () => Promise<void>
  /** Evidence stored this long before the run started may not have been visible to it (ARRIVAL_MARGIN_MS). */
  marginMs?: number
}

async function command(client: ClickHouseClient, query: string, query_params: Record<string, unknown>): Promise<void> {
  await client.command({ query, query_params, clickhouse_settings: { join_use_nulls: 0 } })
}

/** The tenant's current look-back (SPEC §2), as the routes resolve it without request overrides. */
export async function tenantLookback(client: ClickHouseClient, tenant: string): Promise<number> {
  return resolveAssumptions((await readTenantAssumptions(client, tenant)).overrides, {}).values.passkey_lookback_days
}

/** One run for one tenant. */
export async function materializeTenant(client: ClickHouseClient, tenant: string, o: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now()
  const today = o.today ?? dayOf(Date.now())
  const lookback = await tenantLookback(client, tenant)
  // Taken before anything is read: evidence stored after it (less the margin) marks its days stale.
  const [{ now }] = await rows<{ now: string }>(client, "SELECT toString(now64(3, 'UTC')) AS now", {}) as [{ now: string }]
  const state = await runState(client, tenant)
  const latest = state?.run
  let start: string
  if (latest && latest.lookback === lookback) {
    start = state.stale ?? latest.valid_to
    if (start >= today && latest.valid_to >= today) return { tenant, published: false, ms: performance.now() - t0 }
  } else {
    const [r] = await rows<{ d: string | null }>(client,
      'SELECT toString(minOrNull(day)) AS d FROM user_day_logins WHERE tenant = {tenant:String}', { tenant })
    start = r?.d && r.d !== '\\N' && r.d < today ? r.d : today
  }
  if (start > today) start = today
  const gen = Math.max(Date.now(), (latest?.gen ?? 0) + 1)

  for (let a = Date.parse(`${start}T00:00:00Z`); a < Date.parse(`${today}T00:00:00Z`); a += CHUNK_DAYS * DAY_MS) {
    const b = Math.min(a + CHUNK_DAYS * DAY_MS, Date.parse(`${today}T00:00:00Z`))
    const s: Scope = { tenant, period: snapPeriod(a, b, 'day'), filters: {} }
    await command(client, `
      INSERT INTO passkey_facts
      SELECT {tenant:String}, {lookback:UInt32}, {gen:UInt64}, day, uid, product, method_class, source, os, browser, device_type,
             department, user_type, privileged, user_id, holder_logins, fallbacks, after_failure, last_fallback
      FROM (
        SELECT l.day AS day, l.uid AS uid, l.product AS product, l.method_class AS method_class, l.source AS source, l.os AS os,
               l.browser AS browser, l.device_type AS device_type, l.department AS department, l.user_type AS user_type,
               l.privileged AS privileged, l.user_id AS user_id, ${fallbackRowSql()}
        FROM (SELECT * FROM user_day_logins WHERE tenant = {tenant:String} AND day >= {from_day:Date} AND day < {to_day:Date}) AS l
        INNER JOIN (${USER_STATE_SQL}) AS u ON l.uid = u.uid
      )
      WHERE holder_logins > 0`,
    { tenant, lookback, gen, from: s.period.from, to: s.period.to, to_day: dayOf(b), ...stateParams(s, lookback) })
  }
  await command(client, `
    INSERT INTO passkey_snapshot
    SELECT {tenant:String}, {lookback:UInt32}, {gen:UInt64}, uid, pk_ivs
    FROM (${passkeyDayIslandsSql('day < {today:Date}')})`, { tenant, lookback, gen, today })
  await o.beforePublish?.()
  await command(client, `
    INSERT INTO passkey_mat_runs (tenant, gen, lookback, facts_from, valid_to, snapshot_at, margin_ms, published_at)
    VALUES ({tenant:String}, {gen:UInt64}, {lookback:UInt32}, {start:Date}, {today:Date}, {now:DateTime64(3, 'UTC')}, {margin:UInt32}, now64(3, 'UTC'))`,
  { tenant, gen, lookback, start, today, now, margin: o.marginMs ?? ARRIVAL_MARGIN_MS })
  // What the previous run superseded is no longer read by any query that started after this publication.
  if (latest) {
    await command(client, 'ALTER TABLE passkey_snapshot DELETE WHERE tenant = {tenant:String} AND gen < {prev:UInt64}', { tenant, prev: latest.gen })
    await command(client, `ALTER TABLE passkey_facts DELETE WHERE tenant = {tenant:String} AND gen < {prev:UInt64}
      AND day >= {pf:Date} AND day < {pt:Date}`, { tenant, prev: latest.gen, pf: latest.facts_from, pt: latest.valid_to })
  }
  return { tenant, published: true, gen, facts_from: start, valid_to: today, ms: performance.now() - t0 }
}

/** One run for every tenant with sign-ins. */
export async function materializeAll(client: ClickHouseClient, o: RunOptions = {}): Promise<RunResult[]> {
  const tenants = await rows<{ tenant: string }>(client, 'SELECT DISTINCT tenant FROM user_day_logins', {})
  const out: RunResult[] = []
  for (const { tenant } of tenants) out.push(await materializeTenant(client, tenant, o))
  return out
}

export interface PasskeyFactsJob {
  /** The run in progress, or the last one (resolves once it has ended, failed or not). */
  idle(): Promise<void>
  stop(): Promise<void>
}

/** Runs at start and every `intervalMs`, one run at a time; a failed run is logged and retried on the next tick. */
export function startPasskeyFacts(o: { client: ClickHouseClient; log: Logger; intervalMs: number; marginMs: number }): PasskeyFactsJob {
  let current: Promise<void> = Promise.resolve()
  let stopped = false
  const tick = () => {
    current = current.then(async () => {
      if (stopped) return
      try {
        for (const r of await materializeAll(o.client, { marginMs: o.marginMs })) {
          if (r.published) o.log.info({ tenant: r.tenant, facts_from: r.facts_from, valid_to: r.valid_to, ms: Math.round(r.ms) }, 'passkey facts materialized')
        }
      } catch (err) {
        if (!stopped) o.log.warn({ err }, 'passkey facts run failed; queries answer live until the next run')
      }
    })
  }
  tick()
  const timer = setInterval(tick, o.intervalMs)
  timer.unref()
  return {
    idle: () => current,
    stop: async () => {
      stopped = true
      clearInterval(timer)
      await current
    },
  }
}
