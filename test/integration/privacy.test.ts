// Issue 8 "privacy controls": with pseudonymisation and IP truncation on, events of several vendors, poison
// events carrying e-mails and addresses, and events that raise alerts go through the real collector (embedded
// `start`), and through the collector in Kafka mode and a real `ingest` worker; then no plain user id,
// e-mail or full IP may be found in any table of any store, the DLQ and alerts topics, the webhook bodies,
// or the processes' debug logs, while the pseudonyms are there and per-user KPIs and alerts still work.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../core/paths.js'
import { processEvent } from '../../ingest/pipeline.js'
import { createPrivacy, PSEUDONYM } from '../../ingest/privacy.js'
import { DAY, event, MIN, Receiver } from '../helpers/alerts.js'
import { assertBuilt, CLI, type Child } from '../helpers/cli.js'
import { kafkaEnv, readTopic, testKafka, waitFor } from '../helpers/kafka.js'
import { dumpStore } from './privacy-store-dump.js'

const SECRET = 'privacy-test-hmac-key-0123456789'
const WEBHOOK_SECRET = 'whsec-privacy-0123456789abcdef'
const privacy = createPrivacy({ pseudonymizeSecret: SECRET, ipTruncate: true })!
const at = '2026-11-01 00:00:00.000'

const FIXTURES: [string, string][] = [
  ['okta', 'session-start-password.json'], ['okta', 'step-webauthn.json'], ['okta', 'session-start-invalid-credentials.json'],
  ['entra', 'graph-signin-password-sms.json'], ['entra', 'monitor-signin-invalid-password.json'],
  ['auth0', 's-password.json'], ['auth0', 'fu.json'],
  ['google_workspace', 'login-success-password.json'], ['google_workspace', 'login-failure-password.json'],
  ['keycloak', 'login-passkey.json'], ['onelogin', 'login-success.json'],
]
const fixtureText = (source: string, file: string) => readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', source, file), 'utf8')

const ALERT_USER = 'Ann.Privacy@Acme.example'
const IPV6 = '2001:db8:4242:5151:6161:7171:8181:9191'
/** Native events: a passkey, then a password sign-in (a password_fallback alert), from a full IPv6 and IPv4 address. */
const nativeEvents = () => [
  event(2 * DAY, { event_type: 'passkey_registered', user_id: ALERT_USER, method: 'passkey', passkey_type: 'synced', ip: '198.51.100.201' }),
  event(10 * MIN, { user_id: ALERT_USER, ip: IPV6 }),
]
/** Poison: not JSON, not any source, and a native event whose dead-letter reason quotes the value. */
const POISON_NDJSON = [
  '{"user":"mallory.poison@evil.example","ip":"198.51.100.66"',
  JSON.stringify({ email: 'trudy.poison@evil.example', from: '203.0.113.177', note: 'what is this' }),
].join('\n')
const POISON_NATIVE = [{ ts: 'victor.poison@evil.example', event_type: 'login', outcome: 'success', user_id: 'victor.poison@evil.example', ip: '192.0.2.213' }]

/** Every plain value that must never be stored: user keys the normalisers produce, every e-mail and IP in the inputs. */
function plainValues(): { userIds: Set<string>; emails: Set<string>; ips: Set<string> } {
  const userIds = new Set<string>([ALERT_USER.toLowerCase()])
  const emails = new Set<string>()
  const ips = new Set<string>([IPV6, '198.51.100.201'])
  const texts = [POISON_NDJSON, JSON.stringify(POISON_NATIVE), ...FIXTURES.map(([s, f]) => fixtureText(s, f))]
  for (const [source, file] of FIXTURES) {
    const fate = processEvent({ payload: JSON.parse(fixtureText(source, file)), source, tenant: 'default' }, at)
    expect(fate.kind, `${source}/${file}`).toBe('accepted')
    if (fate.kind !== 'accepted') continue
    for (const r of [...fate.rows, ...(fate.steps ?? []).flatMap((s) => (s.standalone ? [s.standalone] : []))]) {
      userIds.add(r.user_id.toLowerCase())
      if (r.ip) ips.add(r.ip)
    }
  }
  for (const t of texts) {
    for (const m of t.matchAll(/[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g)) emails.add(m[0].toLowerCase())
    for (const m of t.matchAll(/\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}/g)) {
      if (isIP(m[0]) && !/\.0$|::$/.test(m[0])) ips.add(m[0])
    }
  }
  return { userIds, emails, ips }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/**
 * Plain values found in `text`, any case, as whole tokens: a short numeric user id (OneLogin's 1001) inside a
 * hex event id is no leak, and an IP must not be the start of a longer one.
 */
function leaks(text: string, plain: ReturnType<typeof plainValues>): string[] {
  const lower = text.toLowerCase()
  const found = [...plain.userIds, ...plain.emails]
    .filter((v) => lower.includes(v) && new RegExp(`(?<![0-9a-z])${escapeRe(v)}(?![0-9a-z])`).test(lower))
  for (const ip of plain.ips) if (new RegExp(`(?<![0-9A-Za-z.:])${escapeRe(ip)}(?![0-9A-Za-z:]|\\.\\d)`, 'i').test(text)) found.push(ip)
  return found
}

const dirs: string[] = []
const children: Child[] = []
const hook = new Receiver()
const plain = plainValues()

type Proc = Child & { stdout: () => string; dataDir: string }

function startCli(args: string[], env: Record<string, string>): Proc {
  const dataDir = mkdtempSync(join(tmpdir(), 'pulse-privacy-'))
  dirs.push(dataDir)
  const full: NodeJS.ProcessEnv = {
    ...process.env, LOG_LEVEL: 'debug', PULSE_DATA_DIR: dataDir, PULSE_BATCH_MAX_MS: '50',
    PULSE_PSEUDONYMIZE_SECRET: SECRET, PULSE_IP_TRUNCATE: 'on', PULSE_RAW_RETENTION_DAYS: '30', PULSE_DEAD_LETTER_RETENTION_DAYS: '30',
    PULSE_ALERT_WEBHOOK_URL: hook.url, PULSE_ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET, ...env,
  }
  for (const k of ['CLICKHOUSE_URL', 'PULSE_INGEST_TOKEN', 'PULSE_ADMIN_TOKEN', 'PORT', 'HOST']) delete full[k]
  if (!env.KAFKA_BROKERS) delete full.KAFKA_BROKERS
  const proc = spawn(process.execPath, [CLI, ...args], { env: full, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let all = ''
  proc.stdout!.on('data', (d) => { out += d; all += d })
  proc.stderr!.on('data', (d) => { all += d })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })))
  const child = { proc, output: () => all, stdout: () => out, exited, dataDir }
  children.push(child)
  return child
}

async function ready(c: ReturnType<typeof startCli>): Promise<{ base: string; admin: string; ingest: string }> {
  await waitFor('the start banner', async () => {
    if (c.proc.exitCode !== null) throw new Error(`start exited early (${c.proc.exitCode}): ${c.output()}`)
    return /Press Ctrl\+C to stop\./.test(c.stdout())
  }, 90_000, 100)
  return {
    base: /^ {2}Dashboard: {2}(http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(c.stdout())![1]!,
    admin: /^ {2}admin token: {2}(\S+)$/m.exec(c.stdout())![1]!,
    ingest: /^ {2}ingest token: (\S+)$/m.exec(c.stdout())![1]!,
  }
}

async function stop(c: Child): Promise<void> {
  c.proc.kill('SIGTERM')
  expect(await c.exited, c.output()).toEqual({ code: 0, signal: null })
}

/** Everything, through the collector: vendor fixtures, native events, poison (NDJSON and JSON). */
async function sendAll(base: string, token: string): Promise<number[]> {
  const post = (source: string, body: string, type = 'application/json') =>
    fetch(`${base}/v1/events?source=${source}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body })
  const statuses: number[] = []
  for (const [source, file] of FIXTURES) statuses.push((await post(source, fixtureText(source, file))).status)
  // The passkey first, so the engine knows Ann has one when her password sign-in arrives.
  const [passkey, password] = nativeEvents()
  statuses.push((await post('native', JSON.stringify([passkey]))).status)
  await new Promise((r) => setTimeout(r, 500))
  statuses.push((await post('native', JSON.stringify([password]))).status)
  statuses.push((await post('auto', POISON_NDJSON, 'application/x-ndjson')).status)
  statuses.push((await post("native", JSON.stringify(POISON_NATIVE))).status)
  return statuses
}

/** Asserts no plain value in any table; returns how many tables and rows were searched. */
function assertStoreClean(dump: Record<string, string>, where: string): { tables: number; rows: number } {
  let rows = 0
  for (const [table, text] of Object.entries(dump)) {
    rows += text.split('\n').filter(Boolean).length
    expect(leaks(text, plain), `${where}: table ${table}`).toEqual([])
  }
  return { tables: Object.keys(dump).length, rows }
}

// Native user ids are stored as sent (trimmed), so Ann's pseudonym is of her id as sent.
const pseudonymOfAnn = privacy.pseudonym(ALERT_USER)
const figures: Record<string, unknown> = {}

beforeAll(async () => {
  assertBuilt()
  await hook.up()
  expect(plain.userIds.size).toBeGreaterThan(5)
  expect(plain.emails.size).toBeGreaterThan(5)
  expect(plain.ips.size).toBeGreaterThan(5)
})
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  await hook.down()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  // Quoted in the report to the lead (RELIABILITY.md).
  process.stderr.write(`privacy figures: ${JSON.stringify(figures)}\n`)
})

describe('privacy controls: nothing plain is stored anywhere', () => {
  it('embedded `start`: collector → pipeline → store, alerts and logs', { timeout: 240_000 }, async () => {
    const c = startCli(['start', '--port', '0'], {})
    const { base, admin, ingest } = await ready(c)
    const statuses = await sendAll(base, ingest)
    expect(statuses.every((s) => s === 200), String(statuses)).toBe(true)
    await hook.waitForDelivered(1, 60_000)

    // Per-user KPIs work on pseudonyms: Ann falls back to passwords and is listed under hers.
    const res = await fetch(`${base}/api/v1/users/fallbacks`, { headers: { authorization: `Bearer ${admin}` } })
    const kpiText = await res.text()
    expect(res.status, kpiText).toBe(200)
    expect(kpiText).toContain(pseudonymOfAnn)
    expect(leaks(kpiText, plain)).toEqual([])
    await stop(c)

    const bodies = hook.requests.map((r) => r.body).join('\n')
    const alert = JSON.parse(hook.requests[0]!.body).alert as { rule: string; subject: { id: string } }
    expect(alert).toMatchObject({ rule: 'password_fallback', subject: { id: pseudonymOfAnn } })
    expect(leaks(bodies, plain), 'webhook bodies').toEqual([])

    const dump = dumpStore(c.dataDir)
    const searched = assertStoreClean(dump, 'embedded store')
    // Not vacuous: the pseudonyms, the truncated addresses and the scrubbed dead letters are there.
    for (const u of plain.userIds) {
      expect(dump.auth_events, u).toContain(u === ALERT_USER.toLowerCase() ? pseudonymOfAnn : privacy.pseudonym(u))
    }
    expect(dump.auth_events).toContain('2001:db8:4242::')
    expect(dump.auth_events).toMatch(/"ip":"\d+\.\d+\.\d+\.0"/)
    expect(dump.auth_events).toMatch(/"raw":"\{/)
    expect(dump.dead_letters.split("\n").filter(Boolean), dump.dead_letters).toHaveLength(3)
    expect(dump.dead_letters).toContain(privacy.pseudonym('mallory.poison@evil.example'))
    expect(dump.dead_letters).toContain('203.0.113.0')
    expect(dump.alerts).toContain(pseudonymOfAnn)
    for (const id of JSON.parse(`[${dump.auth_events.trim().split('\n').join(',')}]`).map((r: { user_id: string }) => r.user_id)) expect(id).toMatch(PSEUDONYM)

    const logLines = c.output().split('\n').filter(Boolean)
    expect(logLines.filter((l) => l.startsWith('{"level":')).length, 'the process logged').toBeGreaterThan(0)
    expect(leaks(c.output(), plain), 'process output').toEqual([])
    figures.embedded = { ...searched, logLines: logLines.length, webhookBodies: hook.requests.length }
  })

  it('Kafka: collector → raw topic → `ingest` worker → store, DLQ, alerts topic, webhook and logs', { timeout: 300_000 }, async () => {
    const kenv = kafkaEnv('privacy')
    const kafka = testKafka()
    const before = hook.requests.length
    const worker = startCli(['ingest', '--metrics-port', '0', '--concurrency', '2'], { ...kenv })
    const collector = startCli(['start', '--port', '0'], { ...kenv })
    const { base, ingest } = await ready(collector)
    await waitFor('the worker to consume', async () => {
      if (worker.proc.exitCode !== null) throw new Error(`ingest exited early (${worker.proc.exitCode}): ${worker.output()}`)
      return worker.output().includes('ingest worker consuming')
    }, 90_000, 100)
    const statuses = await sendAll(base, ingest)
    expect(statuses.every((s) => s === 202), String(statuses)).toBe(true)

    const dlq = await readTopic(kafka, kenv.KAFKA_DLQ_TOPIC, 3, 90_000)
    const alerts = await readTopic(kafka, kenv.KAFKA_ALERTS_TOPIC, 1, 90_000)
    await waitFor('the webhook delivery', async () => hook.requests.length > before, 60_000)
    await stop(collector)
    await stop(worker)

    const dlqText = JSON.stringify(dlq)
    const alertsText = JSON.stringify(alerts)
    expect(dlq).toHaveLength(3)
    expect(leaks(dlqText, plain), 'DLQ topic').toEqual([])
    expect(dlqText).toContain(privacy.pseudonym('trudy.poison@evil.example'))
    expect(leaks(alertsText, plain), 'alerts topic').toEqual([])
    expect(alertsText).toContain(pseudonymOfAnn)
    const bodies = hook.requests.slice(before).map((r) => r.body).join('\n')
    expect(bodies).toContain(pseudonymOfAnn)
    expect(leaks(bodies, plain), 'webhook bodies').toEqual([])

    const workerDump = dumpStore(worker.dataDir)
    const collectorDump = dumpStore(collector.dataDir)
    const w = assertStoreClean(workerDump, 'worker store')
    const col = assertStoreClean(collectorDump, 'collector store')
    expect(workerDump.auth_events).toContain(pseudonymOfAnn)
    expect(workerDump.dead_letters.split('\n').filter(Boolean)).toHaveLength(3)
    // The DLQ and the dead_letters table hold the same scrubbed payloads.
    for (const m of dlq) expect(workerDump.dead_letters).toContain(JSON.stringify(m.value).slice(1, -1))

    // The worker logs every batch at debug level: proof that LOG_LEVEL=debug reached it.
    expect(worker.output()).toContain('"level":20')
    for (const [name, c] of [['worker', worker], ['collector', collector]] as const) {
      expect(leaks(c.output(), plain), `${name} output`).toEqual([])
    }
    figures.kafka = {
      workerTables: w.tables, workerRows: w.rows, collectorTables: col.tables, collectorRows: col.rows,
      logLines: worker.output().split('\n').filter(Boolean).length + collector.output().split('\n').filter(Boolean).length,
      dlqMessages: dlq.length, alertMessages: alerts.length, webhookBodies: hook.requests.length - before,
    }
    figures.plainValues = { userIds: plain.userIds.size, emails: plain.emails.size, ips: plain.ips.size }
  })
})
