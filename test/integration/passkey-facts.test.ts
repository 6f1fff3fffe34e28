// The materialized per-person passkey facts (migration 021, analytics/materialize/passkey-facts.ts) give exactly
// the live answers (SPEC §2 "has a passkey at t", KPIs 3 and 7, the user lists), on the demo organisation
// (real ingest, real views): for periods partly materialized, wholly materialized, and cut to hours; with every
// filter; after late evidence (a registration, a removal, a passkey login, a fallback, a failure then a
// fallback) arriving for days already materialized, before and after the job catches up; after a look-back
// change; when the job runs twice; and when a run fails before publishing. "Live" is the same query with no
// published run (the runs table swapped for an empty one), which is the SQL the service ran before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeTenantAssumptions } from '../../analytics/queries/assumptions.js'
import { enrollment } from '../../analytics/queries/adoption.js'
import { snapPeriod, type Filters, type Scope } from '../../analytics/queries/common.js'
import { fallbacks } from '../../analytics/queries/fallbacks.js'
import { latestRun, matView, splitScope } from '../../analytics/queries/materialized.js'
import { fallbackUsers, usersWithoutPasskey } from '../../analytics/queries/users.js'
import { materializeTenant } from '../../analytics/materialize/passkey-facts.js'
import { count, openDemoStore, queryRows, type DemoStore } from '../helpers/store.js'

const TENANT = 'facts'
/** The job's "today": days before it are closed; the demo runs to 2026-11-01, so the last days stay live. */
const TODAY = '2026-10-27'
/** The day late evidence arrives for (materialized by then). */
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

/** Every answer the materialization feeds, for one scope. */
async function answers(s: Scope, lookbackDays = 180): Promise<unknown> {
  const c = t.store.client
  return {
    fallbacks: await fallbacks(c, s, { bucket: 'week', lookbackDays }),
    enrollment: await enrollment(c, s, { bucket: 'day', lookbackDays }),
    users: await fallbackUsers(c, s, { lookbackDays, limit: 1000 }),
    without: await usersWithoutPasskey(c, s, { lookbackDays, limit: 1000 }),
  }
}

/** Runs `fn` with `table` swapped for an empty copy of it. */
async function withEmpty<T>(table: string, fn: () => Promise<T>): Promise<T> {
  const c = t.store.client
  await c.command({ query: `CREATE TABLE IF NOT EXISTS ${table}_empty AS ${table}` })
  await c.command({ query: `EXCHANGE TABLES ${table} AND ${table}_empty` })
  try {
    return await fn()
  } finally {
    await c.command({ query: `EXCHANGE TABLES ${table} AND ${table}_empty` })
  }
}

/** The live answer: no published run. */
const live = (s: Scope, lookbackDays = 180) => withEmpty('passkey_mat_runs', () => answers(s, lookbackDays))

/** The most frequent value of each filter in the demo's sign-ins. */
async function filterCases(): Promise<Filters[]> {
  const out: Filters[] = []
  for (const col of ['product', 'department', 'user_type', 'source', 'method_class'] as const) {
    const [r] = await queryRows<{ v: string }>(t.store, `SELECT ${col} AS v FROM user_day_logins WHERE tenant = {t:String} GROUP BY v ORDER BY sum(logins) DESC LIMIT 1`, { t: TENANT })
    out.push({ [col]: r!.v })
  }
  out.push({ privileged: 1 }, { department: (out[1] as { department: string }).department, method_class: 'password_mfa' })
  return out
}

const LAST_30 = scope('2026-10-02', '2026-11-01')
const CLOSED = scope('2026-10-05', '2026-10-20')
const MID_DAY = scope('2026-10-05T07:00:00Z', '2026-10-29T15:00:00Z', {}, 'hour')
const SCOPES: [string, Scope][] = [['the last 30 days (closed and live days)', LAST_30], ['closed days only', CLOSED], ['a period cut to hours', MID_DAY]]

async function expectAllEqualLive(lookbackDays = 180): Promise<void> {
  for (const [name, s] of SCOPES) expect(await answers(s, lookbackDays), name).toEqual(await live(s, lookbackDays))
  for (const f of await filterCases()) {
    const s = { ...LAST_30, filters: f }
    expect(await answers(s, lookbackDays), JSON.stringify(f)).toEqual(await live(s, lookbackDays))
  }
}

/** Inserts a copy of one of the user's sign-ins, changed (the real insert path: every view fires). */
async function lateEvent(user: string, ts: string, e: { event_type?: string; outcome?: string; method: string; passkey_type?: string; second_factor?: string; pr: number; failure_reason?: string }): Promise<void> {
  await t.store.client.command({
    query: `
      INSERT INTO auth_events
      SELECT * REPLACE (generateUUIDv4() AS event_id, toDateTime64({ts:String}, 3, 'UTC') AS ts, now64(3, 'UTC') AS ingested_at,
                        {et:String} AS event_type, {outcome:String} AS outcome, {method:String} AS method,
                        {pt:String} AS passkey_type, {sf:String} AS second_factor, {pr:UInt8} AS phishing_resistant,
                        {fr:String} AS failure_reason, generateUUIDv4() AS flow_id)
      -- The template in a subquery: the REPLACE aliases would otherwise be what its WHERE compares.
      FROM (SELECT * FROM auth_events WHERE tenant = {tenant:String} AND user_id = {user:String} AND event_type = 'login' AND outcome = 'success' AND method = 'password' LIMIT 1)`,
    query_params: {
      tenant: TENANT, user, ts, et: e.event_type ?? 'login', outcome: e.outcome ?? 'success', method: e.method,
      pt: e.passkey_type ?? 'none', sf: e.second_factor ?? 'none', pr: e.pr, fr: e.failure_reason ?? 'none',
    },
  })
}

describe('materialized passkey facts', () => {
  it('a first run publishes closed days; answers equal the live ones for every period and filter', async () => {
    const before = await live(LAST_30)
    const r = await materializeTenant(t.store.client, TENANT, { today: TODAY, marginMs: 0 })
    expect(r).toMatchObject({ published: true, valid_to: TODAY })
    // Not vacuous: facts exist, the period is read partly from them, and it has fallbacks to count.
    expect(await count(t.store, 'SELECT count() AS n FROM passkey_facts WHERE tenant = {t:String}', { t: TENANT })).toBeGreaterThan(0)
    const sp = splitScope(LAST_30, 180, await matView(t.store.client, TENANT, 180))
    expect(sp.m_from < sp.m_to && sp.m_to === TODAY).toBe(true)
    expect((before as { fallbacks: { fallback_rate: { numerator: number } } }).fallbacks.fallback_rate.numerator).toBeGreaterThan(0)
    await expectAllEqualLive()
  }, 240_000)

  it('running again with nothing new publishes nothing and changes nothing', async () => {
    const prev = await latestRun(t.store.client, TENANT)
    const a = await answers(LAST_30)
    expect(await materializeTenant(t.store.client, TENANT, { today: TODAY, marginMs: 0 })).toMatchObject({ published: false })
    expect(await latestRun(t.store.client, TENANT)).toEqual(prev)
    expect(await answers(LAST_30)).toEqual(a)
  }, 120_000)

  it('panels asking at once share one read of the run state; a later ask reads it again', async () => {
    const client = t.store.client
    const query = client.query.bind(client)
    let reads = 0
    client.query = ((p: Parameters<typeof query>[0]) => {
      if (p.query.includes('FROM passkey_mat_runs')) reads++
      return query(p)
    }) as typeof client.query
    try {
      const views = await Promise.all(Array.from({ length: 6 }, () => matView(client, TENANT, 180)))
      expect(reads).toBe(1)
      expect(views[0]).not.toBeNull()
      for (const v of views) expect(v).toEqual(views[0])
      await matView(client, TENANT, 180)
      expect(reads).toBe(2)
    } finally {
      client.query = query
    }
  })

  it('late evidence for materialized days: answered live at once (and the stale facts would differ), then re-materialized', async () => {
    const users = await queryRows<{ user_id: string; pk: number }>(t.store, `
      SELECT user_id, (cityHash64(user_id) IN (SELECT uid FROM user_passkey_changes WHERE tenant = {t:String})
                       OR cityHash64(user_id) IN (SELECT uid FROM user_passkey_days WHERE tenant = {t:String} AND pk_first IS NOT NULL)) AS pk
      FROM auth_events WHERE tenant = {t:String} AND event_type = 'login' AND outcome = 'success' AND method = 'password' AND ts >= {late:Date}
      GROUP BY user_id ORDER BY user_id`, { t: TENANT, late: LATE })
    const none = users.filter((u) => !Number(u.pk)).map((u) => u.user_id)
    const holders = users.filter((u) => Number(u.pk)).map((u) => u.user_id)
    expect(none.length).toBeGreaterThanOrEqual(2)
    expect(holders.length).toBeGreaterThanOrEqual(2)
    const stale = await answers(LAST_30)
    // A registration and a passkey login by people with no passkey until then, a removal, a fallback, and a
    // failed passkey attempt followed 4 minutes later by a password sign-in.
    await lateEvent(none[0]!, `${LATE} 00:30:00`, { event_type: 'passkey_registered', method: 'passkey', passkey_type: 'synced', pr: 1 })
    await lateEvent(none[1]!, `${LATE} 01:00:00`, { method: 'passkey', passkey_type: 'synced', pr: 1 })
    await lateEvent(holders[0]!, `${LATE} 00:10:00`, { event_type: 'passkey_removed', method: 'passkey', pr: 1 })
    await lateEvent(holders[1]!, `${LATE} 12:00:00`, { method: 'password', second_factor: 'push', pr: 0 })
    await lateEvent(holders[1]!, `${LATE} 23:58:00`, { outcome: 'failure', method: 'passkey', passkey_type: 'synced', pr: 1, failure_reason: 'passkey_failed' })
    await lateEvent(holders[1]!, '2026-10-13 00:02:00', { method: 'password', second_factor: 'push', pr: 0 })

    const now = await live(LAST_30)
    expect(now).not.toEqual(stale)
    // Invalidation: the days from the late one on are answered live until the job catches up.
    expect((await matView(t.store.client, TENANT, 180))?.validTo).toBe(LATE)
    expect(await answers(LAST_30)).toEqual(now)
    // Without it (the arrivals hidden), the old facts would answer, and they are wrong now.
    expect(await withEmpty('passkey_evidence_arrivals', () => answers(LAST_30))).not.toEqual(now)

    const r = await materializeTenant(t.store.client, TENANT, { today: TODAY, marginMs: 0 })
    expect(r).toMatchObject({ published: true, facts_from: LATE, valid_to: TODAY })
    expect((await matView(t.store.client, TENANT, 180))?.validTo).toBe(TODAY)
    // Re-materialized: right even with the arrivals hidden.
    expect(await withEmpty('passkey_evidence_arrivals', () => answers(LAST_30))).toEqual(now)
    await expectAllEqualLive()
  }, 300_000)

  it('a run that fails before publishing leaves the published answers in place, and they stay right', async () => {
    const prev = await latestRun(t.store.client, TENANT)
    await lateEvent((await queryRows<{ u: string }>(t.store, `SELECT any(user_id) AS u FROM auth_events WHERE tenant = {t:String} AND method = 'password' AND outcome = 'success' AND ts >= '2026-10-15'`, { t: TENANT }))[0]!.u,
      '2026-10-15 08:00:00', { method: 'password', second_factor: 'push', pr: 0 })
    await expect(materializeTenant(t.store.client, TENANT, {
      today: TODAY, marginMs: 0, beforePublish: async () => { throw new Error('crash before publishing') },
    })).rejects.toThrow('crash before publishing')
    expect(await latestRun(t.store.client, TENANT)).toEqual(prev)
    // The failed run did write (so its rows being ignored is what keeps the answers right).
    expect(await count(t.store, 'SELECT count() AS n FROM passkey_facts WHERE tenant = {t:String} AND gen > {g:UInt64}', { t: TENANT, g: prev!.gen })).toBeGreaterThan(0)
    expect((await matView(t.store.client, TENANT, 180))?.validTo).toBe('2026-10-15')
    expect(await answers(LAST_30)).toEqual(await live(LAST_30))
    // The next run recovers.
    expect(await materializeTenant(t.store.client, TENANT, { today: TODAY, marginMs: 0 })).toMatchObject({ published: true, facts_from: '2026-10-15' })
    await expectAllEqualLive()
  }, 300_000)

  it('a look-back change: answered live until a run with the new look-back, which then answers', async () => {
    await writeTenantAssumptions(t.store.client, TENANT, { passkey_lookback_days: 5 }, 'test')
    expect(await matView(t.store.client, TENANT, 5)).toBeNull()
    expect(await answers(LAST_30, 5)).not.toEqual(await answers(LAST_30, 180))
    const r = await materializeTenant(t.store.client, TENANT, { today: TODAY, marginMs: 0 })
    expect(r.published).toBe(true)
    expect((await latestRun(t.store.client, TENANT))?.lookback).toBe(5)
    expect(await matView(t.store.client, TENANT, 5)).not.toBeNull()
    // The old look-back's facts are no longer used for it.
    expect(await matView(t.store.client, TENANT, 180)).toBeNull()
    await expectAllEqualLive(5)
  }, 300_000)
})
