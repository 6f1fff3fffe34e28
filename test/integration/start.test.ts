// `passkey-pulse start` as a real process on embedded ClickHouse without Kafka: what it prints, the
// dashboard, the collector and the API over real HTTP, a clean exit on SIGTERM, tokens on first start only.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, CLI, type Child } from '../helpers/cli.js'
import { nativeLogin } from '../helpers/events.js'
import { waitFor } from '../helpers/kafka.js'

const dataDir = mkdtempSync(join(tmpdir(), 'pulse-start-'))
const children: Child[] = []
beforeAll(() => assertBuilt())
afterAll(() => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

/** `start --port 0` with the embedded default: no Kafka, no ClickHouse server, no configured token. */
function start(): Child & { stdout: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', PULSE_DATA_DIR: dataDir }
  for (const k of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'PULSE_INGEST_TOKEN', 'PORT', 'HOST']) delete env[k]
  const proc = spawn(process.execPath, [CLI, 'start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let all = ''
  proc.stdout!.on('data', (d) => { out += d; all += d })
  proc.stderr!.on('data', (d) => { all += d })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }))
  })
  const child = { proc, output: () => all, stdout: () => out, exited }
  children.push(child)
  return child
}

interface Banner { base: string; admin?: string; ingest?: string }

async function banner(c: ReturnType<typeof start>): Promise<Banner> {
  await waitFor('"Passkey Pulse is running" and the end of the banner', async () => {
    if (c.proc.exitCode !== null) throw new Error(`start exited early (${c.proc.exitCode}): ${c.output()}`)
    return /Passkey Pulse is running[\s\S]*Press Ctrl\+C to stop\./.test(c.stdout())
  }, 60_000, 100)
  const out = c.stdout()
  const base = /^ {2}Dashboard: {2}(http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(out)?.[1]
  if (!base) throw new Error(`no dashboard URL in: ${out}`)
  return {
    base,
    admin: /^ {2}admin token: {2}(\S+)$/m.exec(out)?.[1],
    ingest: /^ {2}ingest token: (\S+)$/m.exec(out)?.[1],
  }
}

async function stop(c: ReturnType<typeof start>): Promise<void> {
  const started = Date.now()
  c.proc.kill('SIGTERM')
  const result = await Promise.race([c.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))])
  expect(result, c.output()).toEqual({ code: 0, signal: null })
  expect(Date.now() - started).toBeLessThan(15_000)
}

describe('passkey-pulse start', () => {
  it('serves the dashboard, stores events posted with the printed ingest token, shows them to the admin, exits 0 on SIGTERM', { timeout: 120_000 }, async () => {
    const c = start()
    const b = await banner(c)
    expect(c.stdout()).toContain(`embedded ClickHouse in ${dataDir}; ingest embedded`)
    expect(b.admin).toMatch(/^pp_[A-Za-z0-9_-]{20,}$/)
    expect(b.ingest).toMatch(/^pp_[A-Za-z0-9_-]{20,}$/)
    expect(b.admin).not.toBe(b.ingest)

    const page = await fetch(`${b.base}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toMatch(/<title>Passkey Pulse<\/title>/)

    const ts = new Date(Date.now() - 2 * 3_600_000).toISOString()
    const events = [
      nativeLogin({ ts, method: 'passkey', passkey_type: 'device_bound' }),
      nativeLogin({ ts, method: 'passkey', passkey_type: 'device_bound' }),
      nativeLogin({ ts, method: 'password', second_factor: 'none', passkey_type: '' }),
    ]
    const post = await fetch(`${b.base}/v1/events?source=native`, {
      method: 'POST', headers: { authorization: `Bearer ${b.ingest}`, 'content-type': 'application/json' }, body: JSON.stringify(events),
    })
    expect(post.status).toBe(200)
    expect(await post.json()).toMatchObject({ mode: 'embedded', tenant: 'default', received: 3, stored: 3, duplicates: 0, ignored: 0, rejected: 0 })

    // The ingest token may write, not read; the admin token reads the default (last 30 days) period.
    const asIngest = await fetch(`${b.base}/api/v1/method-mix`, { headers: { authorization: `Bearer ${b.ingest}` } })
    expect(asIngest.status).toBe(403)
    const mix = await fetch(`${b.base}/api/v1/method-mix?bucket=day`, { headers: { authorization: `Bearer ${b.admin}` } })
    expect(mix.status).toBe(200)
    const body = await mix.json() as { tenant: string; rows: { bucket: string; method_class: string; logins: number; bucket_total: number }[] }
    expect(body.tenant).toBe('default')
    const day = `${ts.slice(0, 10)} 00:00:00`
    expect(body.rows).toEqual([
      { bucket: day, method_class: 'passkey_device_bound', logins: 2, bucket_total: 3, share: 0.6667 },
      { bucket: day, method_class: 'password_only', logins: 1, bucket_total: 3, share: 0.3333 },
    ])

    await stop(c)
    expect(c.output()).not.toMatch(/"level":(50|60)/)
  })

  it('prints no tokens on a later start of the same data directory', { timeout: 60_000 }, async () => {
    const c = start()
    const b = await banner(c)
    expect(b.admin).toBeUndefined()
    expect(b.ingest).toBeUndefined()
    expect(c.stdout()).not.toMatch(/token/i)
    await stop(c)
  })
})
