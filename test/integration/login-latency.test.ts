// The narrow latency table (migration 026) holds exactly what auth_events holds: per day, every (method class,
// source, department, user type, privileged) of successful logins has the same latency count, sum and quantiles
// as SQL over auth_events FINAL and as the wide rollups of migration 004. latencyFrom() reads it only for whole
// days with person filters and no product. Filled by the view as events arrive, and by the migration's backfill
// on an upgrade, which may run twice without counting twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { latencyFrom, snapPeriod, type Filters } from '../../analytics/queries/common.js'
import { seedDemo } from '../../demo/seed.js'
import { migrate } from '../../store/migrate.js'
import { openDemoStore, queryRows, type DemoStore } from '../helpers/store.js'

let t: DemoStore

beforeAll(async () => {
  t = await openDemoStore({ users: 120, days: 20, tenant: 'latency' })
}, 180_000)

afterAll(async () => {
  await t?.cleanup()
})

const KEY = 'tenant, method_class, source, department, user_type, privileged'
const FIGURES = `sum(latency_n) AS latency_n, sum(latency_sum) AS latency_sum,
  arrayMap(x -> round(x, 6), quantilesDDMerge(0.01, 0.5, 0.9, 0.95)(latency_dd)) AS q`
const SUCCESS = "event_type = 'login' AND outcome = 'success'"

async function table(sql: string): Promise<string[]> {
  const rows = await queryRows<Record<string, unknown>>(t.store, sql)
  return rows.map((r) => JSON.stringify(r)).sort()
}

const fromRaw = () => table(`
  SELECT toString(toDate(ts)) AS t, ${KEY}, count(latency_ms) AS latency_n, sum(ifNull(latency_ms, 0)) AS latency_sum,
         arrayMap(x -> round(x, 6), quantilesDD(0.01, 0.5, 0.9, 0.95)(latency_ms)) AS q
  FROM auth_events FINAL WHERE ${SUCCESS} GROUP BY t, ${KEY}`)

async function expectExact(): Promise<number> {
  const raw = await fromRaw()
  expect(raw.length).toBeGreaterThan(100)
  // Some groups have latencies, and their quantiles are not empty.
  expect(raw.filter((r) => JSON.parse(r).latency_n > 0).length).toBeGreaterThan(50)
  expect(await table(`SELECT toString(day) AS t, ${KEY}, ${FIGURES} FROM login_latency_daily GROUP BY t, ${KEY}`)).toEqual(raw)
  expect(await table(`SELECT toString(day) AS t, ${KEY}, ${FIGURES} FROM login_stats_daily WHERE ${SUCCESS} GROUP BY t, ${KEY}`)).toEqual(raw)
  return raw.length
}

describe('login_latency_daily (migration 026)', () => {
  it('is read for whole days with person filters and no product, else the stats tables', () => {
    const days = snapPeriod(Date.parse('2026-10-01'), Date.parse('2026-10-08'), 'day')
    const hours = { ...days, grain: 'hour' as const }
    const from = (period: typeof days, filters: Filters) => latencyFrom({ tenant: 'x', period, filters }).table
    for (const f of [{ department: 'IT' }, { user_type: 'guest' }, { privileged: 1 as const }, { source: 'okta' }, { department: 'IT', method_class: 'sso' }]) {
      expect(from(days, f)).toBe('login_latency_daily')
      expect(from(hours, f)).toBe('login_stats_hourly')
    }
    expect(from(days, {})).toBe('login_stats_core_daily')
    expect(from(days, { product: 'jira', method_class: 'sso' })).toBe('login_stats_core_daily')
    expect(from(days, { product: 'jira', department: 'IT' })).toBe('login_stats_daily')
  })

  it('agrees exactly with auth_events FINAL and with the wide rollups, per day', async () => {
    await expectExact()
  })

  it('an upgrade backfills it from auth_events; running the migration again counts nothing twice; new events then arrive through the view', async () => {
    const c = t.store.client
    for (const name of ['login_latency_daily_mv', 'login_latency_daily']) await c.command({ query: `DROP TABLE IF EXISTS ${name}` })
    await c.command({ query: "ALTER TABLE rollup_backfills DELETE WHERE rollup = 'login_latency' SETTINGS mutations_sync = 2" })
    const forget = () => c.command({ query: 'ALTER TABLE schema_migrations DELETE WHERE version = 26 SETTINGS mutations_sync = 2' })
    await forget()
    expect((await migrate(c)).applied).toEqual(['026_login_latency'])
    const before = await expectExact()
    await forget()
    expect((await migrate(c)).applied).toEqual(['026_login_latency'])
    expect(await expectExact()).toBe(before)
    const more = await seedDemo(t.service, { users: 40, days: 5, tenant: 'latency-later' })
    expect(more.stored).toBeGreaterThan(0)
    expect(await expectExact()).toBeGreaterThan(before)
  }, 180_000)
})
