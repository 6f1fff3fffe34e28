// The arithmetic of SPEC §3 items 10-13 and the assumptions behind it, on hand-computed numbers.
import { describe, expect, it } from 'vitest'
import { checkOverrides, DEFAULT_ASSUMPTIONS, pickOverrides, resolveAssumptions } from '../../analytics/queries/assumptions.js'
import { monthsIn, previousPeriod, ratio, snapPeriod } from '../../analytics/queries/common.js'
import { roiRows, type RoiReport } from '../../analytics/queries/roi.js'
import { assumptionEntries, computeSavings, deriveRates, MIN_MEDIAN_SAMPLES, type Measured, type SavingsInputs } from '../../analytics/queries/savings.js'

const DAY = 86_400_000
const stats = (samples: number, p50: number | null) => ({ samples, p50_ms: p50, p90_ms: p50, p95_ms: p50, mean_ms: p50 })
const noData: Measured = { baseline: null, medians: { password_mfa: stats(0, null), passkey: stats(0, null) } }
const MONTH_30 = 30 / 30.4375

describe('assumptions', () => {
  it('layer defaults, tenant settings and request overrides, and remember where each value came from', () => {
    const a = resolveAssumptions({ cost_per_ticket_mid: 50, hourly_cost: 60 }, { hourly_cost: 80, passkey_primary_threshold: 0.6 })
    expect(a.values).toMatchObject({ cost_per_ticket_low: 20, cost_per_ticket_mid: 50, cost_per_ticket_high: 70, hourly_cost: 80, passkey_primary_threshold: 0.6 })
    expect(a.basis).toMatchObject({ cost_per_ticket_low: 'default', cost_per_ticket_mid: 'tenant', hourly_cost: 'request', passkey_primary_threshold: 'request' })
    expect(resolveAssumptions({}, {}).values).toEqual(DEFAULT_ASSUMPTIONS)
  })

  it('take only known names from a query string and check the rules between them', () => {
    expect(pickOverrides({ product: 'jira', hourly_cost: 10, tenant: 'x' })).toEqual({ hourly_cost: 10 })
    expect(checkOverrides({ baseline_from: '2026-01-01' })).toMatch(/baseline_from and baseline_to go together/)
    expect(checkOverrides({ baseline_from: '2026-02-01', baseline_to: '2026-01-01' })).toMatch(/baseline_from must be before baseline_to/)
    expect(checkOverrides({ baseline_from: 'soon', baseline_to: '2026-01-01' })).toMatch(/baseline_from is not a date/)
    expect(checkOverrides({ cost_per_ticket_low: 80, cost_per_ticket_high: 70 })).toMatch(/must not exceed/)
    expect(checkOverrides({ baseline_from: '2026-01-01', baseline_to: '2026-02-01', cost_per_ticket_low: 1 })).toBeNull()
  })
})

describe('periods and ratios', () => {
  it('widen a period to whole UTC days or hours and measure months as days ÷ 30.4375', () => {
    const p = snapPeriod(Date.parse('2026-10-01T10:30:00Z'), Date.parse('2026-10-31T00:00:00Z'), 'day')
    expect([p.from, p.to]).toEqual(['2026-10-01 00:00:00.000', '2026-10-31 00:00:00.000'])
    expect(monthsIn(p)).toBeCloseTo(MONTH_30, 12)
    const h = snapPeriod(Date.parse('2026-10-01T10:30:00Z'), Date.parse('2026-10-01T12:10:00Z'), 'hour')
    expect([h.from, h.to]).toEqual(['2026-10-01 10:00:00.000', '2026-10-01 13:00:00.000'])
    const prev = previousPeriod(p)
    expect([prev.from, prev.to]).toEqual(['2026-09-01 00:00:00.000', '2026-10-01 00:00:00.000'])
    expect(prev.toMs - prev.fromMs).toBe(30 * DAY)
  })

  it('give numerator, denominator and a null value for an empty denominator', () => {
    expect(ratio(4, 17)).toEqual({ numerator: 4, denominator: 17, value: 0.235294 })
    expect(ratio(0, 0)).toEqual({ numerator: 0, denominator: 0, value: null })
  })
})

describe('deriveRates', () => {
  const a = resolveAssumptions({}, {})

  it('defaults: 0.1 tickets per user per month, 15 / 22.5 / 30 s against 2 s', () => {
    const d = deriveRates(a, noData)
    expect(d.baseline_reset_rate).toMatchObject({ value: 0.1, basis: 'default' })
    expect(d.baseline_reset_rate.note).toMatch(/no baseline window configured/)
    expect(d.login_seconds).toMatchObject({ password: { low: 15, mid: 22.5, high: 30 }, passkey: 2, basis: 'default' })
  })

  it('measures the baseline rate over a window that holds sign-ins, and falls back to the default when it holds none', () => {
    const window = resolveAssumptions({}, { baseline_from: '2026-09-01', baseline_to: '2026-10-01' })
    const measured = deriveRates(window, { ...noData, baseline: { from: '2026-09-01', to: '2026-10-01', tickets: 3, active_users: 2, months: MONTH_30 } })
    expect(measured.baseline_reset_rate.basis).toBe('measured')
    expect(measured.baseline_reset_rate.value).toBeCloseTo(1.521875, 12) // 3 ÷ 2 ÷ (30 / 30.4375)
    const empty = deriveRates(window, { ...noData, baseline: { from: '2026-09-01', to: '2026-10-01', tickets: 0, active_users: 0, months: MONTH_30 } })
    expect(empty.baseline_reset_rate).toMatchObject({ value: 0.1, basis: 'default' })
    expect(empty.baseline_reset_rate.note).toMatch(/holds no sign-ins/)
  })

  it(`switches to measured medians only when both kinds have ${MIN_MEDIAN_SAMPLES} timed sign-ins`, () => {
    const at = (pw: number, pk: number) => deriveRates(a, { baseline: null, medians: { password_mfa: stats(pw, 18_000), passkey: stats(pk, 3_000) } }).login_seconds
    expect(at(100, 100)).toMatchObject({ password: { low: 18, mid: 18, high: 18 }, passkey: 3, basis: 'measured' })
    expect(at(100, 99)).toMatchObject({ password: { low: 15, mid: 22.5, high: 30 }, passkey: 2, basis: 'default' })
    expect(at(99, 100).basis).toBe('default')
    const given = deriveRates(resolveAssumptions({ passkey_seconds: 4 }, {}), noData).login_seconds
    expect(given).toMatchObject({ passkey: 4, basis: 'tenant' })
  })
})

describe('computeSavings', () => {
  const inputs: SavingsInputs = { active_users: 8, passkey_primary_users: 2, passkey_logins: 360, password_resets: 2, lockouts: 1, months: MONTH_30 }

  it('models tickets, hours and money low / mid / high from the defaults', () => {
    const a = resolveAssumptions({}, {})
    const f = computeSavings(inputs, deriveRates(a, noData), a)
    const modelled = 0.1 * 2 * MONTH_30 // 0.197125
    expect(f.tickets_avoided_modelled).toBeCloseTo(modelled, 4)
    // Current rate 3 ÷ 8 ÷ months ≈ 0.3805 is above the 0.1 baseline: nothing observed.
    expect(f.current_reset_rate).toBeCloseTo(3 / 8 / MONTH_30, 6)
    expect(f.tickets_avoided_observed).toBe(0)
    // 360 passkey sign-ins × (15 | 22.5 | 30 − 2) s ÷ 3600 = 1.3 | 2.05 | 2.8 h; × 50 USD.
    expect(f.time_saved_hours).toEqual({ low: 1.3, mid: 2.05, high: 2.8 })
    expect(f.time_value_usd).toEqual({ low: 65, mid: 102.5, high: 140 })
    expect(f.support_cost_saved_usd).toEqual({ low: 3.94, mid: 8.87, high: 13.8 }) // 0.197125 × 20 | 45 | 70
    expect(f.total_savings_usd).toEqual({ low: 68.94, mid: 111.37, high: 153.8 })
  })

  it('observes the drop below a measured baseline', () => {
    const a = resolveAssumptions({}, { baseline_from: '2026-09-01', baseline_to: '2026-10-01' })
    const d = deriveRates(a, { ...noData, baseline: { from: '2026-09-01', to: '2026-10-01', tickets: 3, active_users: 2, months: MONTH_30 } })
    const f = computeSavings(inputs, d, a)
    // (1.521875 − 3 ÷ 8 ÷ months) × 8 × months = 1.521875 × 8 × months − 3 = 12 − 3 = 9
    expect(f.tickets_avoided_observed).toBeCloseTo(9, 4)
    expect(f.tickets_avoided_modelled).toBeCloseTo(1.521875 * 2 * MONTH_30, 4) // = 3
    expect(f.support_cost_saved_usd).toEqual({ low: 60, mid: 135, high: 210 })
  })

  it('lists every assumption with its basis, and the report rows put them beside the figures', () => {
    const a = resolveAssumptions({ hourly_cost: 60 }, { cost_per_ticket_high: 90 })
    const d = deriveRates(a, noData)
    const entries = assumptionEntries(a, d)
    expect(entries.map((e) => e.name)).toEqual([
      'baseline_reset_rate', 'baseline_window', 'cost_per_ticket', 'hourly_cost', 'password_login_seconds', 'passkey_login_seconds',
      'passkey_primary_threshold', 'passkey_lookback_days', 'min_samples_for_measured_medians',
    ])
    expect(entries.find((e) => e.name === 'cost_per_ticket')).toMatchObject({ low: 20, mid: 45, high: 90, basis: 'request' })
    expect(entries.find((e) => e.name === 'hourly_cost')).toMatchObject({ mid: 60, basis: 'tenant' })
    const f = { ...computeSavings(inputs, d, a), phishing_attempts_blocked: 4 }
    const report: RoiReport = {
      tenant: 't', from: '2026-10-01 00:00:00.000', to: '2026-10-31 00:00:00.000', filters: {}, generated_at: 'now',
      totals: f, by_product: [{ product: 'jira', ...f }], by_month: [{ month: '2026-10', from: '2026-10-01', to: '2026-10-31', ...f }], assumptions: entries,
    }
    const rows = roiRows(report)
    expect(rows.filter((r) => r.section === 'assumption')).toHaveLength(entries.length)
    expect(rows.find((r) => r.section === 'product' && r.metric === 'total_savings_usd')).toMatchObject({ scope: 'jira', low: f.total_savings_usd.low, high: f.total_savings_usd.high })
    expect(rows.find((r) => r.section === 'month' && r.metric === 'phishing_attempts_blocked')).toMatchObject({ scope: '2026-10', mid: 4, basis: 'measured' })
  })
})
