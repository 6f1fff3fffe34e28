// The rollups agree with the same KPIs computed from the raw events, on the demo organisation (300 people,
// 30 days): login statistics against SQL over auth_events FINAL, the per-user KPIs against a plain
// TypeScript reading of SPEC §2 and §3 over the raw rows. Then an upgrade: the rollups are dropped and
// rebuilt from auth_events by their migrations (the backfill), which may run twice without counting twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activeUsers, enrollment, passkeyPrimary } from '../../analytics/queries/adoption.js'
import { authenticators } from '../../analytics/queries/authenticators.js'
import { snapPeriod, type Scope } from '../../analytics/queries/common.js'
import { fallbacks } from '../../analytics/queries/fallbacks.js'
import { timeToSignIn } from '../../analytics/queries/latency.js'
import { methodMix } from '../../analytics/queries/method-mix.js'
import { phishingBlocked } from '../../analytics/queries/phishing.js'
import { privilegedCoverage } from '../../analytics/queries/privileged.js'
import { resetCounts } from '../../analytics/queries/resets.js'
import { successRate } from '../../analytics/queries/success-rate.js'
import { fallbackUsers, usersWithoutPasskey } from '../../analytics/queries/users.js'
import { migrate } from '../../store/migrate.js'
import { count, openDemoStore, queryRows, type DemoStore } from '../helpers/store.js'

const TENANT = 'demo'
const DAY = 86_400_000
const MIN = 60_000
let t: DemoStore

interface Raw {
  user_id: string; t: number; event_type: string; outcome: string; method: string; method_class: string
  phishing_resistant: number; failure_reason: string; privileged: number; os: string; product: string
}
let raw: Raw[] = []

beforeAll(async () => {
  t = await openDemoStore({ users: 300, days: 30, tenant: TENANT })
  raw = await queryRows<Raw>(t.store, `
    SELECT user_id, toUnixTimestamp64Milli(ts) AS t, event_type, outcome, method, method_class, phishing_resistant,
           failure_reason, privileged, os, product
    FROM auth_events FINAL WHERE tenant = {tenant:String} ORDER BY ts`, { tenant: TENANT })
}, 180_000)

afterAll(async () => {
  await t?.cleanup()
})

const scope = (from: string, to: string): Scope => ({ tenant: TENANT, period: snapPeriod(Date.parse(from), Date.parse(to), 'day'), filters: {} })
const WHOLE = scope('2026-10-02', '2026-11-01')
const MIDDLE = scope('2026-10-10', '2026-10-24')
const inPeriod = (s: Scope) => (e: Raw) => e.t >= s.period.fromMs && e.t < s.period.toMs
const interactiveOk = (e: Raw) => e.event_type === 'login' && e.outcome === 'success' && e.method_class !== 'token'

// ---------------------------------------------------------------------------------------------------------
// SPEC §2 and §3 read literally, over the raw rows

interface UserFacts { regs: number[]; rems: number[]; pk: number[]; fails: number[] }

function facts(): Map<string, UserFacts> {
  const by = new Map<string, UserFacts>()
  for (const e of raw) {
    let u = by.get(e.user_id)
    if (!u) by.set(e.user_id, u = { regs: [], rems: [], pk: [], fails: [] })
    if (e.outcome === 'success' && e.event_type === 'passkey_registered') u.regs.push(e.t)
    if (e.outcome === 'success' && e.event_type === 'passkey_removed') u.rems.push(e.t)
    if (e.event_type === 'login' && e.outcome === 'success' && e.method === 'passkey') u.pk.push(e.t)
    if (e.event_type === 'login' && e.outcome === 'failure' && (e.method === 'passkey' || e.failure_reason === 'passkey_failed') && e.failure_reason !== 'phishing_blocked') u.fails.push(e.t)
  }
  return by
}

/** SPEC §2: a registration before t not cancelled by a later removal before t, or a passkey login in [t − look-back, t). */
function hasPasskey(u: UserFacts | undefined, at: number, lookbackDays = 180): boolean {
  if (!u) return false
  const reg = Math.max(-1, ...u.regs.filter((r) => r < at))
  const rem = Math.max(-1, ...u.rems.filter((m) => m < at))
  if (reg >= 0 && !(rem > reg)) return true
  return u.pk.some((p) => p < at && p >= at - lookbackDays * DAY)
}

function referenceFallbacks(s: Scope, lookbackDays = 180) {
  const f = facts()
  const total = { holder: 0, fallbacks: 0, after: 0 }
  const byOs = new Map<string, { holder: number; fallbacks: number }>()
  const perUser = new Map<string, { fallbacks: number; after: number; last: number }>()
  for (const e of raw.filter(inPeriod(s)).filter(interactiveOk)) {
    const u = f.get(e.user_id)!
    if (!hasPasskey(u, e.t, lookbackDays)) continue
    const os = byOs.get(e.os) ?? { holder: 0, fallbacks: 0 }
    byOs.set(e.os, os)
    total.holder++
    os.holder++
    if (e.phishing_resistant === 1 || e.method_class === 'sso' || e.method_class === 'unknown') continue
    total.fallbacks++
    os.fallbacks++
    const after = u.fails.some((x) => x < e.t && x >= e.t - 10 * MIN)
    if (after) total.after++
    const p = perUser.get(e.user_id) ?? { fallbacks: 0, after: 0, last: 0 }
    perUser.set(e.user_id, { fallbacks: p.fallbacks + 1, after: p.after + (after ? 1 : 0), last: Math.max(p.last, e.t) })
  }
  return { total, byOs, perUser }
}

function perUserLogins(s: Scope, where: (e: Raw) => boolean = () => true) {
  const users = new Map<string, { all: number; pk: number; pr: number; db: number }>()
  for (const e of raw.filter(inPeriod(s)).filter(interactiveOk).filter(where)) {
    const u = users.get(e.user_id) ?? { all: 0, pk: 0, pr: 0, db: 0 }
    users.set(e.user_id, u)
    u.all++
    if (e.method === 'passkey') u.pk++
    if (e.phishing_resistant === 1) u.pr++
    if (e.method_class === 'passkey_device_bound') u.db++
  }
  return users
}

const fmt = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

// ---------------------------------------------------------------------------------------------------------

async function expectLoginStatsAgree(s: Scope) {
  const c = t.store.client
  const params = { tenant: TENANT, from: s.period.from, to: s.period.to }
  const where = `tenant = {tenant:String} AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}`

  const mix = await methodMix(c, s, 'day')
  const rawMix = await queryRows<{ bucket: string; method_class: string; logins: number }>(t.store, `
    SELECT toString(toStartOfDay(ts)) AS bucket, method_class, count() AS logins FROM auth_events FINAL
    WHERE ${where} AND event_type = 'login' AND outcome = 'success' AND method_class != 'token'
    GROUP BY bucket, method_class ORDER BY bucket, method_class`, params)
  expect(mix.map(({ bucket, method_class, logins }) => ({ bucket, method_class, logins }))).toEqual(rawMix)
  expect(mix.length).toBeGreaterThan(50)

  const success = await successRate(c, s, 'week')
  const rawSuccess = await queryRows<{ method_class: string; ok: number; n: number }>(t.store, `
    SELECT method_class, countIf(outcome = 'success') AS ok, count() AS n FROM auth_events FINAL
    WHERE ${where} AND event_type = 'login' AND method_class != 'token' GROUP BY method_class ORDER BY method_class`, params)
  expect(success.by_method.map((m) => [m.method_class, m.success_rate.numerator, m.success_rate.denominator])).toEqual(rawSuccess.map((r) => [r.method_class, r.ok, r.n]))

  // DDSketch states merge exactly: the rollup's quantiles are those of quantilesDD over the raw rows.
  const latency = await timeToSignIn(c, s, 'month')
  const rawLatency = await queryRows<{ method_class: string; n: number; q: number[]; mean: number }>(t.store, `
    SELECT method_class, count(latency_ms) AS n, quantilesDD(0.01, 0.5, 0.9, 0.95)(latency_ms) AS q, round(avg(latency_ms), 1) AS mean
    FROM auth_events FINAL WHERE ${where} AND event_type = 'login' AND outcome = 'success' AND method_class != 'token'
    GROUP BY method_class ORDER BY method_class`, params)
  expect(latency.by_method.map((m) => m.method_class)).toEqual(rawLatency.map((r) => r.method_class))
  for (const [i, m] of latency.by_method.entries()) {
    const r = rawLatency[i]!
    expect(m.samples).toBe(r.n)
    if (r.n === 0) continue
    expect(m.mean_ms).toBeCloseTo(r.mean, 0)
    expect([m.p50_ms, m.p90_ms, m.p95_ms]).toEqual(r.q.map((x) => Math.round(x * 10) / 10))
  }

  const resets = await resetCounts(c, s, 'week')
  const [rawResets] = await queryRows<{ resets: number; locks: number }>(t.store, `
    SELECT countIf(event_type = 'password_reset') AS resets, countIf(event_type = 'account_locked') AS locks FROM auth_events FINAL WHERE ${where}`, params)
  expect(resets.total).toEqual({ password_resets: rawResets!.resets, lockouts: rawResets!.locks })

  const phishing = await phishingBlocked(c, s, 'day')
  expect(phishing.total).toBe(raw.filter(inPeriod(s)).filter((e) => e.failure_reason === 'phishing_blocked').length)

  const auth = await authenticators(c, s)
  expect(auth.passkey_logins).toBe(raw.filter(inPeriod(s)).filter((e) => interactiveOk(e) && e.method === 'passkey').length)
}

async function expectUserKpisAgree(s: Scope) {
  const c = t.store.client
  const f = facts()
  const users = perUserLogins(s)
  expect(await activeUsers(c, s)).toBe(users.size)

  const enrolled = [...users.keys()].filter((u) => hasPasskey(f.get(u), s.period.toMs)).length
  expect((await enrollment(c, s, { bucket: 'week', lookbackDays: 180 })).enrollment_rate).toMatchObject({ numerator: enrolled, denominator: users.size })
  expect(enrolled).toBeGreaterThan(10)

  const primary = [...users.values()].filter((u) => u.pk / u.all >= 0.8).length
  expect((await passkeyPrimary(c, s, 0.8)).passkey_primary).toMatchObject({ numerator: primary, denominator: users.size })

  const priv = [...perUserLogins(s, (e) => e.privileged === 1).values()]
  const coverage = await privilegedCoverage(c, s)
  expect(coverage.phishing_resistant_coverage).toMatchObject({ numerator: priv.filter((u) => u.pr === u.all).length, denominator: priv.length })
  expect(coverage.device_bound_coverage).toMatchObject({ numerator: priv.filter((u) => u.pk > 0 && u.db === u.pk).length, denominator: priv.filter((u) => u.pk > 0).length })

  for (const lookback of [180, 3]) {
    const ref = referenceFallbacks(s, lookback)
    const fb = await fallbacks(c, s, { bucket: 'week', lookbackDays: lookback })
    expect(fb.fallback_rate, `look-back ${lookback}`).toMatchObject({ numerator: ref.total.fallbacks, denominator: ref.total.holder })
    expect(fb.after_failure, `look-back ${lookback}`).toMatchObject({ numerator: ref.total.after, denominator: ref.total.fallbacks })
    for (const row of fb.by.os) {
      const r = ref.byOs.get(row.value) ?? { holder: 0, fallbacks: 0 }
      expect(row.fallback_rate, row.value).toMatchObject({ numerator: r.fallbacks, denominator: r.holder })
    }
    expect(fb.series.reduce((a, x) => a + x.fallback_rate.numerator, 0)).toBe(ref.total.fallbacks)
  }
  const ref = referenceFallbacks(s)
  expect(ref.total.fallbacks).toBeGreaterThan(50)
  expect(ref.total.after).toBeGreaterThan(0)

  const listed = await fallbackUsers(c, s, { lookbackDays: 180, limit: 1000 })
  expect(listed.total).toBe(ref.perUser.size)
  for (const u of listed.users) {
    const r = ref.perUser.get(u.user_id)!
    expect({ fallbacks: u.fallbacks, after: u.fallbacks_after_failure, last: u.last_fallback }, u.user_id).toEqual({ fallbacks: r.fallbacks, after: r.after, last: fmt(r.last) })
  }

  const without = await usersWithoutPasskey(c, s, { lookbackDays: 180, limit: 5 })
  expect(without.total).toBe(users.size - enrolled)
  const most = [...users.entries()].filter(([u]) => !hasPasskey(f.get(u), s.period.toMs)).map(([, v]) => v.all).sort((a, b) => b - a).slice(0, 5)
  expect(without.users.map((u) => u.logins)).toEqual(most)
}

describe('rollups agree with the raw events', () => {
  it('login statistics, over the whole month and a fortnight inside it', async () => {
    await expectLoginStatsAgree(WHOLE)
    await expectLoginStatsAgree(MIDDLE)
  })

  it('per-user KPIs: active users, enrollment, passkey-primary, privileged coverage, fallbacks and the lists', async () => {
    await expectUserKpisAgree(WHOLE)
    await expectUserKpisAgree(MIDDLE)
  })
})

describe('upgrading a store that already holds events', () => {
  const OBJECTS = [
    'login_stats_hourly_mv', 'login_stats_daily_mv', 'user_day_logins_mv', 'user_passkey_days_mv', 'user_passkey_changes_mv',
    'login_stats_hourly', 'login_stats_daily', 'user_day_logins', 'user_passkey_days', 'user_passkey_changes', 'rollup_backfills',
  ]
  const forget = () => t.store.client.command({ query: 'ALTER TABLE schema_migrations DELETE WHERE version IN (4, 5, 6) SETTINGS mutations_sync = 2' })

  it('the rollup migrations backfill from auth_events, and running them again counts nothing twice', async () => {
    for (const name of OBJECTS) await t.store.client.command({ query: `DROP TABLE IF EXISTS ${name}` })
    await forget()
    const first = await migrate(t.store.client)
    expect(first.applied).toEqual(['004_login_stats', '005_user_day_logins', '006_user_passkey_state'])
    expect(await count(t.store, 'SELECT count() AS n FROM user_day_logins WHERE origin = 0')).toBe(0)
    expect(await count(t.store, 'SELECT count() AS n FROM user_day_logins WHERE origin = 1')).toBeGreaterThan(1000)
    await expectLoginStatsAgree(WHOLE)
    await expectUserKpisAgree(WHOLE)

    // A re-run (as after a failure half-way): the backfilled rows are replaced, not added to.
    const logins = 'SELECT sum(logins) AS n FROM user_day_logins'
    const events = 'SELECT sum(events) AS n FROM login_stats_daily'
    const before = [await count(t.store, logins), await count(t.store, events)]
    await forget()
    expect((await migrate(t.store.client)).applied).toHaveLength(3)
    expect([await count(t.store, logins), await count(t.store, events)]).toEqual(before)
    expect(before[1]).toBe(raw.length)
    await expectUserKpisAgree(MIDDLE)
  })
})
