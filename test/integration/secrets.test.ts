// Issue 8 "secrets never appear in logs or error messages": real processes at LOG_LEVEL=debug, given known
// secrets (admin and ingest tokens, webhook secret, a webhook URL with credentials and a query token, a Slack
// URL, a vendor hook's Authorization, the pseudonymisation key, a connector token, a ClickHouse password),
// with every error path that touches them triggered on purpose. None of the strings may show in stdout,
// stderr, HTTP error bodies or the stored delivery errors.
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DAY, event, MIN } from '../helpers/alerts.js'
import { assertBuilt, CLI, type Child } from '../helpers/cli.js'
import { waitFor } from '../helpers/kafka.js'
import { dumpStore } from './privacy-store-dump.js'

const S = {
  admin: 'admin-token-secret-AAAA-0123456789abcdef',
  ingest: 'ingest-token-secret-BBBB-0123456789abcdef',
  webhookSecret: 'whsec-secret-CCCC-0123456789',
  hookUrlPassword: 'hook-url-password-DDDD',
  hookQueryToken: 'hook-query-token-EEEE',
  slackPath: 'slack-secret-path-FFFF',
  pseudonymKey: 'pseudonym-key-GGGG-0123456789',
  oktaHook: 'okta-hook-authorization-HHHH',
  presented: 'wrong-presented-token-LLLL-0123456789',
  chPassword: 'clickhouse-password-IIII',
  chUrlPassword: 'clickhouse-url-password-JJJJ',
  oktaToken: 'okta-api-token-KKKK-0123456789',
  shortAdmin: 'short-admin-MMMM',
  shortKey: 'short-key-NNNN',
}
const SECRETS = Object.values(S)
const found = (text: string) => SECRETS.filter((s) => text.includes(s))

const dirs: string[] = []
const children: Child[] = []
const servers: Server[] = []
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'pulse-secrets-')); dirs.push(d); return d }

/** A real HTTP server answering every request with `status`; returns its base URL. */
async function server(status: number, body = '{"errorCode":"E0000011","errorSummary":"Invalid token provided"}'): Promise<string> {
  const s = createServer((req, res) => {
    req.resume()
    req.on('end', () => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(body) })
  })
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  servers.push(s)
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
}

/** A port nothing listens on (bound once, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'debug' }
  for (const k of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'CLICKHOUSE_PASSWORD', 'PULSE_INGEST_TOKEN', 'PULSE_ADMIN_TOKEN', 'PORT', 'HOST']) delete env[k]
  return env
}

/** The CLI as a child process, awaited without blocking this process (the fake vendor lives here). */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout!.on('data', (d) => { stdout += d })
  proc.stderr!.on('data', (d) => { stderr += d })
  children.push({ proc, output: () => stdout + stderr, exited: new Promise(() => {}) })
  return new Promise((resolve) => proc.on('exit', (status) => resolve({ status, stdout, stderr })))
}

beforeAll(() => { assertBuilt() })
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  for (const s of servers) await new Promise((r) => s.close(r))
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('secrets never reach logs or error messages', () => {
  it('`start` with every secret configured, refused tokens, failing alert deliveries and hooks', { timeout: 180_000 }, async () => {
    const hook = await server(200, 'ok')
    const dataDir = tempDir()
    const slackPort = await closedPort()
    const env = {
      ...baseEnv(), PULSE_DATA_DIR: dataDir, PULSE_BATCH_MAX_MS: '50',
      PULSE_ADMIN_TOKEN: S.admin, PULSE_INGEST_TOKEN: S.ingest,
      // Credentials in a URL make every delivery fail, and the error names the URL: the case to hide.
      PULSE_ALERT_WEBHOOK_URL: `${hook.replace('http://', `http://hookuser:${S.hookUrlPassword}@`)}/hook?token=${S.hookQueryToken}`,
      PULSE_ALERT_WEBHOOK_SECRET: S.webhookSecret,
      PULSE_SLACK_WEBHOOK_URL: `http://127.0.0.1:${slackPort}/services/T000/B000/${S.slackPath}`,
      PULSE_OKTA_HOOK_AUTHORIZATION: S.oktaHook, PULSE_PSEUDONYMIZE_SECRET: S.pseudonymKey, PULSE_IP_TRUNCATE: 'on',
    }
    const proc = spawn(process.execPath, [CLI, 'start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    proc.stdout!.on('data', (d) => { out += d })
    proc.stderr!.on('data', (d) => { out += d })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })))
    children.push({ proc, output: () => out, exited })
    await waitFor('the start banner', async () => {
      if (proc.exitCode !== null) throw new Error(`start exited early: ${out}`)
      return /Press Ctrl\+C to stop\./.test(out)
    }, 90_000, 100)
    const base = /^ {2}Dashboard: {2}(http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(out)![1]!

    const bodies: string[] = []
    const call = async (path: string, init: RequestInit, expected: number) => {
      const r = await fetch(`${base}${path}`, init)
      const text = await r.text()
      bodies.push(text)
      expect(r.status, `${path}: ${text}`).toBe(expected)
      return text
    }
    const json = { 'content-type': 'application/json' }
    // A refused token, in both headers a token can come in, on the collector and the API.
    await call('/v1/events?source=native', { method: 'POST', headers: { ...json, authorization: `Bearer ${S.presented}` }, body: '[]' }, 401)
    await call('/api/v1/alerts', { headers: { 'x-pulse-token': S.presented } }, 401)
    // A vendor hook with the wrong Authorization, and the right one with a bad body.
    await call('/v1/hooks/okta', { method: 'POST', headers: { ...json, authorization: S.presented }, body: '{}' }, 401)
    // Events that raise an alert: both channels fail (credentials in the URL; nothing listening).
    await call('/v1/events?source=native', { method: 'POST', headers: { ...json, authorization: `Bearer ${S.ingest}` },
      body: JSON.stringify([event(2 * DAY, { event_type: 'passkey_registered', user_id: 'sam@acme.example', method: 'passkey', passkey_type: 'synced' })]) }, 200)
    await call('/v1/events?source=native', { method: 'POST', headers: { ...json, authorization: `Bearer ${S.ingest}` },
      body: JSON.stringify([event(5 * MIN, { user_id: 'sam@acme.example' })]) }, 200)
    await waitFor('both deliveries to fail', async () => (out.match(/alert delivery failed; will retry/g) ?? []).length >= 2, 60_000)
    // The stored delivery errors, as the API shows them to an admin.
    const alerts = await call('/api/v1/alerts', { headers: { authorization: `Bearer ${S.admin}` } }, 200)
    expect(alerts).toContain('password_fallback')

    proc.kill('SIGTERM')
    expect(await exited, out).toEqual({ code: 0, signal: null })
    expect(out).toContain('"level":20')
    expect(out).toMatch(/"error":"[^"]+","msg":"alert delivery failed; will retry"/)
    expect(found(out), out).toEqual([])
    expect(found(bodies.join('\n'))).toEqual([])
    // Nor in the store: tokens are kept as hashes, delivery errors (alert_outbox.last_error) without the URL's secrets.
    const dump = dumpStore(dataDir)
    // (ClickHouse's JSON output escapes '/'.)
    expect(dump.alert_outbox.replaceAll('\\/', '/')).toContain('URL that includes credentials: http://***@127.0.0.1')
    for (const [table, text] of Object.entries(dump)) expect(found(text), table).toEqual([])
  })

  it('ClickHouse server errors name neither the password nor a password in the URL', { timeout: 60_000 }, async () => {
    const port = await closedPort()
    for (const extra of [
      { CLICKHOUSE_URL: `http://127.0.0.1:${port}`, CLICKHOUSE_PASSWORD: S.chPassword },
      { CLICKHOUSE_URL: `http://default:${S.chUrlPassword}@127.0.0.1:${port}` },
    ]) {
      const r = await runCli(['migrate'], { ...baseEnv(), PULSE_DATA_DIR: tempDir(), ...extra })
      expect(r.status, r.stderr).not.toBe(0)
      expect(r.stderr).toMatch(/passkey-pulse: .+/)
      expect(found(r.stdout + r.stderr), r.stderr).toEqual([])
    }
  })

  it('a connector refused by the vendor names the connector, not its token', { timeout: 60_000 }, async () => {
    const okta = await server(401)
    const r = await runCli(['connect', 'okta', '--once'], { ...baseEnv(), PULSE_DATA_DIR: tempDir(), PULSE_OKTA_URL: okta, PULSE_OKTA_TOKEN: S.oktaToken })
    expect(r.status, r.stderr).not.toBe(0)
    expect(r.stderr).toMatch(/okta connector was refused/)
    expect(found(r.stdout + r.stderr), r.stderr).toEqual([])
  })

  it('configuration errors about a secret do not repeat it', { timeout: 60_000 }, async () => {
    for (const extra of [{ PULSE_PSEUDONYMIZE_SECRET: S.shortKey }, { PULSE_ADMIN_TOKEN: S.shortAdmin }]) {
      const r = await runCli(['start', '--port', '0'], { ...baseEnv(), PULSE_DATA_DIR: tempDir(), ...extra })
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/passkey-pulse: Invalid configuration: (PULSE_PSEUDONYMIZE_SECRET|PULSE_ADMIN_TOKEN) must be at least \d+ characters/)
      expect(found(r.stdout + r.stderr)).toEqual([])
    }
  })
})
