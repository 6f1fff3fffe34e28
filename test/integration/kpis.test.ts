// Every KPI of SPEC §3 on a hand-built organisation (test/helpers/kpi-dataset.ts) whose numbers were worked
// out by hand, through the real HTTP app, the real ingest path (the materialized views fire) and embedded
// ClickHouse. Security and finance tokens; finance and viewer never see a user id.
import type { FastifyInstance } from 'fastify'
import { tableFromIPC } from 'apache-arrow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, TokenVerifier, type Role } from '../../access/tokens.js'
import { buildApp } from '../../analytics/server.js'
import { createLogger } from '../../core/logger.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { acmeEvents, BASELINE, event, globexEvents, ingestNative, MONTHS, PEOPLE } from '../helpers/kpi-dataset.js'
import { openTestStore, type TestStore } from '../helpers/store.js'

const log = createLogger('error')
let t: TestStore
let app: FastifyInstance
let writer: BatchWriter
let service: IngestService
const tokens: Record<string, Partial<Record<Role, string>>> = {}
const P = 'from=2026-10-01&to=2026-10-31'

beforeAll(async () => {
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '10' })
  writer = new BatchWriter(t.store.client, { ...t.config.batch, log })
  service = new IngestService(writer)
  app = await buildApp({ config: t.config, store: t.store, sink: embeddedSink(service), verifier: new TokenVerifier(t.store.client), log })
  await app.ready()
  for (const tenant of ['acme', 'globex', 'timing']) {
    tokens[tenant] = {}
    for (const role of ['admin', 'security', 'finance', 'viewer'] as const) tokens[tenant]![role] = (await createToken(t.store.client, tenant, role, role)).token
  }
  await ingestNative(service, 'acme', acmeEvents())
  await ingestNative(service, 'globex', globexEvents())
})

afterAll(async () => {
  await app?.close()
  await writer?.close()
  await t?.cleanup()
})

async function get<T = any>(url: string, role: Role = 'security', tenant = 'acme', status = 200): Promise<T> {
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[tenant]![role]}` } })
  expect(res.statusCode, `${url}: ${res.body}`).toBe(status)
  return res.json<T>()
}

const r = (numerator: number, denominator: number) => ({ numerator, denominator, value: denominator ? Math.round((numerator / denominator) * 1e6) / 1e6 : null })

describe('login KPIs from the login_stats rollups', () => {
  it('method mix by product: the classes of each product add up to its sign-ins, and all products to the whole mix', async () => {
    const body = await get(`/api/v1/kpis/method-mix/by-product?${P}`, 'viewer')
    const cell = (product: string, mc: string) => body.rows.find((x: any) => x.product === product && x.method_class === mc)
    // carol signs in to bitbucket with device-bound passkeys on five days; frank reaches trello through SSO twice.
    expect(cell('bitbucket', 'passkey_device_bound')).toEqual({ product: 'bitbucket', method_class: 'passkey_device_bound', logins: 5, share: 1, product_total: 5 })
    expect(cell('trello', 'sso')).toEqual({ product: 'trello', method_class: 'sso', logins: 2, share: 1, product_total: 2 })
    expect(body.rows.reduce((n: number, x: any) => n + x.logins, 0)).toBe(25)
  })

  it('method mix as Arrow IPC (ClickHouse ArrowStream) holds exactly the JSON rows', async () => {
    const json = await get(`/api/v1/method-mix?${P}&bucket=day`, 'viewer')
    const res = await app.inject({ url: `/api/v1/method-mix?${P}&bucket=day&format=arrow`, headers: { authorization: `Bearer ${tokens.acme!.viewer}` } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/vnd.apache.arrow.stream')
    const table = tableFromIPC(res.rawPayload)
    const rows = table.toArray().map((r: any) => ({
      bucket: String(r.bucket), method_class: String(r.method_class), logins: Number(r.logins), share: Number(r.share), bucket_total: Number(r.bucket_total),
    }))
    expect(rows.length).toBeGreaterThan(5)
    expect(rows).toEqual(json.rows)
  })

  it('tells the caller its tenant and role', async () => {
    expect(await get('/api/v1/me', 'finance')).toEqual({ tenant: 'acme', role: 'finance' })
  })

  it('method mix: successful interactive sign-ins per class (API tokens left out), per bucket', async () => {
    const body = await get(`/api/v1/method-mix?${P}&bucket=month`, 'finance')
    expect(body).toMatchObject({ tenant: 'acme', from: '2026-10-01 00:00:00.000', to: '2026-10-31 00:00:00.000', bucket: 'month' })
    const b = '2026-10-01 00:00:00'
    expect(body.rows).toEqual([
      { bucket: b, method_class: 'passkey_device_bound', logins: 9, bucket_total: 25, share: 0.36 },
      { bucket: b, method_class: 'passkey_synced', logins: 4, bucket_total: 25, share: 0.16 },
      { bucket: b, method_class: 'password_mfa', logins: 4, bucket_total: 25, share: 0.16 },
      { bucket: b, method_class: 'password_only', logins: 5, bucket_total: 25, share: 0.2 },
      { bucket: b, method_class: 'sso', logins: 3, bucket_total: 25, share: 0.12 },
    ])
    const hourly = await get(`/api/v1/method-mix?from=2026-10-03T08:30:00Z&to=2026-10-03T09:30:00Z&bucket=hour`)
    expect(hourly.from).toBe('2026-10-03 08:00:00.000')
    expect(hourly.rows).toEqual([
      { bucket: '2026-10-03 09:00:00', method_class: 'passkey_device_bound', logins: 1, bucket_total: 3, share: 0.3333 },
      { bucket: '2026-10-03 09:00:00', method_class: 'password_mfa', logins: 2, bucket_total: 3, share: 0.6667 },
    ])
  })

  it('passkey sign-in share 13 / 25, per week, and under each filter', async () => {
    const body = await get(`/api/v1/kpis/passkey-share?${P}&bucket=week`, 'finance')
    expect(body.share).toEqual(r(13, 25))
    expect(body.series).toEqual([
      { bucket: '2026-09-28 00:00:00', ...r(5, 8) }, // 10-01..04: alice 2 passkeys + a password, carol 3, dave 2
      { bucket: '2026-10-05 00:00:00', ...r(5, 10) }, // alice sso, carol 2, heidi 1, erin 2 + 1, bob 2 passwords + 1 passkey
      { bucket: '2026-10-12 00:00:00', ...r(3, 5) }, // bob 3 passkeys, frank 2 sso
      { bucket: '2026-10-19 00:00:00', ...r(0, 2) }, // grace 2 passwords
    ])
    const share = async (q: string) => (await get(`/api/v1/kpis/passkey-share?${P}&${q}`)).share
    expect(await share('product=jira')).toEqual(r(4, 10))
    expect(await share('department=IT')).toEqual(r(5, 7))
    expect(await share('privileged=1')).toEqual(r(7, 10))
    expect(await share('user_type=guest')).toEqual(r(0, 2))
    expect(await share('source=native')).toEqual(r(13, 25))
    expect(await share('source=okta')).toEqual(r(0, 0))
    expect(await share('method_class=passkey_device_bound')).toEqual(r(9, 9))
  })

  it('success rate per method class counts flows; phishing refusals are failures, also shown apart', async () => {
    const body = await get(`/api/v1/kpis/success-rate?${P}&bucket=month`, 'finance')
    expect(body.overall).toEqual(r(25, 28))
    const by = Object.fromEntries(body.by_method.map((m: any) => [m.method_class, m]))
    expect(by.passkey_synced).toEqual({ method_class: 'passkey_synced', success_rate: r(4, 6), failures: 2, phishing_blocked: 1 })
    expect(by.passkey_device_bound.success_rate).toEqual(r(9, 9))
    expect(by.password_mfa).toMatchObject({ success_rate: r(4, 5), failures: 1, phishing_blocked: 0 })
    expect(by.password_only.success_rate).toEqual(r(5, 5))
    expect(by.sso.success_rate).toEqual(r(3, 3))
    expect(by.token).toBeUndefined()
    expect(body.series).toContainEqual({ bucket: '2026-10-01 00:00:00', method_class: 'passkey_synced', ...r(4, 6) })
  })

  it('time to sign in: samples and mean exact, quantiles within the sketch\'s 1 %', async () => {
    const body = await get(`/api/v1/kpis/time-to-sign-in?${P}&bucket=month`)
    const by = Object.fromEntries(body.by_method.map((m: any) => [m.method_class, m]))
    expect(by.passkey_synced).toMatchObject({ samples: 4, mean_ms: 2450 })
    expect(by.passkey_device_bound).toMatchObject({ samples: 9, mean_ms: 2444.4 })
    expect(by.passkey_device_bound.p50_ms).toBeGreaterThan(2000 * 0.99)
    expect(by.passkey_device_bound.p50_ms).toBeLessThan(2000 * 1.01)
    expect(by.password_only).toMatchObject({ samples: 5, mean_ms: 10000 })
    expect(Math.abs(by.password_only.p50_ms - 9000)).toBeLessThan(90)
    expect(by.password_only.p95_ms).toBeGreaterThan(11000 * 0.99)
    expect(by.password_mfa).toMatchObject({ samples: 4, mean_ms: 17750 })
    expect(by.sso).toEqual({ method_class: 'sso', samples: 0, p50_ms: null, p90_ms: null, p95_ms: null, mean_ms: null })
  })

  it('resets and lockouts per bucket, reset rate = 3 ÷ 8 users ÷ months', async () => {
    const body = await get(`/api/v1/kpis/resets?${P}&bucket=week`, 'finance')
    expect(body).toMatchObject({ password_resets: 2, lockouts: 1, active_users: 8 })
    expect(body.months).toBeCloseTo(MONTHS, 5)
    expect(body.reset_rate.numerator).toBe(3)
    expect(body.reset_rate.denominator).toBeCloseTo(8 * MONTHS, 5)
    expect(body.reset_rate.value).toBeCloseTo(3 / 8 / MONTHS, 5)
    expect(body.series).toEqual([
      { bucket: '2026-10-12 00:00:00', password_resets: 1, lockouts: 1 },
      { bucket: '2026-10-19 00:00:00', password_resets: 1, lockouts: 0 },
    ])
  })

  it('phishing attempts blocked per bucket and product', async () => {
    const body = await get(`/api/v1/kpis/phishing-blocked?${P}&bucket=week`, 'finance')
    expect(body).toMatchObject({
      total: 1,
      series: [{ bucket: '2026-10-19 00:00:00', blocked: 1 }],
      by_product: [{ product: 'confluence', blocked: 1 }],
      series_by_product: [{ bucket: '2026-10-19 00:00:00', product: 'confluence', blocked: 1 }],
    })
  })

  it('passkey sign-ins by authenticator', async () => {
    const body = await get(`/api/v1/kpis/authenticators?${P}`, 'viewer')
    expect(body.passkey_logins).toBe(13)
    expect(body.rows).toEqual([
      { authenticator: 'YubiKey 5 Series', method_class: 'passkey_device_bound', logins: 5, share: r(5, 13) },
      { authenticator: 'Windows Hello', method_class: 'passkey_device_bound', logins: 4, share: r(4, 13) },
      { authenticator: 'Google Password Manager', method_class: 'passkey_synced', logins: 2, share: r(2, 13) },
      { authenticator: 'iCloud Keychain', method_class: 'passkey_synced', logins: 2, share: r(2, 13) },
    ])
  })
})

describe('per-user KPIs from user_day_logins and the passkey state', () => {
  it('enrollment: 4 of 8 active users have a passkey at the period end (removal and look-back honoured)', async () => {
    const body = await get(`/api/v1/kpis/enrollment?${P}&bucket=week`, 'finance')
    expect(body.enrollment_rate).toEqual(r(4, 8)) // alice, bob, carol, erin; not dave, frank, grace (removed), heidi (too old)
    // Week of 10-05: alice, carol, heidi, erin, bob active; at 10-12 all but heidi have one.
    expect(body.series).toContainEqual({ bucket: '2026-10-05 00:00:00', ...r(4, 5) })
    // Week of 10-19: grace only, whose passkey was removed on 10-20.
    expect(body.series).toContainEqual({ bucket: '2026-10-19 00:00:00', ...r(0, 1) })
    const hour = await app.inject({ url: `/api/v1/kpis/enrollment?${P}&bucket=hour`, headers: { authorization: `Bearer ${tokens.acme!.finance}` } })
    expect(hour.statusCode).toBe(400)
    expect(hour.json().message).toMatch(/bucket/)
  })

  it('passkey-primary users: 1 of 8 at 80 %, 3 of 8 at 60 %', async () => {
    expect((await get(`/api/v1/kpis/passkey-primary?${P}`, 'finance')).passkey_primary).toEqual(r(1, 8))
    const at60 = await get(`/api/v1/kpis/passkey-primary?${P}&passkey_primary_threshold=0.6`)
    expect(at60).toMatchObject({ passkey_primary: r(3, 8), threshold: 0.6 })
  })

  it('fallbacks: 4 of 17 sign-ins by passkey holders, 1 after a failed passkey, by product, OS, browser, device', async () => {
    const body = await get(`/api/v1/kpis/fallbacks?${P}&bucket=month`, 'finance')
    // Holders' sign-ins: alice 4, bob 5 (not the one before he registered), carol 5, erin 2 (not her first passkey
    // sign-in: nothing precedes it), grace 1 (not after the removal). Fallbacks: alice, bob, erin, grace.
    expect(body.fallback_rate).toEqual(r(4, 17))
    expect(body.after_failure).toEqual(r(1, 4))
    expect(body.series).toEqual([{ bucket: '2026-10-01 00:00:00', fallback_rate: r(4, 17), after_failure: r(1, 4) }])
    const find = (k: string, v: string) => body.by[k].find((x: any) => x.value === v)
    expect(find('product', 'jira')).toEqual({ value: 'jira', fallback_rate: r(2, 6), after_failure: r(1, 2) })
    expect(find('product', 'confluence')).toEqual({ value: 'confluence', fallback_rate: r(2, 6), after_failure: r(0, 2) })
    expect(find('product', 'bitbucket')).toEqual({ value: 'bitbucket', fallback_rate: r(0, 5), after_failure: r(0, 0) })
    expect(find('os', 'Windows').fallback_rate).toEqual(r(1, 10))
    expect(find('os', 'macOS')).toEqual({ value: 'macOS', fallback_rate: r(1, 4), after_failure: r(1, 1) })
    expect(find('os', 'Linux').fallback_rate).toEqual(r(1, 2))
    expect(find('browser', 'Chrome').fallback_rate).toEqual(r(2, 6))
    expect(find('device_type', 'mobile').fallback_rate).toEqual(r(1, 1))
    expect(find('device_type', 'desktop').fallback_rate).toEqual(r(3, 16))
    // The heatmap's OS × browser pairs: each person here has one platform.
    const pair = (os: string, browser: string) => body.os_browser.find((x: any) => x.os === os && x.browser === browser)
    expect(pair('Windows', 'Chrome')).toEqual({ os: 'Windows', browser: 'Chrome', fallback_rate: r(1, 5), after_failure: r(0, 1) })
    expect(pair('Windows', 'Edge').fallback_rate).toEqual(r(0, 5))
    expect(pair('macOS', 'Safari')).toEqual({ os: 'macOS', browser: 'Safari', fallback_rate: r(1, 4), after_failure: r(1, 1) })
    expect(pair('Android', 'Chrome').fallback_rate).toEqual(r(1, 1))
    expect(body.os_browser.reduce((n: number, x: any) => n + x.fallback_rate.denominator, 0)).toBe(17)
    expect((await get(`/api/v1/kpis/fallbacks/os-browser?${P}`, 'viewer')).rows).toEqual(body.os_browser)
    // A 240-day look-back reaches heidi's March passkey: her October password becomes a fallback too.
    const longer = await get(`/api/v1/kpis/fallbacks?${P}&passkey_lookback_days=240`)
    expect(longer).toMatchObject({ passkey_lookback_days: 240, fallback_rate: r(5, 18) })
  })

  it('privileged coverage: phishing-resistant 1 of 3, device-bound 1 of 2', async () => {
    const body = await get(`/api/v1/kpis/privileged-coverage?${P}`, 'finance')
    expect(body.phishing_resistant_coverage).toEqual(r(1, 3)) // carol yes; dave (push), erin (SMS) no
    expect(body.device_bound_coverage).toEqual(r(1, 2)) // carol's YubiKey yes; erin's synced passkey no
    // The privileged filter cannot contradict it.
    expect((await get(`/api/v1/kpis/privileged-coverage?${P}&privileged=0`)).phishing_resistant_coverage).toEqual(r(1, 3))
  })
})

describe('savings (SPEC §3 items 10-13)', () => {
  it('with the defaults: 0.1 tickets per user per month, assumed login seconds', async () => {
    const body = await get(`/api/v1/kpis/savings?${P}`, 'finance')
    const f = body.figures
    expect(f).toMatchObject({ active_users: 8, passkey_primary_users: 1, passkey_logins: 13, password_resets: 2, lockouts: 1, baseline_reset_rate: 0.1, tickets_avoided_observed: 0 })
    expect(f.tickets_avoided_modelled).toBeCloseTo(0.1 * MONTHS, 4)
    // 13 passkey sign-ins × (15 | 22.5 | 30 − 2) s = 169 | 266.5 | 364 s.
    expect(f.time_saved_hours).toEqual({ low: 0.0469, mid: 0.074, high: 0.1011 })
    expect(f.time_value_usd).toEqual({ low: 2.35, mid: 3.7, high: 5.06 })
    expect(f.support_cost_saved_usd).toEqual({ low: 1.97, mid: 4.44, high: 6.9 })
    expect(f.total_savings_usd).toEqual({ low: 4.32, mid: 8.14, high: 11.95 })
    const a = Object.fromEntries(body.assumptions.map((x: any) => [x.name, x]))
    expect(a.baseline_reset_rate).toMatchObject({ mid: 0.1, basis: 'default' })
    expect(a.password_login_seconds).toMatchObject({ low: 15, mid: 22.5, high: 30, basis: 'default' })
    expect(a.passkey_login_seconds).toMatchObject({ mid: 2, basis: 'default' })
    expect(a.cost_per_ticket).toMatchObject({ low: 20, mid: 45, high: 70, basis: 'default' })
  })

  it('with a measured September baseline: 1.5 tickets modelled, 9 observed', async () => {
    const body = await get(`/api/v1/kpis/savings?${P}&baseline_from=${BASELINE.baseline_from}&baseline_to=${BASELINE.baseline_to}&hourly_cost=100`, 'finance')
    const f = body.figures
    // Baseline: 3 tickets (bob's reset and lockout, frank's reset) ÷ 2 active users (bob, frank) ÷ months.
    expect(f.baseline_reset_rate).toBeCloseTo(1.5 / MONTHS, 5)
    expect(f.tickets_avoided_modelled).toBe(1.5) // rate × 1 primary user (carol) × months
    expect(f.tickets_avoided_observed).toBe(9) // (rate − 3 ÷ 8 ÷ months) × 8 × months = 12 − 3
    expect(f.support_cost_saved_usd).toEqual({ low: 30, mid: 67.5, high: 105 })
    expect(f.time_value_usd).toEqual({ low: 4.69, mid: 7.4, high: 10.11 }) // hours × 100 USD
    expect(f.total_savings_usd).toEqual({ low: 34.69, mid: 74.9, high: 115.11 })
    const a = Object.fromEntries(body.assumptions.map((x: any) => [x.name, x]))
    expect(a.baseline_reset_rate.basis).toBe('measured')
    expect(a.baseline_reset_rate.note).toMatch(/3 resets and lockouts, 2 active users/)
    expect(a.baseline_window).toMatchObject({ basis: 'request', note: '2026-09-01 to 2026-10-01' })
    expect(a.hourly_cost).toMatchObject({ mid: 100, basis: 'request' })
  })

  it('switches to measured medians at 100 timed sign-ins of each kind, not at 99', async () => {
    const user = { ...PEOPLE.alice, id: 'timer@timing.example' }
    const day = (i: number) => `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T${String(8 + (i % 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`
    await ingestNative(service, 'timing', [
      ...Array.from({ length: 100 }, (_, i) => event(user, day(i), { method: 'password', second_factor: 'totp', latency_ms: 20000 })),
      ...Array.from({ length: 99 }, (_, i) => event(user, day(i).replace(':00Z', ':30Z'), { method: 'passkey', passkey_type: 'synced', latency_ms: 3000 })),
    ])
    const before = await get(`/api/v1/kpis/savings?${P}`, 'finance', 'timing')
    expect(before.assumptions.find((x: any) => x.name === 'password_login_seconds')).toMatchObject({ mid: 22.5, basis: 'default' })
    expect(before.figures.time_saved_hours.mid).toBeCloseTo(99 * 20.5 / 3600, 3)
    await ingestNative(service, 'timing', [event(user, '2026-10-29T12:00:00Z', { method: 'passkey', passkey_type: 'synced', latency_ms: 3000 })])
    const after = await get(`/api/v1/kpis/savings?${P}`, 'finance', 'timing')
    const pw = after.assumptions.find((x: any) => x.name === 'password_login_seconds')
    const pk = after.assumptions.find((x: any) => x.name === 'passkey_login_seconds')
    expect(pw.basis).toBe('measured')
    expect(pw.mid).toBeGreaterThan(20 * 0.99)
    expect(pw.mid).toBeLessThan(20 * 1.01)
    expect(pw.low).toBe(pw.mid)
    expect(pk.mid).toBeGreaterThan(3 * 0.99)
    expect(pk.mid).toBeLessThan(3 * 1.01)
    expect(after.figures.time_saved_hours.mid).toBeCloseTo(100 * (pw.mid - pk.mid) / 3600, 3)
  })
})

describe('summary and user lists', () => {
  it('the headline numbers with the previous 30 days beside them', async () => {
    const body = await get(`/api/v1/summary?${P}`, 'viewer')
    expect(body.previous).toEqual({ from: '2026-09-01 00:00:00.000', to: '2026-10-01 00:00:00.000' })
    expect(body.passkey_share).toEqual({ current: r(13, 25), previous: r(0, 3), change: 0.52 })
    expect(body.enrollment_rate).toEqual({ current: r(4, 8), previous: r(0, 2), change: 0.5 })
    expect(body.fallback_rate).toEqual({ current: r(4, 17), previous: r(0, 0), change: null })
    expect(body.privileged_coverage).toEqual({ current: r(1, 3), previous: r(0, 0), change: null })
    expect(body.tickets_avoided.current).toBeCloseTo(0.1 * MONTHS, 4)
    expect(body.tickets_avoided.previous).toBe(0)
    expect(body.total_savings_usd).toEqual({ current: { low: 4.32, mid: 8.14, high: 11.95 }, previous: { low: 0, mid: 0, high: 0 } })
    expect(body.assumptions.length).toBeGreaterThan(5)
  })

  it('fallback users, with counts, last fallback and where it happened (security only)', async () => {
    const body = await get(`/api/v1/users/fallbacks?${P}`)
    expect(body.total).toBe(4)
    expect(body.users).toEqual([
      { user_id: 'alice@acme.example', department: 'Engineering', user_type: 'employee', fallbacks: 1, fallbacks_after_failure: 1, last_fallback: '2026-10-03 09:05:00.000', platforms: [{ os: 'macOS', browser: 'Safari', logins: 1 }] },
      { user_id: 'bob@acme.example', department: 'Sales', user_type: 'employee', fallbacks: 1, fallbacks_after_failure: 0, last_fallback: '2026-10-10 15:00:00.000', platforms: [{ os: 'Windows', browser: 'Chrome', logins: 1 }] },
      { user_id: 'erin@acme.example', department: 'Design', user_type: 'employee', fallbacks: 1, fallbacks_after_failure: 0, last_fallback: '2026-10-09 09:00:00.000', platforms: [{ os: 'Linux', browser: 'Firefox', logins: 1 }] },
      { user_id: 'grace@acme.example', department: 'Sales', user_type: 'employee', fallbacks: 1, fallbacks_after_failure: 0, last_fallback: '2026-10-19 09:00:00.000', platforms: [{ os: 'Android', browser: 'Chrome', logins: 1 }] },
    ])
    expect((await get(`/api/v1/users/fallbacks?${P}&limit=1`)).users).toHaveLength(1)
  })

  it('privileged users not covered and users without a passkey who sign in most', async () => {
    const nc = await get(`/api/v1/users/privileged-not-covered?${P}`, 'admin')
    expect(nc).toMatchObject({ total: 2 })
    expect(nc.users).toEqual([
      { user_id: 'dave@acme.example', department: 'IT', logins: 2, phishable_logins: 1, phishable_methods: ['password_mfa'], last_phishable_login: '2026-10-02 09:00:00.000' },
      { user_id: 'erin@acme.example', department: 'Design', logins: 3, phishable_logins: 1, phishable_methods: ['password_mfa'], last_phishable_login: '2026-10-09 09:00:00.000' },
    ])
    const np = await get(`/api/v1/users/without-passkey?${P}`)
    expect(np.total).toBe(4)
    expect(np.users.map((u: any) => [u.user_id, u.logins])).toEqual([
      ['dave@acme.example', 2], ['frank@acme.example', 2], ['grace@acme.example', 2], ['heidi@acme.example', 1],
    ])
    expect(np.users[1]).toMatchObject({ user_type: 'guest', last_login: '2026-10-16 10:00:00.000', platforms: [{ os: 'Windows', browser: 'Chrome', logins: 2 }] })
  })
})

describe('access and input', () => {
  const AGGREGATES = [
    `/api/v1/method-mix?${P}`, `/api/v1/kpis/passkey-share?${P}`, `/api/v1/kpis/enrollment?${P}`, `/api/v1/kpis/passkey-primary?${P}`,
    `/api/v1/kpis/success-rate?${P}`, `/api/v1/kpis/time-to-sign-in?${P}`, `/api/v1/kpis/fallbacks?${P}`, `/api/v1/kpis/privileged-coverage?${P}`,
    `/api/v1/kpis/resets?${P}`, `/api/v1/kpis/savings?${P}`, `/api/v1/kpis/phishing-blocked?${P}`, `/api/v1/kpis/authenticators?${P}`,
    `/api/v1/summary?${P}`, `/api/v1/settings/assumptions`,
  ]
  const LISTS = [`/api/v1/users/fallbacks?${P}`, `/api/v1/users/privileged-not-covered?${P}`, `/api/v1/users/without-passkey?${P}`]

  it('finance and viewer get every aggregate without a user id in it, and a 403 for the lists', async () => {
    for (const role of ['finance', 'viewer'] as const) {
      for (const url of AGGREGATES) {
        const res = await app.inject({ url, headers: { authorization: `Bearer ${tokens.acme![role]}` } })
        expect(res.statusCode, `${role} ${url}`).toBe(200)
        expect(res.body, `${role} ${url}`).not.toMatch(/@acme\.example|user_id|"ip"/)
      }
      for (const url of LISTS) {
        const res = await app.inject({ url, headers: { authorization: `Bearer ${tokens.acme![role]}` } })
        expect(res.statusCode, `${role} ${url}`).toBe(403)
      }
    }
  })

  it('security gets every aggregate and every list', async () => {
    for (const url of [...AGGREGATES, ...LISTS]) {
      const res = await app.inject({ url, headers: { authorization: `Bearer ${tokens.acme!.security}` } })
      expect(res.statusCode, url).toBe(200)
    }
  })

  it('every answer is the token tenant\'s: globex sees only its own sign-ins', async () => {
    const g = await get(`/api/v1/kpis/passkey-share?${P}`, 'security', 'globex')
    expect(g.share).toEqual(r(20, 21))
    expect((await get(`/api/v1/users/fallbacks?${P}`, 'security', 'globex')).users.map((u: any) => u.user_id)).toEqual(['zed@globex.example'])
    const bad = await app.inject({ url: `/api/v1/kpis/passkey-share?${P}&tenant=globex`, headers: { authorization: `Bearer ${tokens.acme!.security}` } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/unknown parameter "tenant"/)
  })

  it('hostile filter values are values: 400 for what the schema refuses, an empty answer otherwise, never a ClickHouse error', async () => {
    const q = (s: string) => app.inject({ url: `/api/v1/kpis/fallbacks?${P}&${s}`, headers: { authorization: `Bearer ${tokens.acme!.security}` } })
    for (const s of ["product=jira'%20OR%20'1'%3D'1", 'department=%5C%27%29%3B%20DROP%20TABLE%20auth_events%3B--', 'product=%7Btenant%3AString%7D']) {
      const res = await q(s)
      expect(res.statusCode, s).toBe(200)
      expect(res.json().fallback_rate).toEqual(r(0, 0))
    }
    for (const [s, field] of [['user_type=admin', 'user_type'], ['source=okta;drop', 'source'], ['privileged=2', 'privileged'], ['method_class=x', 'method_class'], ['product=a%0Ab', 'product'], ['bucket=hour', 'bucket']]) {
      const res = await q(s!)
      expect(res.statusCode, s).toBe(400)
      expect(res.json().message, s).toContain(field)
    }
    const backwards = await app.inject({ url: '/api/v1/kpis/fallbacks?from=2026-10-31&to=2026-10-01', headers: { authorization: `Bearer ${tokens.acme!.security}` } })
    expect(backwards.statusCode).toBe(400)
    expect(backwards.json().message).toMatch(/from must be before to/)
  })
})
