// Fault 6: the collector of a real `start` process under overload while its writer is blocked (ClickHouse
// refusing inserts for a while, through the clickhouse-insert outage point). It must answer 503 with
// Retry-After instead of queueing without bound: memory stays bounded, every request answered 200 is
// stored in full, every request answered 503 is stored nowhere (so a retry is safe and needed).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, CLI, type Child } from '../../helpers/cli.js'
import { nativeLogin } from '../../helpers/events.js'
import { recordFigures, withStore } from '../../helpers/faults.js'
import { waitFor } from '../../helpers/kafka.js'
import { queryRows } from '../../helpers/store.js'

const OUTAGE_S = 8
const WAVE = 200
const EVENTS_PER_REQUEST = 1_000
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-fault-overload-'))
let child: (Child & { stdout: () => string }) | null = null
beforeAll(() => assertBuilt())
afterAll(() => {
  if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

function start(): Child & { stdout: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', PULSE_DATA_DIR: dataDir, PULSE_FAILPOINTS: `clickhouse-insert:fail-for-${OUTAGE_S}s` }
  for (const k of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'PULSE_INGEST_TOKEN', 'PORT', 'HOST']) delete env[k]
  const proc = spawn(process.execPath, [CLI, 'start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let all = ''
  proc.stdout!.on('data', (d) => { out += d; all += d })
  proc.stderr!.on('data', (d) => { all += d })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })))
  return { proc, output: () => all, stdout: () => out, exited }
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024

interface Sent { id: string; status: number; retryAfter: string | null; code?: string }

describe('fault: collector overload with a blocked writer', () => {
  it('answers 503 with Retry-After, keeps memory bounded, stores every 200 in full and every 503 nowhere', { timeout: 240_000 }, async () => {
    child = start()
    const c = child
    await waitFor('the banner', async () => {
      if (c.proc.exitCode !== null) throw new Error(`start exited early: ${c.output()}`)
      return /Press Ctrl\+C to stop\./.test(c.stdout())
    }, 90_000, 100)
    const base = /^ {2}Dashboard: {2}(http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(c.stdout())![1]!
    const token = /^ {2}ingest token: (\S+)$/m.exec(c.stdout())![1]!
    const pid = c.proc.pid!

    const post = async (id: string): Promise<Sent> => {
      const body = JSON.stringify(Array.from({ length: EVENTS_PER_REQUEST }, (_, i) =>
        nativeLogin({ source_event_id: `${id}-${i}`, user_id: `o${i % 300}@acme.example`, ts: '2026-10-01T09:00:00.000Z', app: `overload ${id}` })))
      const res = await fetch(`${base}/v1/events?source=native`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
      const json = (await res.json()) as { code?: string }
      return { id, status: res.status, retryAfter: res.headers.get('retry-after'), code: json.code }
    }

    const baseline = rssMb(pid)
    let peak = baseline
    const sampler = setInterval(() => { try { peak = Math.max(peak, rssMb(pid)) } catch { /* exited */ } }, 50)
    // Wave 1 while ClickHouse refuses writes, wave 2 after; each wave all at once.
    const wave1 = await Promise.all(Array.from({ length: WAVE }, (_, i) => post(`w1r${i}`)))
    await new Promise((r) => setTimeout(r, OUTAGE_S * 1000))
    // After the outage: a burst of half a wave, then one of 2.5 waves. Were requests queued rather than
    // refused, memory would grow with the burst; bounded, the big burst costs about what the small one did.
    const wave2 = await Promise.all(Array.from({ length: WAVE / 2 }, (_, i) => post(`w2r${i}`)))
    const peakSmall = peak
    const wave3 = await Promise.all(Array.from({ length: WAVE * 2.5 }, (_, i) => post(`w3r${i}`)))
    const peakBig = peak
    clearInterval(sampler)
    const all = [...wave1, ...wave2, ...wave3]

    const by = (s: number) => all.filter((r) => r.status === s)
    expect(all.every((r) => r.status === 200 || r.status === 503)).toBe(true)
    const overloaded = all.filter((r) => r.code === 'PULSE_ERR_OVERLOADED')
    const refused = all.filter((r) => r.code === 'PULSE_ERR_STORE')
    expect(overloaded.length).toBeGreaterThan(0) // more at once than maxInFlight (64)
    expect(refused.length).toBeGreaterThan(0) // the writer gave up during the outage
    expect(by(503).length).toBe(overloaded.length + refused.length)
    expect(by(503).every((r) => r.retryAfter !== null && Number(r.retryAfter) > 0)).toBe(true)
    expect(wave2.filter((r) => r.status === 200).length).toBeGreaterThan(0)
    expect(wave3.filter((r) => r.status === 200).length).toBeGreaterThan(0)
    expect(wave3.filter((r) => r.code === 'PULSE_ERR_OVERLOADED').length).toBeGreaterThan(0)
    expect(peakBig - baseline).toBeLessThan(1.5 * (peakSmall - baseline) + 64)

    c.proc.kill('SIGTERM')
    expect(await c.exited).toEqual({ code: 0, signal: null })

    await withStore(dataDir, async (store) => {
      const stored = new Map((await queryRows<{ app: string; n: number }>(store,
        "SELECT app, count() AS n FROM auth_events WHERE startsWith(app, 'overload ') GROUP BY app")).map((r) => [r.app.slice(9), Number(r.n)]))
      for (const r of all) expect(stored.get(r.id) ?? 0, `${r.id} answered ${r.status}`).toBe(r.status === 200 ? EVENTS_PER_REQUEST : 0)
      const requestKb = Math.round(JSON.stringify(Array.from({ length: EVENTS_PER_REQUEST }, () => nativeLogin())).length / 1024)
      recordFigures({
        scenario: 'collector-overload', sent: all.length * EVENTS_PER_REQUEST, requests: all.length,
        stored: [...stored.values()].reduce((s, n) => s + n, 0), dead_lettered: 0, duplicated: 0,
        lost: by(200).length * EVENTS_PER_REQUEST - [...stored.values()].reduce((s, n) => s + n, 0),
        answered_200: by(200).length, answered_503_overloaded: overloaded.length, answered_503_store: refused.length,
        rss_baseline_mb: Math.round(baseline), rss_peak_after_100_burst_mb: Math.round(peakSmall), rss_peak_after_500_burst_mb: Math.round(peakBig), request_kb: requestKb,
        wave3_answered_200: wave3.filter((r) => r.status === 200).length, wave3_overloaded: wave3.filter((r) => r.code === 'PULSE_ERR_OVERLOADED').length,
      })
    })
  })
})
