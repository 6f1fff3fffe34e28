// What the dashboard's browser tests stand on: the embedded service in this process (real chDB, real HTTP on
// a free port, the demo organisation ingested through the real pipeline, alerting wired as `start` wires it)
// and Debian's Chromium driven by playwright-core. Nothing is downloaded: without /usr/bin/chromium the tests
// fail with the command that installs it.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'
import { createToken, TokenVerifier, type Role } from '../../access/tokens.js'
import { startAlerting, type Alerting } from '../../alerts/runtime.js'
import { buildApp } from '../../analytics/server.js'
import { demoEnd } from '../../cli/commands/demo.js'
import { createLogger } from '../../core/logger.js'
import { DASHBOARD_DIR, PROJECT_ROOT } from '../../core/paths.js'
import { seedDemo } from '../../demo/seed.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { buildDashboard, SRC_DIR } from '../../dashboard/build.mjs'
import { openTestStore, type TestStore } from '../helpers/store.js'

export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
]
export const ARTIFACTS = join(PROJECT_ROOT, 'test-results', 'dashboard')

/** Fails (never skips) when the browser is missing, saying how to get it. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The dashboard tests drive Debian's Chromium at ${CHROMIUM}, which is missing: apt-get install chromium (playwright-core downloads no browser)`)
  }
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** The served bundle, rebuilt only when a source is newer (`npm run build` normally made it already). */
export async function ensureBundle(): Promise<void> {
  const app = join(DASHBOARD_DIR, 'app.js')
  if (existsSync(app) && statSync(app).mtimeMs >= newestMtime(SRC_DIR)) return
  await buildDashboard()
}

export interface Service {
  base: string
  app: FastifyInstance
  t: TestStore
  tokens: Record<Role, string>
  /** Each token's id, for revoking it through the API. */
  tokenIds: Record<Role, string>
  close(): Promise<void>
}

/** A small, recent demo organisation ending at the start of today (the dashboard's default period covers it). */
export const DEMO = { users: 300, days: 30 } as const

export async function startService(demo: { users: number; days: number } = DEMO): Promise<Service> {
  const log = createLogger('error')
  // Demo events are history; alerts judge events up to 40 days old here so the demo itself raises some.
  const t = await openTestStore({ PULSE_BATCH_MAX_MS: '50', PULSE_ALERT_MAX_EVENT_AGE_S: String(40 * 86_400), PULSE_ALERT_RATE_EVERY_S: '0' })
  const alerting: Alerting = await startAlerting({ client: t.store.client, config: t.config, log, perEvent: true, rateRules: false, exclusive: true })
  const writer = new BatchWriter(t.store.client, { ...t.config.batch, log, onInserted: alerting.onInserted })
  const service = new IngestService(writer)
  await seedDemo(service, { ...demo, end: demoEnd(), tenant: t.config.defaultTenant })
  await alerting.settled()
  const tokens = {} as Service['tokens']
  const tokenIds = {} as Service['tokenIds']
  for (const role of ['admin', 'security', 'finance', 'viewer', 'ingest'] as const) {
    const made = await createToken(t.store.client, t.config.defaultTenant, role, `e2e ${role}`)
    tokens[role] = made.token
    tokenIds[role] = made.tokenId
  }
  const app = await buildApp({ config: t.config, store: t.store, sink: embeddedSink(service), verifier: new TokenVerifier(t.store.client), log, alerts: alerting })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    base: `http://127.0.0.1:${port}`, app, t, tokens, tokenIds,
    close: async () => {
      await app.close()
      await service.drain()
      await writer.close()
      await alerting.close()
      await t.cleanup()
    },
  }
}

export async function launchBrowser(): Promise<Browser> {
  requireChromium()
  // playwright-core makes a fresh, temporary user-data-dir for every launch.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

/** Console errors and uncaught exceptions of a page, for "no console errors" assertions. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'assert') problems.push(`console.${m.type()}: ${m.text()} (${m.location().url})`)
  })
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`))
  return problems
}

export async function newPage(browser: Browser, o: { width?: number; height?: number; theme?: 'light' | 'dark' } = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 800 }, locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true })
  if (o.theme) await context.addInitScript((t) => { localStorage.setItem('passkey-pulse.theme', t) }, o.theme)
  const page = await context.newPage()
  return { context, page, problems: watchConsole(page) }
}

/** Waits until no panel (and no card) is idle or loading. */
export async function settled(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => {
    const busy = document.querySelectorAll('[data-panel][data-state="loading"], [data-panel][data-state="idle"], [data-card][data-state="loading"], [data-card][data-state="idle"]')
    return document.querySelectorAll('[data-panel]').length > 0 && busy.length === 0
  }, undefined, { timeout })
}

/** A full-page screenshot from the top (a sticky filter bar would otherwise sit where the page was scrolled). */
export async function fullShot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: artifact(name), fullPage: true })
}

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true })
  return join(ARTIFACTS, name)
}
