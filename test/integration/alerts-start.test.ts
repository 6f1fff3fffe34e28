// `passkey-pulse start` as a real process with the alert channels of the environment: an event posted
// to the collector becomes a signed webhook and a listed alert; after a restart the engine still knows
// who has a passkey (rebuilt from the store).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifySignature } from '../../alerts/signature.js'
import { assertBuilt, CLI, type Child } from '../helpers/cli.js'
import { waitFor } from '../helpers/kafka.js'
import { DAY, event, MIN, Receiver } from '../helpers/alerts.js'

const SECRET = 'whsec-start-0123456789abcdef'
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-alerts-start-'))
const children: Child[] = []
const hook = new Receiver()

beforeAll(async () => {
  assertBuilt()
  await hook.up()
})
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  await hook.down()
  rmSync(dataDir, { recursive: true, force: true })
})

function start(): Child & { stdout: () => string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env, LOG_LEVEL: 'warn', PULSE_DATA_DIR: dataDir, PULSE_ALERT_WEBHOOK_URL: hook.url, PULSE_ALERT_WEBHOOK_SECRET: SECRET,
    PULSE_BATCH_MAX_MS: '50',
  }
  for (const k of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'PULSE_INGEST_TOKEN', 'PULSE_ADMIN_TOKEN', 'PORT', 'HOST']) delete env[k]
  const proc = spawn(process.execPath, [CLI, 'start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let all = ''
  proc.stdout!.on('data', (d) => { out += d; all += d })
  proc.stderr!.on('data', (d) => { all += d })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })))
  const child = { proc, output: () => all, stdout: () => out, exited }
  children.push(child)
  return child
}

async function ready(c: ReturnType<typeof start>): Promise<string> {
  await waitFor('the start banner', async () => {
    if (c.proc.exitCode !== null) throw new Error(`start exited early (${c.proc.exitCode}): ${c.output()}`)
    return /Press Ctrl\+C to stop\./.test(c.stdout())
  }, 60_000, 100)
  return /^ {2}Dashboard: {2}(http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(c.stdout())![1]!
}

async function stop(c: ReturnType<typeof start>): Promise<void> {
  c.proc.kill('SIGTERM')
  expect(await c.exited, c.output()).toEqual({ code: 0, signal: null })
}

const post = (base: string, token: string, events: unknown[]) => fetch(`${base}/v1/events?source=native`, {
  method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(events),
})

describe('alerts in `start`', () => {
  it('notifies the environment\'s webhook, lists the alert, and still knows passkey users after a restart', { timeout: 120_000 }, async () => {
    const first = start()
    const base = await ready(first)
    const admin = /^ {2}admin token: {2}(\S+)$/m.exec(first.stdout())![1]!
    const ingest = /^ {2}ingest token: (\S+)$/m.exec(first.stdout())![1]!
    const r = await post(base, ingest, [
      event(2 * DAY, { event_type: 'passkey_registered', user_id: 'ann@acme.example', method: 'passkey', passkey_type: 'synced' }),
      event(2 * DAY, { event_type: 'passkey_registered', user_id: 'kim@acme.example', method: 'passkey', passkey_type: 'synced' }),
      event(10 * MIN, { user_id: 'ann@acme.example' }),
    ])
    expect(r.status).toBe(200)
    await hook.waitForDelivered(1)
    const req = hook.requests[0]!
    expect(verifySignature(SECRET, req.body, String(req.headers['x-pulse-signature']))).toEqual({ ok: true })
    expect(JSON.parse(req.body).alert).toMatchObject({ tenant: 'default', rule: 'password_fallback', subject: { id: 'ann@acme.example' } })

    const listed = await fetch(`${base}/api/v1/alerts`, { headers: { authorization: `Bearer ${admin}` } })
    const body = await listed.json() as { alerts: { rule: string; subject: { id: string }; deliveries: { channel_id: string; status: string }[] }[] }
    expect(body.alerts.map((a) => [a.rule, a.subject.id])).toEqual([['password_fallback', 'ann@acme.example']])
    expect(body.alerts[0]!.deliveries).toEqual([expect.objectContaining({ channel_id: 'env-webhook', status: 'delivered' })])
    await stop(first)

    // Kim registered before the restart and never signed in: only the rebuilt state knows she has a passkey.
    const second = start()
    const base2 = await ready(second)
    expect((await post(base2, ingest, [event(MIN, { user_id: 'kim@acme.example' })])).status).toBe(200)
    await hook.waitForDelivered(2)
    expect(hook.delivered().map((d) => d.alert.subject.id)).toEqual(['ann@acme.example', 'kim@acme.example'])
    await stop(second)
  })
})
