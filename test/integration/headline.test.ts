// headlines() answers the summary's figures for a period and the previous one in two passes; every figure must be
// the one its own KPI function gives for each period (passkeyShare, enrollment, fallbacks, privilegedCoverage,
// savings), on the demo organisation (real ingest, real views): with every filter, the privileged filter both ways,
// a short look-back, a baseline window, before the passkey facts are materialized (live) and after (periods partly
// and wholly materialized).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { enrollment } from '../../analytics/queries/adoption.js'
import { resolveAssumptions, type AssumptionOverrides } from '../../analytics/queries/assumptions.js'
import { previousPeriod, type Filters, type Scope } from '../../analytics/queries/common.js'
import { fallbacks } from '../../analytics/queries/fallbacks.js'
import { headlines } from '../../analytics/queries/headline.js'
import { latestRun } from '../../analytics/queries/materialized.js'
import { passkeyShare } from '../../analytics/queries/passkey-share.js'
import { privilegedCoverage } from '../../analytics/queries/privileged.js'
import { savings } from '../../analytics/queries/savings.js'
import { materializeTenant } from '../../analytics/materialize/passkey-facts.js'
import { demoScope, openDemoStore, queryRows, type DemoStore } from '../helpers/store.js'

const TENANT = 'headline'
let t: DemoStore

beforeAll(async () => {
  t = await openDemoStore({ users: 200, days: 40, tenant: TENANT })
}, 240_000)

afterAll(async () => {
  await t?.cleanup()
})

const scope = demoScope(TENANT)

/** What the summary showed before headlines(): each KPI function on its own, per period. */
async function perKpi(s: Scope, overrides: AssumptionOverrides) {
  const c = t.store.client
  const a = resolveAssumptions({}, overrides)
  const one = async (x: Scope) => {
    const lookbackDays = a.values.passkey_lookback_days
    const [share, enrolled, fell, priv, sav] = await Promise.all([
      passkeyShare(c, x, 'month'),
      enrollment(c, x, { bucket: 'month', lookbackDays, totalOnly: true }),
      fallbacks(c, x, { bucket: 'month', lookbackDays, totalOnly: true }),
      privilegedCoverage(c, x),
      savings(c, x, a),
    ])
    return {
      headline: {
        passkey_share: share.share,
        enrollment_rate: enrolled.enrollment_rate,
        fallback_rate: fell.fallback_rate,
        privileged_coverage: priv.phishing_resistant_coverage,
        savings: sav.figures,
      },
      assumptions: sav.assumptions,
    }
  }
  const [current, previous] = await Promise.all([one(s), one({ ...s, period: previousPeriod(s.period) })])
  return { current: current.headline, previous: previous.headline, assumptions: current.assumptions }
}

/** The most frequent value of each person and login filter in the demo's sign-ins. */
async function filterCases(): Promise<Filters[]> {
  const out: Filters[] = [{}, { privileged: 1 }, { privileged: 0 }]
  for (const col of ['product', 'department', 'user_type', 'source', 'method_class'] as const) {
    const [r] = await queryRows<{ v: string }>(t.store, `SELECT ${col} AS v FROM user_day_logins WHERE tenant = {t:String} GROUP BY v ORDER BY sum(logins) DESC LIMIT 1`, { t: TENANT })
    out.push({ [col]: r!.v })
  }
  out.push({ department: out[4]!.department!, method_class: 'password_mfa', privileged: 0 })
  return out
}

async function expectSameEverywhere(label: string): Promise<void> {
  const periods: [string, number, number][] = [['the last 14 days', 14, 0], ['a week in the middle', 7, 12], ['the last 20 days', 20, 0]]
  const settings: [string, AssumptionOverrides][] = [
    ['defaults', {}],
    ['a 3-day look-back', { passkey_lookback_days: 3 }],
    ['a baseline window', { baseline_from: '2026-09-22T00:00:00Z', baseline_to: '2026-10-02T00:00:00Z' }],
  ]
  const cases = await filterCases()
  for (const filters of cases) {
    for (const [pname, days, back] of periods) {
      // Every setting without filters and with the combined one; the defaults with each single filter.
      for (const [sname, overrides] of filters === cases[0] || filters === cases.at(-1) ? settings : settings.slice(0, 1)) {
        const s = scope(days, back, filters)
        const got = await headlines(t.store.client, s, previousPeriod(s.period), resolveAssumptions({}, overrides))
        expect(got, `${label}: ${pname}, ${sname}, ${JSON.stringify(filters)}`).toEqual(await perKpi(s, overrides))
      }
    }
  }
}

describe('headlines', () => {
  it('is not vacuous: both periods have enrolled people, fallbacks, privileged people and measured medians', async () => {
    const s = scope(14, 0)
    const h = await headlines(t.store.client, s, previousPeriod(s.period), resolveAssumptions({}, {}))
    for (const p of [h.current, h.previous]) {
      expect(p.enrollment_rate.numerator).toBeGreaterThan(0)
      expect(p.fallback_rate.numerator).toBeGreaterThan(0)
      expect(p.privileged_coverage.denominator).toBeGreaterThan(0)
      expect(p.passkey_share.numerator).toBeGreaterThan(0)
      expect(p.savings.passkey_primary_users).toBeGreaterThan(0)
    }
    // The two periods are told apart (a rollout in progress moves the share).
    expect(h.current.passkey_share).not.toEqual(h.previous.passkey_share)
    expect(h.assumptions.find((x) => x.name === 'password_login_seconds')?.basis).toBe('measured')
  })

  it('equals the KPI functions with no materialized facts (live)', async () => {
    expect(await latestRun(t.store.client, TENANT)).toBeNull()
    await expectSameEverywhere('live')
  }, 300_000)

  it('equals the KPI functions with the facts materialized up to a day inside the periods', async () => {
    // Days before 2026-10-22 are closed: the last 14 days are partly materialized, a week in the middle wholly.
    const run = await materializeTenant(t.store.client, TENANT, { today: '2026-10-22', marginMs: 0 })
    expect(run.published).toBe(true)
    await expectSameEverywhere('materialized')
  }, 300_000)
})
