// A year of hourly method mix (≈ 8,760 buckets × the method classes) travels as Arrow IPC, is charted, and
// the page keeps answering: the next filter change is taken and charted too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { ensureBundle, launchBrowser, newPage, requireChromium, settled, startService, type Service } from './harness.js'

let svc: Service
let browser: Browser
beforeAll(async () => {
  requireChromium()
  await ensureBundle()
  // Few people, a long history: the series is long while the store stays small.
  svc = await startService({ users: 40, days: 366 })
  browser = await launchBrowser()
}, 300_000)
afterAll(async () => {
  await browser?.close()
  await svc?.close()
})

describe('a year of hourly data', () => {
  it('arrives as Arrow, is charted, and the page still takes the next filter', { timeout: 180_000 }, async () => {
    const { page, problems } = await newPage(browser, { theme: 'light' })
    const arrowAnswer = page.waitForResponse((r) => {
      const u = new URL(r.url())
      return u.pathname === '/api/v1/method-mix' && u.searchParams.get('format') === 'arrow' && r.status() === 200
    }, { timeout: 120_000 })
    await page.goto(`${svc.base}/?period=365d&bucket=hour#token=${encodeURIComponent(svc.tokens.security)}`)
    const res = await arrowAnswer
    expect(res.headers()['content-type']).toBe('application/vnd.apache.arrow.stream')
    await settled(page, 120_000)
    expect(await page.getAttribute('[data-panel="method-mix"]', 'data-state')).toBe('ready')
    expect(Number(await page.getAttribute('#panel-method-mix', 'data-rows'))).toBeGreaterThan(8_000)
    // Responsive: a filter change right after is taken, asked of the API and charted.
    const filtered = page.waitForResponse((r) => {
      const u = new URL(r.url())
      return u.pathname === '/api/v1/method-mix' && u.searchParams.get('product') === 'jira' && r.status() === 200
    }, { timeout: 120_000 })
    await page.selectOption('#f-product', 'jira')
    await filtered
    await settled(page, 120_000)
    expect(await page.getAttribute('[data-panel="method-mix"]', 'data-state')).toBe('ready')
    expect(problems).toEqual([])
  })
})
