// enrollment() counts has(t) (SPEC §2) at every bucket end as bits of one integer per user (analytics/queries/
// end-bits.ts); enrollmentByIntervals() asks the same of the user state's intervals (passkey-state.ts), the SQL
// the service ran before. Both must agree exactly, on the demo organisation (real ingest, real views): every
// bucket kind, periods cutting weeks and months, cut to hours, longer than one mask, with filters, another
// look-back; without a run, with a run over closed and live days, and after late evidence (a registration, a
// removal, a passkey login) for materialized days, before and after the job catches up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { enrollment, enrollmentByIntervals } from '../../analytics/queries/adoption.js'
import { snapPeriod, type DayBucket, type Filters, type Scope } from '../../analytics/queries/common.js'
import { matView } from '../../analytics/queries/materialized.js'
import { materializeTenant } from '../../analytics/materialize/passkey-facts.js'
import { openDemoStore, queryRows, type DemoStore } from '../helpers/store.js'

const TENANT = 'bits'
/** The job's "today": the demo runs to 2026-11-01, so the last days stay live. */
const TODAY = '2026-10-27'
const LATE = '2026-10-12'
let t: DemoStore

beforeAll(async () => {
  t = await openDemoStore({ users: 150, days: 40, tenant: TENANT })
}, 240_000)

afterAll(async () => {
  await t?.cleanup()
})

const scope = (from: string, to: string, filters: Filters = {}, grain: 'day' | 'hour' = 'day'): Scope =>
  ({ tenant: TENANT, period: snapPeriod(Date.parse(from), Date.parse(to), grain), filters })

const CASES: [string, Scope][] = [
  ['the last 30 days', scope('2026-10-02', '2026-11-01')],
  ['weeks and months cut on both sides', scope('2026-09-24', '2026-10-27')],
  ['closed days only', scope('2026-10-05', '2026-10-20')],
  ['cut to hours', scope('2026-10-05T07:00:00Z', '2026-10-29T15:00:00Z', {}, 'hour')],
  ['one day', scope('2026-10-20', '2026-10-21')],
  ['before any sign-in', scope('2025-01-01', '2025-02-01')],
  // 300 days by day: more buckets than a mask holds (the interval path answers); by week and month, masks.
  ['300 days', scope('2026-01-05', '2026-11-01')],
]

/** Every bucket kind and the total alone, by both implementations, for one scope and look-back. */
async function both(s: Scope, lookbackDays: number): Promise<{ bits: unknown[]; intervals: unknown[] }> {
  const c = t.store.client
  const view = await matView(c, s.tenant, lookbackDays)
  const bits: unknown[] = []
  const intervals: unknown[] = []
  for (const bucket of ['day', 'week', 'month'] as DayBucket[]) {
    bits.push(await enrollment(c, s, { bucket, lookbackDays }))
    intervals.push(await enrollmentByIntervals(c, s, { bucket, lookbackDays }, view))
  }
  bits.push(await enrollment(c, s, { bucket: 'day', lookbackDays, totalOnly: true }))
  intervals.push(await enrollmentByIntervals(c, s, { bucket: 'day', lookbackDays, totalOnly: true }, view))
  return { bits, intervals }
}

async function filterCases(): Promise<Filters[]> {
  const out: Filters[] = []
  for (const col of ['product', 'department', 'method_class'] as const) {
    const [r] = await queryRows<{ v: string }>(t.store, `SELECT ${col} AS v FROM user_day_logins WHERE tenant = {t:String} GROUP BY v ORDER BY sum(logins) DESC LIMIT 1`, { t: TENANT })
    out.push({ [col]: r!.v })
  }
  out.push({ privileged: 1 })
  return out
}

async function expectAgree(lookbackDays = 180): Promise<void> {
  for (const [name, s] of CASES) {
    const r = await both(s, lookbackDays)
    expect(r.bits, name).toEqual(r.intervals)
  }
  for (const f of await filterCases()) {
    const r = await both({ ...CASES[0]![1], filters: f }, lookbackDays)
    expect(r.bits, JSON.stringify(f)).toEqual(r.intervals)
  }
}

/** Inserts a copy of one of the user's sign-ins, changed (the real insert path: every view fires). */
async function lateEvent(user: string, ts: string, e: { event_type?: string; method: string; passkey_type?: string; pr: number }): Promise<void> {
  await t.store.client.command({
    query: `
      INSERT INTO auth_events
      SELECT * REPLACE (generateUUIDv4() AS event_id, toDateTime64({ts:String}, 3, 'UTC') AS ts, now64(3, 'UTC') AS ingested_at,
                        {et:String} AS event_type, 'success' AS outcome, {method:String} AS method,
                        {pt:String} AS passkey_type, 'none' AS second_factor, {pr:UInt8} AS phishing_resistant,
                        'none' AS failure_reason, generateUUIDv4() AS flow_id)
      FROM (SELECT * FROM auth_events WHERE tenant = {tenant:String} AND user_id = {user:String} AND event_type = 'login' AND outcome = 'success' AND method = 'password' LIMIT 1)`,
    query_params: { tenant: TENANT, user, ts, et: e.event_type ?? 'login', method: e.method, pt: e.passkey_type ?? 'none', pr: e.pr },
  })
}

describe('enrollment by bucket-end bits', () => {
  it('agrees with the intervals without a run (and the answers are not trivial)', async () => {
    expect(await matView(t.store.client, TENANT, 180)).toBeNull()
    const r = await enrollment(t.store.client, CASES[0]![1], { bucket: 'day', lookbackDays: 180 })
    expect(r.series.length).toBe(30)
    expect(r.enrollment_rate.numerator).toBeGreaterThan(0)
    expect(r.enrollment_rate.denominator).toBeGreaterThan(r.enrollment_rate.numerator)
    // Enrollment grows over the demo's period: the series is not one repeated figure.
    expect(new Set(r.series.map((x) => x.value)).size).toBeGreaterThan(1)
    await expectAgree()
    await expectAgree(5)
  }, 300_000)

  it('agrees with a run (closed days materialized, the last ones live)', async () => {
    expect(await materializeTenant(t.store.client, TENANT, { today: TODAY, marginMs: 0 })).toMatchObject({ published: true, valid_to: TODAY })
    expect((await matView(t.store.client, TENANT, 180))?.validTo).toBe(TODAY)
    await expectAgree()
    // Another look-back than the run's: answered without it.
    await expectAgree(5)
  }, 300_000)

  it('agrees after late evidence for materialized days, and after the job catches up', async () => {
    const users = await queryRows<{ user_id: string; pk: number }>(t.store, `
      SELECT user_id, (cityHash64(user_id) IN (SELECT uid FROM user_passkey_changes WHERE tenant = {t:String})
                       OR cityHash64(user_id) IN (SELECT uid FROM user_passkey_days WHERE tenant = {t:String} AND pk_first IS NOT NULL)) AS pk
      FROM auth_events WHERE tenant = {t:String} AND event_type = 'login' AND outcome = 'success' AND method = 'password' AND ts >= {late:Date}
      GROUP BY user_id ORDER BY user_id`, { t: TENANT, late: LATE })
    const none = users.filter((u) => !Number(u.pk)).map((u) => u.user_id)
    const holders = users.filter((u) => Number(u.pk)).map((u) => u.user_id)
    expect(none.length).toBeGreaterThanOrEqual(3)
    expect(holders.length).toBeGreaterThanOrEqual(2)
    const before = await enrollment(t.store.client, CASES[0]![1], { bucket: 'day', lookbackDays: 180 })
    await lateEvent(none[0]!, `${LATE} 00:30:00`, { event_type: 'passkey_registered', method: 'passkey', passkey_type: 'synced', pr: 1 })
    await lateEvent(none[1]!, `${LATE} 01:00:00`, { method: 'passkey', passkey_type: 'synced', pr: 1 })
    await lateEvent(holders[0]!, `${LATE} 00:10:00`, { event_type: 'passkey_removed', method: 'passkey', pr: 1 })
    // A registration and a removal at the same instant: the removal does not cancel it.
    await lateEvent(none[2]!, `2026-10-14 09:00:00`, { event_type: 'passkey_registered', method: 'passkey', passkey_type: 'synced', pr: 1 })
    await lateEvent(none[2]!, `2026-10-14 09:00:00`, { event_type: 'passkey_removed', method: 'passkey', pr: 1 })
    // Then removed and registered again inside the period.
    await lateEvent(holders[1]!, `2026-10-16 10:00:00`, { event_type: 'passkey_removed', method: 'passkey', pr: 1 })
    await lateEvent(holders[1]!, `2026-10-22 10:00:00`, { event_type: 'passkey_registered', method: 'passkey', passkey_type: 'synced', pr: 1 })
    expect((await matView(t.store.client, TENANT, 180))?.validTo).toBe(LATE)
    expect(await enrollment(t.store.client, CASES[0]![1], { bucket: 'day', lookbackDays: 180 })).not.toEqual(before)
    await expectAgree()
    expect(await materializeTenant(t.store.client, TENANT, { today: TODAY, marginMs: 0 })).toMatchObject({ published: true, facts_from: LATE })
    expect((await matView(t.store.client, TENANT, 180))?.validTo).toBe(TODAY)
    await expectAgree()
  }, 300_000)
})
