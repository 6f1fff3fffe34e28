// The README's first steps: `passkey-pulse start` (the built CLI, a real process, a fresh data directory)
// prints a one-time sign-in link; opening it signs the first admin in and takes the token out of the address.
// The store is empty, so every panel must say so (an empty state, never a blank box or an error).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, CLI } from '../helpers/cli.js'
import { ensureBundle, fullShot, launchBrowser, newPage, requireChromium, settled } from './harness.js'

const dataDir = mkdtempSync(join(tmpdir(), 'pulse-first-start-'))
let proc: ChildProcess
let stdout = ''
let browser: Browser

beforeAll(async () => {
  requireChromium()
  assertBuilt()
  await ensureBundle()
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', PULSE_DATA_DIR: dataDir }
  for (const k of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'PULSE_INGEST_TOKEN', 'PULSE_ADMIN_TOKEN', 'PORT', 'HOST']) delete env[k]
  proc = spawn(process.execPath, [CLI, 'start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  proc.stdout!.on('data', (d) => { stdout += d })
  proc.stderr!.on('data', (d) => { stderr += d })
  const deadline = Date.now() + 90_000
  while (!/Press Ctrl\+C to stop\./.test(stdout)) {
    if (proc.exitCode !== null) throw new Error(`start exited (${proc.exitCode}): ${stdout}${stderr}`)
    if (Date.now() > deadline) throw new Error(`start printed no banner: ${stdout}${stderr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM')
    await new Promise((r) => proc.once('exit', r))
  }
  rmSync(dataDir, { recursive: true, force: true })
})

describe('the first start', () => {
  it('prints a sign-in link that signs the first admin in, once, and shows empty states on an empty store', async () => {
    const link = /^ {2}(http:\/\/127\.0\.0\.1:\d+\/#token=(\S+))$/m.exec(stdout)
    expect(link, stdout).not.toBeNull()
    const admin = /^ {2}admin token: {2}(\S+)$/m.exec(stdout)?.[1]
    expect(decodeURIComponent(link![2]!)).toBe(admin)

    const { context, page, problems } = await newPage(browser, { theme: 'light' })
    await page.goto(link![1]!)
    await page.waitForSelector('#who')
    await settled(page)
    expect(page.url()).not.toContain('token')
    expect(await page.evaluate(() => sessionStorage.getItem('passkey-pulse.token'))).toBe(admin)
    const states = await page.$$eval('[data-panel]', (els) => els.map((e) => [(e as HTMLElement).dataset.panel, (e as HTMLElement).dataset.state]))
    for (const [id, state] of states) expect(['empty', 'ready'], `${id}`).toContain(state)
    expect(states.filter(([, s]) => s === 'empty').length).toBeGreaterThan(5)
    expect(await page.textContent('#panel-method-mix')).toContain('No data for this period and these filters.')
    expect(await page.textContent('[data-card="passkey_share"] .value')).toBe('–')
    await fullShot(page, 'first-start-empty.png')
    expect(problems).toEqual([])
    await context.close()
  })
})
