// The dashboard end to end: the embedded service in this process with a 300-person, 30-day demo organisation,
// Debian's Chromium driven by playwright-core. Security signs in through the one-time link and sees every panel
// with data and no console error; a filter changes the numbers to exactly what the API answers for it, and
// back/forward undo and redo it; finance gets the ROI view and aggregates and can reach no list of people, in
// the page or through the API; a bad token gets the API's refusal. Full-page screenshots (light, dark, phone,
// ROI) are written to test-results/dashboard/.
import { readFileSync } from 'node:fs'
import type { Browser, Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeArrow, rowsOf } from '../../dashboard/src/arrow.js'
import { ensureBundle, fullShot, launchBrowser, newPage, requireChromium, settled, startService, type Service } from './harness.js'

/** Every panel of the overview, and who sees it. */
const PANELS = [
  'method-mix', 'mix-by-product', 'adoption', 'time-to-sign-in', 'success-rate', 'fallbacks-os-browser', 'fallbacks-by-product',
  'fallbacks-by-platform', 'resets', 'authenticators', 'privileged-not-covered', 'phishing', 'alerts',
]
const SECURITY_ONLY = ['privileged-not-covered']
const CARDS = ['passkey_share', 'enrollment_rate', 'fallback_rate', 'privileged_coverage', 'tickets_avoided', 'total_savings_usd']

let svc: Service
let browser: Browser

async function apiGet(path: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${svc.base}${path}`, { headers: { authorization: `Bearer ${token}` } })
  const text = await res.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body }
}

async function signInByLink(page: Page, token: string, query = ''): Promise<void> {
  await page.goto(`${svc.base}/${query}#token=${encodeURIComponent(token)}`)
  await page.waitForSelector('#who')
  await settled(page)
}

async function csvOf(page: Page, panel: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#panel-${panel} .panel-actions button:has-text("CSV")`)])
  return readFileSync((await download.path())!, 'utf8')
}

const summaryOf = (page: Page, match: (url: URL) => boolean): Promise<Response> =>
  page.waitForResponse((r) => {
    const u = new URL(r.url())
    return u.pathname === '/api/v1/summary' && match(u) && r.status() === 200
  })

beforeAll(async () => {
  requireChromium()
  await ensureBundle()
  svc = await startService()
  browser = await launchBrowser()
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await svc?.close()
})

describe('the dashboard for security', () => {
  let page: Page
  let problems: string[]

  beforeAll(async () => {
    ({ page, problems } = await newPage(browser, { theme: 'light' }))
    await signInByLink(page, svc.tokens.security)
  })

  it('signs in through the one-time link and takes the token out of the address', async () => {
    expect(page.url()).not.toContain('token')
    expect(page.url()).not.toContain(svc.tokens.security)
    expect(await page.evaluate(() => sessionStorage.getItem('passkey-pulse.token'))).toBe(svc.tokens.security)
    expect(await page.textContent('#who')).toMatch(/security/)
  })

  it('renders every card and every panel with data, and no console error', async () => {
    for (const id of CARDS) {
      const card = page.locator(`[data-card="${id}"]`)
      expect(await card.getAttribute('data-state'), id).toBe('ready')
      expect(Number(await card.getAttribute('data-value')), id).toBeGreaterThan(0)
      expect(await card.locator('.delta').textContent(), id).toMatch(/previous period/)
    }
    const shown = await page.$$eval('[data-panel]', (els) => els.map((e) => (e as HTMLElement).dataset.panel))
    expect(shown).toEqual(PANELS)
    for (const id of PANELS) {
      expect(await page.getAttribute(`[data-panel="${id}"]`, 'data-state'), id).toBe('ready')
      expect(Number(await page.getAttribute(`#panel-${id}`, 'data-rows')), `${id} rows`).toBeGreaterThan(0)
      const hasChart = await page.locator(`#panel-${id} .chart canvas`).count()
      const rows = await page.locator(`#panel-${id} tbody tr`).count()
      expect(hasChart + rows, `${id} shows a chart or rows`).toBeGreaterThan(0)
    }
    // CSV of what a panel shows, for a chart and two tables (Chrome throttles rapid downloads: one a second).
    for (const id of ['method-mix', 'privileged-not-covered', 'alerts']) {
      const csv = await csvOf(page, id)
      expect(csv.trim().split('\r\n').length - 1, `${id} CSV rows`).toBe(Number(await page.getAttribute(`#panel-${id}`, 'data-rows')))
      await page.waitForTimeout(1100)
    }
    // The demo raises alerts (fallbacks, phishable privileged sign-ins): the panel lists them, for security with actions.
    expect(await page.locator('#panel-alerts tbody tr').count()).toBeGreaterThan(0)
    expect(await page.locator('#panel-alerts button:has-text("Acknowledge")').count()).toBeGreaterThan(0)
    expect(await page.locator('#panel-privileged-not-covered tbody tr').count()).toBeGreaterThan(0)
    expect(problems).toEqual([])
  })

  it('moves a long hourly series as Arrow IPC (ClickHouse ArrowStream) and charts it', async () => {
    const arrowAnswer = page.waitForResponse((r) => {
      const u = new URL(r.url())
      return u.pathname === '/api/v1/method-mix' && u.searchParams.get('format') === 'arrow' && r.status() === 200
    })
    await page.selectOption('#f-bucket', 'hour')
    const res = await arrowAnswer
    expect(res.headers()['content-type']).toBe('application/vnd.apache.arrow.stream')
    await settled(page)
    expect(await page.getAttribute('[data-panel="method-mix"]', 'data-state')).toBe('ready')
    // Thirty days of hours, several method classes each: far more rows than the JSON threshold.
    expect(Number(await page.getAttribute('#panel-method-mix', 'data-rows'))).toBeGreaterThan(500)
    await page.selectOption('#f-bucket', 'day')
    await settled(page)
  })

  it('shows the numbers the API returns, and a filter changes them to what the API returns for it', async () => {
    const card = page.locator('[data-card="passkey_share"]')
    const before = Number(await card.getAttribute('data-value'))
    const products = await page.$$eval('#f-product option', (os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean))
    expect(products).toContain('bitbucket')
    const answered = summaryOf(page, (u) => u.searchParams.get('product') === 'bitbucket')
    await page.selectOption('#f-product', 'bitbucket')
    const res = await answered
    await settled(page)
    expect(new URL(page.url()).searchParams.get('product')).toBe('bitbucket')
    // The same question asked directly gives the numbers on screen.
    const direct = await apiGet(new URL(res.url()).pathname + new URL(res.url()).search, svc.tokens.security)
    const s = direct.body as { passkey_share: { current: { value: number; numerator: number; denominator: number } }; fallback_rate: { current: { value: number } } }
    const after = Number(await card.getAttribute('data-value'))
    expect(after).toBe(s.passkey_share.current.value)
    expect(after).not.toBe(before)
    expect(await card.locator('.value').textContent()).toBe(`${(s.passkey_share.current.value * 100).toFixed(1)} %`)
    expect(await card.locator('.sub').textContent()).toContain(s.passkey_share.current.numerator.toLocaleString('en-US'))
    expect(Number(await page.getAttribute('[data-card="fallback_rate"]', 'data-value'))).toBe(s.fallback_rate.current.value)
    expect(await page.locator('.chips').textContent()).toContain('Product: bitbucket')

    // Back undoes the filter, forward redoes it.
    await page.goBack()
    await settled(page)
    expect(new URL(page.url()).searchParams.get('product')).toBeNull()
    expect(await page.inputValue('#f-product')).toBe('')
    expect(Number(await card.getAttribute('data-value'))).toBe(before)
    await page.goForward()
    await settled(page)
    expect(await page.inputValue('#f-product')).toBe('bitbucket')
    expect(Number(await card.getAttribute('data-value'))).toBe(after)
    await page.click('.chips button:has-text("Product: bitbucket")')
    await settled(page)
    expect(Number(await card.getAttribute('data-value'))).toBe(before)
  })

  it('drills down from a chart: a method filters every panel, and security can open the people behind a platform', async () => {
    const answered = summaryOf(page, (u) => u.searchParams.get('method_class') === 'password_only')
    await page.click('#panel-success-rate .drill button:has-text("Password only")')
    await answered
    await settled(page)
    expect(new URL(page.url()).searchParams.get('method_class')).toBe('password_only')
    expect(await page.inputValue('#f-method_class')).toBe('password_only')
    await page.goBack()
    await settled(page)

    await page.click('#panel-fallbacks-by-platform .drill button >> nth=0')
    const dialog = page.locator('dialog.user-list')
    await dialog.locator('tbody tr').first().waitFor()
    expect(await dialog.locator('th').allTextContents()).toContain('user id')
    expect(await dialog.locator('tbody tr').count()).toBeGreaterThan(0)
    await dialog.locator('button:has-text("Close")').click()
    // The dialog's 'close' event (which removes it) is dispatched as a task after close(): wait for it.
    await page.locator('dialog.user-list').waitFor({ state: 'detached', timeout: 5_000 })
    expect(await page.locator('dialog.user-list').count()).toBe(0)
    expect(problems).toEqual([])
  })

  it('acknowledges an alert from the panel, through the alerts API', async () => {
    const row = page.locator('#panel-alerts tbody tr', { has: page.locator('button:has-text("Acknowledge")') }).first()
    const title = (await row.locator('td.wrap').textContent())!
    const acked = page.waitForResponse((r) => /\/api\/v1\/alerts\/[0-9a-f]{32}\/acknowledge$/.test(new URL(r.url()).pathname) && r.status() === 200)
    await row.locator('button:has-text("Acknowledge")').click()
    const id = /alerts\/([0-9a-f]{32})\//.exec((await acked).url())![1]!
    await page.locator('#panel-alerts tbody tr', { hasText: title }).locator('.badge.acknowledged').first().waitFor()
    const stored = await apiGet(`/api/v1/alerts/${id}`, svc.tokens.security)
    expect((stored.body as { state: string }).state).toBe('acknowledged')
  })

  it('switches to the dark theme and keeps working; screenshots both themes and a phone', async () => {
    await fullShot(page, 'security-overview-light.png')
    await page.click('#theme-toggle')
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark')
    await settled(page)
    await page.waitForTimeout(400)
    await fullShot(page, 'security-overview-dark.png')
    expect(await page.evaluate(() => localStorage.getItem('passkey-pulse.theme'))).toBe('dark')

    const phone = await newPage(browser, { width: 390, height: 844, theme: 'light' })
    await signInByLink(phone.page, svc.tokens.security)
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await fullShot(phone.page, 'security-overview-phone.png')
    expect(phone.problems).toEqual([])
    await phone.context.close()
    expect(problems).toEqual([])
  })

  it('shows an API error in place, with the API\'s message, never a blank panel', async () => {
    // A shared link with a filter value the API refuses: every panel says why, in its own box.
    await page.goto(`${svc.base}/?user_type=robot`)
    await settled(page)
    const direct = await apiGet('/api/v1/summary?user_type=robot', svc.tokens.security)
    expect(direct.status).toBe(400)
    const message = (direct.body as { message: string }).message
    expect(message).toContain('user_type')
    expect(await page.getAttribute('[data-panel="method-mix"]', 'data-state')).toBe('error')
    expect(await page.textContent('#panel-method-mix .panel-state')).toContain('user_type')
    expect(await page.getAttribute('[data-card="passkey_share"]', 'data-state')).toBe('error')
    expect(await page.textContent('[data-card="passkey_share"]')).toContain(message)
    await page.click('.chips button:has-text("User type: robot")')
    await settled(page)
    expect(await page.getAttribute('[data-panel="method-mix"]', 'data-state')).toBe('ready')
    problems.splice(0) // the 400s above were asked for
  })

  it('turns auto-refresh on from the header, in the URL, and off again', async () => {
    await page.selectOption('#auto-refresh', '30')
    expect(new URL(page.url()).searchParams.get('refresh')).toBe('30')
    await page.selectOption('#auto-refresh', '0')
    expect(new URL(page.url()).searchParams.get('refresh')).toBeNull()
  })

  it('reloads the numbers on its own when a wall-screen link asks for auto-refresh', async () => {
    const wall = await newPage(browser)
    await wall.page.clock.install()
    await signInByLink(wall.page, svc.tokens.security, '?refresh=30')
    expect(await wall.page.inputValue('#auto-refresh')).toBe('30')
    let summaries = 0
    wall.page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/summary') summaries++ })
    await wall.page.clock.fastForward(10_000)
    expect(summaries).toBe(0)
    const reloaded = summaryOf(wall.page, () => true)
    await wall.page.clock.fastForward(21_000)
    await reloaded
    await settled(wall.page)
    expect(summaries).toBe(1)
    expect(wall.problems).toEqual([])
    await wall.context.close()
  })

  it('signs out: the token is gone and the sign-in form is back', async () => {
    await page.click('#sign-out')
    await page.waitForSelector('form.signin')
    expect(await page.evaluate(() => sessionStorage.getItem('passkey-pulse.token'))).toBeNull()
    await page.reload()
    await page.waitForSelector('form.signin')
  })
})

describe('the dashboard for finance', () => {
  let page: Page
  let problems: string[]
  const bodies: string[] = []

  beforeAll(async () => {
    ({ page, problems } = await newPage(browser, { theme: 'light' }))
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/') && r.status() === 200 && (r.headers()['content-type'] ?? '').includes('json')) {
        bodies.push('pending')
        const i = bodies.length - 1
        void r.text().then((t) => { bodies[i] = t }).catch(() => { bodies[i] = '' })
      }
    })
    // Signing in with the form this time.
    await page.goto(svc.base)
    await page.fill('#token', svc.tokens.finance)
    await page.click('form.signin button[type=submit]')
    await page.waitForSelector('#who')
    await settled(page)
  })

  it('sees aggregates only: no list of people anywhere in the page, and no user ids in what the API sent it', async () => {
    const shown = await page.$$eval('[data-panel]', (els) => els.map((e) => (e as HTMLElement).dataset.panel))
    expect(shown).toEqual(PANELS.filter((p) => !SECURITY_ONLY.includes(p)))
    for (const id of CARDS) expect(await page.getAttribute(`[data-card="${id}"]`, 'data-state'), id).toBe('ready')
    // No way to a user list: no "who" drill-down, no user table, alerts without actions.
    expect(await page.locator('.drill:has-text("Who falls back")').count()).toBe(0)
    expect(await page.locator('th:has-text("user id")').count()).toBe(0)
    expect(await page.locator('#panel-alerts button:has-text("Acknowledge")').count()).toBe(0)
    const chart = page.locator('#panel-fallbacks-by-platform .chart canvas')
    const box = (await chart.boundingBox())!
    for (const x of [0.2, 0.3, 0.75, 0.85]) await page.mouse.click(box.x + box.width * x, box.y + box.height / 2)
    expect(await page.locator('dialog').count()).toBe(0)
    await page.waitForTimeout(300)
    const everything = bodies.join('\n')
    expect(everything.length).toBeGreaterThan(1000)
    expect(everything).not.toMatch(/"user_id"|@acme\.example|"ip"/)
    expect(problems).toEqual([])
  })

  it('is refused every list of people by the API itself', async () => {
    for (const path of ['/api/v1/users/fallbacks', '/api/v1/users/privileged-not-covered', '/api/v1/users/without-passkey']) {
      const r = await apiGet(path, svc.tokens.finance)
      expect(r.status, path).toBe(403)
    }
    const alerts = await apiGet('/api/v1/alerts?limit=1000', svc.tokens.finance)
    expect(alerts.status).toBe(200)
    expect(JSON.stringify(alerts.body)).not.toMatch(/@acme\.example/)
  })

  it('gets the ROI view: the report on screen, assumptions recomputed by the API, and the files', async () => {
    const first = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/reports/roi' && r.status() === 200)
    await page.click('a.tab[data-view="roi"]')
    const report = (await (await first).json()) as { totals: { total_savings_usd: { mid: number }; support_cost_saved_usd: { mid: number } } }
    await settled(page)
    expect(new URL(page.url()).searchParams.get('view')).toBe('roi')
    for (const id of ['roi-totals', 'roi-by-month', 'roi-by-product', 'roi-assumptions']) {
      expect(await page.getAttribute(`[data-panel="${id}"]`, 'data-state'), id).toBe('ready')
    }
    expect(Number(await page.getAttribute('[data-roi="total"]', 'data-value'))).toBe(report.totals.total_savings_usd.mid)
    await fullShot(page, 'finance-roi-light.png')

    // A dearer ticket: the API recomputes, the screen shows its answer, the URL keeps the scenario.
    const recomputed = page.waitForResponse((r) => new URL(r.url()).searchParams.get('cost_per_ticket_mid') === '60' && r.status() === 200)
    await page.fill('#roi-cost_per_ticket_mid', '60')
    await page.click('form.roi-form button[type=submit]')
    const again = (await (await recomputed).json()) as typeof report
    await settled(page)
    expect(new URL(page.url()).searchParams.get('cost_per_ticket_mid')).toBe('60')
    expect(again.totals.support_cost_saved_usd.mid).toBeGreaterThan(report.totals.support_cost_saved_usd.mid)
    expect(Number(await page.getAttribute('[data-roi="support"]', 'data-value'))).toBe(again.totals.support_cost_saved_usd.mid)
    expect(await page.locator('#panel-roi-assumptions').textContent()).toContain('this view')

    // The report's files, with this scenario.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('button[data-format="csv"]')])
    const csvText = readFileSync((await csv.path())!, 'utf8')
    expect(csvText.split('\n')[0]).toMatch(/section/)
    expect(csvText).toContain('60')
    const [parquet] = await Promise.all([page.waitForEvent('download'), page.click('button[data-format="parquet"]')])
    expect(readFileSync((await parquet.path())!).subarray(0, 4).toString()).toBe('PAR1')
    const [printable] = await Promise.all([page.context().waitForEvent('page'), page.click('button[data-format="html"]')])
    await printable.waitForLoadState()
    expect(printable.url()).toMatch(/^blob:/)
    expect(await printable.textContent('body')).toMatch(/savings/i)
    await printable.close()
    expect(problems).toEqual([])
  })
})

describe('a token revoked while in use', () => {
  it('sends the person back to the sign-in form with the API\'s reason', async () => {
    const { context, page, problems } = await newPage(browser)
    await signInByLink(page, svc.tokens.viewer)
    // Viewers get dashboards, not the ROI report (the API refuses it to them).
    expect(await page.locator('a.tab[data-view="roi"]').count()).toBe(0)
    expect(await page.textContent('#who')).toContain('viewer')
    const revoked = await fetch(`${svc.base}/api/v1/tokens/${svc.tokenIds.viewer}`, { method: 'DELETE', headers: { authorization: `Bearer ${svc.tokens.admin}` } })
    expect(revoked.status).toBe(204)
    await page.selectOption('#f-bucket', 'week')
    await page.waitForSelector('form.signin')
    expect(await page.textContent('#signin-error')).toMatch(/You were signed out: The token was revoked at/)
    expect(await page.evaluate(() => sessionStorage.getItem('passkey-pulse.token'))).toBeNull()
    // The refused requests are the only console errors.
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([])
    await context.close()
  })
})

describe('the dashboard for an admin', () => {
  it('stores the assumptions of the ROI view as the tenant\'s settings', async () => {
    const { context, page, problems } = await newPage(browser)
    await signInByLink(page, svc.tokens.admin, '?view=roi')
    await page.fill('#roi-hourly_cost', '61')
    const saved = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/settings/assumptions' && r.request().method() === 'PUT')
    await page.click('form.roi-form button:has-text("Save for tenant")')
    expect((await saved).status()).toBe(200)
    await settled(page)
    const stored = (await apiGet('/api/v1/settings/assumptions', svc.tokens.finance)).body as { values: { hourly_cost: number }; basis: { hourly_cost: string } }
    expect(stored.values.hourly_cost).toBe(61)
    expect(stored.basis.hourly_cost).toBe('tenant')
    // The view now follows the tenant's setting (no override left in the URL) and the report says so.
    expect(new URL(page.url()).searchParams.get('hourly_cost')).toBeNull()
    expect(await page.inputValue('#roi-hourly_cost')).toBe('61')
    expect(await page.locator('#panel-roi-assumptions tr', { hasText: 'hourly cost' }).textContent()).toContain('tenant setting')
    const reset = await fetch(`${svc.base}/api/v1/settings/assumptions`, { method: 'PUT', headers: { authorization: `Bearer ${svc.tokens.admin}`, 'content-type': 'application/json' }, body: '{}' })
    expect(reset.status).toBe(200)
    expect(problems).toEqual([])
    await context.close()
  })
})

describe('Arrow IPC for large series', () => {
  it('decodes ClickHouse ArrowStream (strings as Binary, DateTime, UInt64) to the rows JSON gives', async () => {
    const query = `
      SELECT toStartOfHour(ts) AS bucket, method_class, count() AS logins
      FROM auth_events FINAL
      WHERE tenant = {tenant:String} AND event_type = 'login' AND outcome = 'success'
      GROUP BY bucket, method_class ORDER BY bucket, method_class`
    const query_params = { tenant: svc.t.config.defaultTenant }
    // Uncompressed: apache-arrow has no LZ4 codec built in (ClickHouse compresses ArrowStream by default).
    const arrow = await svc.t.store.client.exec({ query: `${query} FORMAT ArrowStream`, query_params, clickhouse_settings: { output_format_arrow_compression_method: 'none' } })
    const chunks: Buffer[] = []
    for await (const c of arrow.stream) chunks.push(c as Buffer)
    const rows = rowsOf(decodeArrow(new Uint8Array(Buffer.concat(chunks))), ['bucket'])
    const json = await (await svc.t.store.client.query({ query, query_params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } }))
      .json<{ bucket: string; method_class: string; logins: number }>()
    expect(rows.length).toBeGreaterThan(1000)
    expect(rows).toEqual(json)
  })
})

describe('a bad token', () => {
  it('is refused with the API\'s message, on the sign-in form', async () => {
    const { context, page } = await newPage(browser)
    await page.goto(`${svc.base}/#token=pp_not-a-real-token-0123456789`)
    await page.waitForSelector('form.signin')
    expect(page.url()).not.toContain('pp_not-a-real-token')
    const message = await page.textContent('#signin-error')
    expect(message).toContain('This token was refused')
    expect(message).toContain('unknown or revoked')
    expect(await page.evaluate(() => sessionStorage.getItem('passkey-pulse.token'))).toBeNull()
    await context.close()
  })
})
