// The ROI report for finance (SPEC §3 items 10-14) on the hand-built organisation: totals, per product and per
// month with hand-computed numbers; CSV, Parquet and Arrow made by ClickHouse; the printable HTML with its
// assumptions; and the tenant's assumption settings (read by all, written by an admin).
import { tableFromIPC } from 'apache-arrow'
import { parse } from 'csv-parse/sync'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, TokenVerifier, type Role } from '../../access/tokens.js'
import { buildApp } from '../../analytics/server.js'
import { createLogger } from '../../core/logger.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { acmeEvents, BASELINE, event, ingestNative, MONTHS, PEOPLE } from '../helpers/kpi-dataset.js'
import { openTestStore, type TestStore } from '../helpers/store.js'

const log = createLogger('error')
let t: TestStore
let app: FastifyInstance
let writer: BatchWriter
const tokens: Record<string, Partial<Record<Role, string>>> = {}
const OCT = 'from=2026-10-01&to=2026-10-31'
const WINDOW = `baseline_from=${BASELINE.baseline_from}&baseline_to=${BASELINE.baseline_to}`
const EVIL = '<img src=x onerror=alert(1)>'

beforeAll(async () => {
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '10' })
  writer = new BatchWriter(t.store.client, { ...t.config.batch, log })
  const service = new IngestService(writer)
  app = await buildApp({ config: t.config, store: t.store, sink: embeddedSink(service), verifier: new TokenVerifier(t.store.client), log })
  await app.ready()
  for (const tenant of ['acme', 'escape']) {
    tokens[tenant] = {}
    for (const role of ['admin', 'security', 'finance', 'viewer'] as const) tokens[tenant]![role] = (await createToken(t.store.client, tenant, role, role)).token
  }
  await ingestNative(service, 'acme', acmeEvents())
  await ingestNative(service, 'escape', [event({ ...PEOPLE.bob, product: EVIL }, '2026-10-02T09:00:00Z', { method: 'passkey', passkey_type: 'synced' })])
})

afterAll(async () => {
  await app?.close()
  await writer?.close()
  await t?.cleanup()
})

const call = (url: string, role: Role = 'finance', tenant = 'acme', method: 'GET' | 'PUT' = 'GET', payload?: unknown) =>
  app.inject({ method, url, payload: payload as Record<string, unknown> | undefined, headers: { authorization: `Bearer ${tokens[tenant]![role]}` } })

async function report(query: string, role: Role = 'finance') {
  const res = await call(`/api/v1/reports/roi?${query}`, role)
  expect(res.statusCode, res.body).toBe(200)
  return res
}

describe('ROI report', () => {
  it('JSON: October totals, per product and per month, with every assumption', async () => {
    const r = (await report(`${OCT}&${WINDOW}`)).json()
    expect(r).toMatchObject({ tenant: 'acme', from: '2026-10-01 00:00:00.000', to: '2026-10-31 00:00:00.000' })
    expect(r.totals).toMatchObject({
      active_users: 8, passkey_primary_users: 1, passkey_logins: 13, password_resets: 2, lockouts: 1,
      tickets_avoided_modelled: 1.5, tickets_avoided_observed: 9,
      support_cost_saved_usd: { low: 30, mid: 67.5, high: 105 },
      time_value_usd: { low: 2.35, mid: 3.7, high: 5.06 },
      total_savings_usd: { low: 32.35, mid: 71.2, high: 110.06 },
      phishing_attempts_blocked: 1,
    })
    const p = Object.fromEntries(r.by_product.map((x: any) => [x.product, x]))
    expect(Object.keys(p)).toEqual(['bitbucket', 'confluence', 'jira', 'trello'])
    // carol alone, passkey-primary: the baseline rate × 1 user × months, and nothing to subtract.
    expect(p.bitbucket).toMatchObject({ active_users: 1, passkey_primary_users: 1, passkey_logins: 5, tickets_avoided_modelled: 1.5, tickets_avoided_observed: 1.5, phishing_attempts_blocked: 0 })
    expect(p.bitbucket.time_saved_hours.mid).toBeCloseTo(5 * 20.5 / 3600, 4)
    // bob and grace; grace's reset: (rate − 1 ÷ 2 ÷ months) × 2 × months = 3 − 1.
    expect(p.confluence).toMatchObject({ active_users: 2, passkey_primary_users: 0, passkey_logins: 4, password_resets: 1, tickets_avoided_modelled: 0, tickets_avoided_observed: 2, phishing_attempts_blocked: 1 })
    expect(p.jira).toMatchObject({ active_users: 4, passkey_logins: 4, tickets_avoided_observed: 6 })
    // frank: two tickets in a month, above the baseline: nothing observed.
    expect(p.trello).toMatchObject({ active_users: 1, password_resets: 1, lockouts: 1, tickets_avoided_observed: 0, total_savings_usd: { low: 0, mid: 0, high: 0 } })
    expect(r.by_month).toHaveLength(1)
    expect(r.by_month[0]).toMatchObject({ month: '2026-10', from: '2026-10-01', to: '2026-10-31', tickets_avoided_modelled: 1.5 })
    const a = Object.fromEntries(r.assumptions.map((x: any) => [x.name, x]))
    expect(a.baseline_reset_rate).toMatchObject({ basis: 'measured' })
    expect(a.baseline_reset_rate.mid).toBeCloseTo(1.5 / MONTHS, 5)
    expect(a.cost_per_ticket).toMatchObject({ low: 20, mid: 45, high: 70, basis: 'default' })
    expect(a.password_login_seconds).toMatchObject({ basis: 'default' })
  })

  it('splits a two-month period into calendar months', async () => {
    const r = (await report(`from=2026-09-01&to=2026-10-31&${WINDOW}`)).json()
    expect(r.by_month.map((m: any) => [m.month, m.from, m.to])).toEqual([['2026-09', '2026-09-01', '2026-10-01'], ['2026-10', '2026-10-01', '2026-10-31']])
    // September is the baseline itself: bob and frank, 3 tickets, nothing avoided.
    expect(r.by_month[0]).toMatchObject({ active_users: 2, passkey_primary_users: 0, password_resets: 2, lockouts: 1, tickets_avoided_modelled: 0, tickets_avoided_observed: 0 })
    expect(r.by_month[0].months).toBeCloseTo(MONTHS, 5)
    expect(r.by_month[1]).toMatchObject({ active_users: 8, tickets_avoided_modelled: 1.5, tickets_avoided_observed: 9 })
    // The whole period: rate × 1 primary user × 2 × months = 3; rate × 8 × 2 × months − 6 tickets = 18.
    expect(r.totals).toMatchObject({ active_users: 8, passkey_primary_users: 1, tickets_avoided_modelled: 3, tickets_avoided_observed: 18 })
  })

  it('CSV made by ClickHouse: a header row, figures and assumptions side by side', async () => {
    const res = await report(`${OCT}&${WINDOW}&format=csv`)
    expect(res.headers['content-type']).toMatch(/^text\/csv/)
    expect(res.headers['content-disposition']).toBe('attachment; filename="passkey-pulse-roi-acme-2026-10-01-2026-10-30.csv"')
    expect(res.body.split('\n')[0]).toBe('"section","scope","metric","unit","low","mid","high","basis","note"')
    const rows = parse(res.body, { columns: true }) as Record<string, string>[]
    const row = (section: string, scope: string, metric: string) => rows.find((x) => x.section === section && x.scope === scope && x.metric === metric)
    expect(row('total', '', 'total_savings_usd')).toMatchObject({ low: '32.35', mid: '71.2', high: '110.06', unit: 'USD', basis: 'computed' })
    expect(row('product', 'confluence', 'tickets_avoided_observed')).toMatchObject({ mid: '2' })
    expect(row('month', '2026-10', 'active_users')).toMatchObject({ mid: '8', basis: 'measured' })
    expect(row('assumption', '', 'cost_per_ticket')).toMatchObject({ low: '20', mid: '45', high: '70', basis: 'default' })
    expect(row('assumption', '', 'baseline_reset_rate')).toMatchObject({ basis: 'measured' })
    expect(rows).toHaveLength(15 * (1 + 4 + 1) + 9)
  })

  it('Parquet and Arrow made by ClickHouse parse as what they claim', async () => {
    const pq = (await report(`${OCT}&format=parquet`)).rawPayload
    expect(pq.subarray(0, 4).toString()).toBe('PAR1')
    expect(pq.subarray(-4).toString()).toBe('PAR1')

    const res = await report(`${OCT}&${WINDOW}&format=arrow`)
    expect(res.headers['content-type']).toBe('application/vnd.apache.arrow.stream')
    const table = tableFromIPC(res.rawPayload)
    expect(table.schema.fields.map((f) => f.name)).toEqual(['section', 'scope', 'metric', 'unit', 'low', 'mid', 'high', 'basis', 'note'])
    expect(table.numRows).toBe(15 * 6 + 9)
    const rows = table.toArray().map((x) => x.toJSON() as Record<string, unknown>)
    expect(rows.find((x) => x.section === 'total' && x.metric === 'total_savings_usd')).toMatchObject({ low: 32.35, mid: 71.2, high: 110.06 })
    expect(rows.find((x) => x.section === 'assumption' && x.metric === 'baseline_window')).toMatchObject({ low: null, note: '2026-09-01 to 2026-10-01', basis: 'request' })
  })

  it('HTML: one printable page, no script or outside asset, the assumptions printed beside the numbers', async () => {
    const res = await report(`${OCT}&${WINDOW}&format=html&cost_per_ticket_mid=50`)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    const html = res.body
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('Passkey ROI report')
    expect(html).toContain('$75') // 1.5 tickets × 50 USD, the mid support cost (total mid: 75 + 3.70)
    expect(html).toContain('$79')
    for (const name of ['baseline_reset_rate', 'cost_per_ticket', 'hourly_cost', 'password_login_seconds', 'passkey_login_seconds', 'passkey_primary_threshold']) {
      expect(html).toContain(`<code>${name}</code>`)
    }
    expect(html).toContain('measured 2026-09-01 to 2026-10-01: 3 resets and lockouts, 2 active users')
    expect(html).toContain('set for this report')
    expect(html).toMatch(/@media print/)
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i)
    expect(html).not.toContain('@acme.example')
  })

  it('HTML escapes what the logs hold', async () => {
    const res = await call(`/api/v1/reports/roi?${OCT}&format=html`, 'finance', 'escape')
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(res.body).not.toContain(EVIL)
  })

  it('is for finance, security and admin; a viewer gets 403; nothing in it names a person', async () => {
    for (const role of ['security', 'admin'] as const) expect((await call(`/api/v1/reports/roi?${OCT}`, role)).statusCode).toBe(200)
    expect((await call(`/api/v1/reports/roi?${OCT}`, 'viewer')).statusCode).toBe(403)
    for (const format of ['json', 'csv', 'html']) expect((await report(`${OCT}&format=${format}`)).body).not.toMatch(/@acme\.example|user_id/)
    const bad = await call(`/api/v1/reports/roi?${OCT}&format=xlsx`)
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/format/)
    const half = await call(`/api/v1/reports/roi?${OCT}&baseline_from=2026-09-01`)
    expect(half.statusCode).toBe(400)
    expect(half.json().message).toMatch(/baseline_from and baseline_to go together/)
  })
})

describe('assumption settings', () => {
  it('every reader sees them; only an admin changes them; reports then use them', async () => {
    const before = await call('/api/v1/settings/assumptions', 'viewer')
    expect(before.statusCode).toBe(200)
    expect(before.json()).toMatchObject({ tenant: 'acme', settings: {}, updated_at: null, values: { cost_per_ticket_mid: 45, baseline_from: null }, basis: { cost_per_ticket_mid: 'default' } })

    const settings = { cost_per_ticket_mid: 50, hourly_cost: 100, ...BASELINE }
    expect((await call('/api/v1/settings/assumptions', 'finance', 'acme', 'PUT', settings)).statusCode).toBe(403)
    const put = await call('/api/v1/settings/assumptions', 'admin', 'acme', 'PUT', settings)
    expect(put.statusCode, put.body).toBe(200)
    expect(put.json()).toMatchObject({ settings, values: { cost_per_ticket_mid: 50, cost_per_ticket_low: 20 }, basis: { cost_per_ticket_mid: 'tenant', cost_per_ticket_low: 'default', baseline_from: 'tenant' } })
    expect(put.json().updated_at).toMatch(/^\d{4}-\d{2}-\d{2} /)

    const r = (await report(OCT)).json()
    expect(r.totals.support_cost_saved_usd).toEqual({ low: 30, mid: 75, high: 105 }) // 1.5 tickets from the stored window
    expect(r.totals.time_value_usd.mid).toBe(7.4)
    const a = Object.fromEntries(r.assumptions.map((x: any) => [x.name, x]))
    expect(a.cost_per_ticket.basis).toBe('tenant')
    expect(a.baseline_reset_rate.basis).toBe('measured')
    // A request still overrides a stored setting.
    expect((await report(`${OCT}&cost_per_ticket_mid=60`)).json().totals.support_cost_saved_usd.mid).toBe(90)

    for (const [body, message] of [
      [{ baseline_from: '2026-09-01' }, /go together/],
      [{ cost_per_ticket_mid: -1 }, /cost_per_ticket_mid/],
      [{ tenant: 'globex' }, /unknown parameter "tenant"|tenant/],
      [{ passkey_primary_threshold: 0 }, /passkey_primary_threshold/],
    ] as const) {
      const res = await call('/api/v1/settings/assumptions', 'admin', 'acme', 'PUT', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().message).toMatch(message)
    }

    const reset = await call('/api/v1/settings/assumptions', 'admin', 'acme', 'PUT', {})
    expect(reset.json()).toMatchObject({ settings: {}, values: { cost_per_ticket_mid: 45, baseline_from: null } })
    expect((await report(OCT)).json().totals.baseline_reset_rate).toBe(0.1)
  })
})
