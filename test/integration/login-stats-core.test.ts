// The narrow login statistics (migration 020) hold exactly what auth_events holds: per hour and per day, every
// (event type, product, method class, outcome, failure reason, authenticator) has the same counts, latency sums
// and latency quantiles as SQL over auth_events FINAL and as the wide rollups of migration 004 (which
// statsFrom() reads when a filter needs them). Filled by the materialized views as events arrive, and by the
// migration's backfill on an upgrade, which may run twice without counting twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { coreAnswers, statsTable, snapPeriod } from '../../analytics/queries/common.js'
import { seedDemo } from '../../demo/seed.js'
import { migrate } from '../../store/migrate.js'
import { openDemoStore, queryRows, type DemoStore } from '../helpers/store.js'

let t: DemoStore

beforeAll(async () => {
  t = await openDemoStore({ users: 120, days: 20, tenant: 'core' })
}, 180_000)

afterAll(async () => {
  await t?.cleanup()
})

const KEY = 'tenant, event_type, product, method_class, outcome, failure_reason, authenticator'
const FIGURES = `sum(events) AS events, sum(latency_n) AS latency_n, sum(latency_sum) AS latency_sum,
  arrayMap(x -> round(x, 6), quantilesDDMerge(0.01, 0.5, 0.9, 0.95)(latency_dd)) AS q`

/** The rows of a stats table (or of auth_events) per time unit and key, sorted, as comparable strings. */
async function table(sql: string): Promise<string[]> {
  const rows = await queryRows<Record<string, unknown>>(t.store, sql)
  return rows.map((r) => JSON.stringify(r)).sort()
}

const fromRaw = (time: string) => table(`
  SELECT ${time} AS t, ${KEY}, count() AS events, count(latency_ms) AS latency_n, sum(ifNull(latency_ms, 0)) AS latency_sum,
         arrayMap(x -> round(x, 6), quantilesDD(0.01, 0.5, 0.9, 0.95)(latency_ms)) AS q
  FROM auth_events FINAL GROUP BY t, ${KEY}`)
const fromStats = (tbl: string, time: string) => table(`SELECT toString(${time}) AS t, ${KEY}, ${FIGURES} FROM ${tbl} GROUP BY t, ${KEY}`)

async function expectExact(): Promise<number> {
  const rawDays = await fromRaw('toString(toDate(ts))')
  expect(rawDays.length).toBeGreaterThan(100)
  expect(await fromStats('login_stats_core_daily', 'day')).toEqual(rawDays)
  expect(await fromStats('login_stats_daily', 'day')).toEqual(rawDays)
  expect(await fromStats('login_stats_core_hourly', 'hour')).toEqual(await fromRaw('toString(toStartOfHour(ts))'))
  return rawDays.length
}

describe('login_stats_core (migration 020)', () => {
  it('is read only when every filter is one it holds', () => {
    const p = snapPeriod(Date.parse('2026-10-01'), Date.parse('2026-10-08'), 'day')
    expect(statsTable(p).table).toBe('login_stats_core_daily')
    expect(statsTable({ ...p, grain: 'hour' }, { product: 'jira', method_class: 'sso' }).table).toBe('login_stats_core_hourly')
    for (const f of [{ department: 'IT' }, { user_type: 'guest' }, { privileged: 1 as const }, { source: 'okta' }, { product: 'jira', privileged: 0 as const }]) {
      expect(coreAnswers(f)).toBe(false)
      expect(statsTable(p, f).table).toBe('login_stats_daily')
    }
  })

  it('agrees exactly with auth_events FINAL and with the wide rollups, per hour and per day', async () => {
    await expectExact()
  })

  it('an upgrade backfills it from auth_events; running the migration again counts nothing twice; new events then arrive through the views', async () => {
    const c = t.store.client
    for (const name of ['login_stats_core_daily_mv', 'login_stats_core_hourly_mv', 'login_stats_core_daily', 'login_stats_core_hourly']) {
      await c.command({ query: `DROP TABLE IF EXISTS ${name}` })
    }
    await c.command({ query: "ALTER TABLE rollup_backfills DELETE WHERE rollup = 'login_stats_core' SETTINGS mutations_sync = 2" })
    const forget = () => c.command({ query: 'ALTER TABLE schema_migrations DELETE WHERE version = 20 SETTINGS mutations_sync = 2' })
    await forget()
    expect((await migrate(c)).applied).toEqual(['020_login_stats_core'])
    const before = await expectExact()
    await forget()
    expect((await migrate(c)).applied).toEqual(['020_login_stats_core'])
    expect(await expectExact()).toBe(before)
    // Events ingested after the upgrade reach the core tables through the views.
    const more = await seedDemo(t.service, { users: 40, days: 5, tenant: 'core-later' })
    expect(more.stored).toBeGreaterThan(0)
    expect(await expectExact()).toBeGreaterThan(before)
  }, 180_000)
})
