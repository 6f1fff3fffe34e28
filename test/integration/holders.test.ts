// holderTotals() answers the summary's enrollment rate and fallback rate in one pass; each figure must be the
// one enrollment() and fallbacks() give for the same scope, on the demo organisation (real ingest, real views),
// over periods that start before, during and after the rollout, with filters on the login and on the person.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { enrollment } from '../../analytics/queries/adoption.js'
import { snapPeriod, type Filters, type Scope } from '../../analytics/queries/common.js'
import { fallbacks } from '../../analytics/queries/fallbacks.js'
import { holderTotals } from '../../analytics/queries/holders.js'
import { openDemoStore, type DemoStore } from '../helpers/store.js'

let t: DemoStore

beforeAll(async () => {
  t = await openDemoStore({ users: 200, days: 40, tenant: 'holders' })
}, 180_000)

afterAll(async () => {
  await t?.cleanup()
})

const END = Date.parse('2026-11-01T00:00:00Z')
const DAY = 86_400_000
const scope = (days: number, back: number, filters: Filters = {}): Scope =>
  ({ tenant: 'holders', period: snapPeriod(END - (days + back) * DAY, END - back * DAY, 'day'), filters })

describe('holderTotals', () => {
  const cases: [string, Scope, number][] = [
    ['the last 14 days', scope(14, 0), 180],
    ['the whole 40 days', scope(40, 0), 180],
    ['a week in the middle, a 3-day look-back', scope(7, 15), 3],
    ['product jira', scope(20, 0, { product: 'jira' }), 180],
    ['privileged people only', scope(20, 0, { privileged: 1 }), 180],
    ['password + second factor sign-ins only', scope(20, 0, { method_class: 'password_mfa' }), 180],
  ]
  for (const [name, s, lookbackDays] of cases) {
    it(`equals enrollment() and fallbacks(): ${name}`, async () => {
      const c = t.store.client
      const [e, f, h] = await Promise.all([
        enrollment(c, s, { bucket: 'month', lookbackDays, totalOnly: true }),
        fallbacks(c, s, { bucket: 'month', lookbackDays, totalOnly: true }),
        holderTotals(c, s, lookbackDays),
      ])
      expect(h).toEqual({ enrollment_rate: e.enrollment_rate, fallback_rate: f.fallback_rate, after_failure: f.after_failure })
    })
  }

  it('is not vacuous: the demo has enrolled people and fallbacks in the last 14 days', async () => {
    const h = await holderTotals(t.store.client, scope(14, 0), 180)
    expect(h.enrollment_rate.numerator).toBeGreaterThan(0)
    expect(h.enrollment_rate.denominator).toBeGreaterThan(h.enrollment_rate.numerator)
    expect(h.fallback_rate.numerator).toBeGreaterThan(0)
  })
})
