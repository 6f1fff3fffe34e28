// Query benchmark (issue 7 items 2, 5 for the analytics service, and 6):
//  - every dashboard panel's API calls, timed over real HTTP against the analytics API serving a cached
//    dataset of 1 M / 10 M (/ 100 M) events: warm-up, then N sequential loads per panel and period; p50/p95;
//  - the same KPIs from raw auth_events (FINAL), timed in-engine, with a check that they agree with the API;
//  - load: autocannon, 50 connections, each replaying the dashboard's opening requests; requests/s, latency
//    percentiles, non-2xx; the service's peak RSS (VmHWM of the server process) during it.
//
//   npx tsx bench/query/index.ts [--quick] [--sizes 1000000,10000000] [--samples 30] [--load-seconds 20]
// Writes bench/results/query.json (quick: bench/results/quick/query.json).
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { machineFacts, loadAverage } from '../lib/machine.js'
import { memoryOf, ROOT, RssSampler } from '../lib/proc.js'
import { intArg, parseArgs, progress, writeResult } from '../lib/result.js'
import { fmt, latencySummary, type LatencySummary } from '../lib/stats.js'
import { cachedInfo, DATASET_END, datasetDir, type DatasetInfo } from './dataset.js'
import { panels, variants, type Api, type Params, type Variant } from './panels.js'
import { RAW_QUERIES } from './raw.js'
import type { SqlReply, SqlRequest } from './server.js'

const args = parseArgs()
const quick = args.quick
const log = progress('query')
const SIZES = (args.values.get('sizes') ?? (quick ? '1000000' : '1000000,10000000')).split(',').map(Number)
const SAMPLES = intArg(args, 'samples', quick ? 5 : 30)
// --quick: the last 30 days only, short cells; the smoke run must stay near a minute.
const WARMUP = 1
const RAW_SAMPLES = intArg(args, 'raw-samples', quick ? 1 : 5)
/** A cell (panel × period × size) stops after this many seconds once it has MIN_SAMPLES: a 30 s panel cannot get 30 samples. */
const BUDGET_MS = intArg(args, 'budget-seconds', Number(process.env.BENCH_QUERY_BUDGET_SECONDS ?? (quick ? 2 : 15))) * 1000
const MIN_SAMPLES = 3
/** Only these periods (comma-separated ids, e.g. "30 d"); all by default. */
const ONLY = args.values.get('variants')?.split(',') ?? (quick ? ['30 d'] : undefined)
const SKIP = new Set((args.values.get('skip') ?? '').split(',').filter(Boolean)) // raw, load
const NAME = args.values.get('name') ?? 'query'
const LOAD_SECONDS = intArg(args, 'load-seconds', quick ? 5 : 20)
const CONNECTIONS = 50
/** The dashboard has a series endpoint for passkey-primary users (set false to measure the old per-bucket load). */
const SERIES_ENDPOINT = args.values.get('per-bucket-primary') !== 'true'
const TOKEN = `bench-${randomBytes(16).toString('hex')}`
const node = (script: string, a: string[], ipc = false) => spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'query', script), ...a], {
  cwd: ROOT, env: { ...process.env, BENCH_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? ['ipc' as const] : [])],
})

async function firstLine(proc: ChildProcess, what: string): Promise<string> {
  const rl = createInterface({ input: proc.stdout! })
  return new Promise((resolve, reject) => {
    rl.once('line', (l) => resolve(l))
    proc.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)))
  })
}

async function ensureDataset(events: number): Promise<{ dir: string; info: DatasetInfo }> {
  const dir = datasetDir(events)
  const cached = cachedInfo(dir)
  if (cached) return { dir, info: cached }
  log(`building the ${fmt(events)}-event dataset into ${dir} (cached for later runs)…`)
  const proc = node('dataset.ts', ['--events', String(events), '--dir', dir])
  const line = await firstLine(proc, 'dataset.ts')
  return { dir, info: JSON.parse(line) as DatasetInfo }
}

interface Server { port: number; pid: number; migrate_ms: number; materialize_ms: number; applied: string[]; proc: ChildProcess; sql(sql: string, params?: Record<string, unknown>): Promise<SqlReply>; stop(): Promise<void> }

async function startServer(dir: string): Promise<Server> {
  const proc = node('server.ts', ['--dir', dir], true)
  const ready = JSON.parse(await firstLine(proc, 'server.ts')) as Omit<Server, 'proc' | 'sql' | 'stop'>
  let next = 0
  const waiting = new Map<number, (r: SqlReply) => void>()
  proc.on('message', (m: SqlReply) => { waiting.get(m.id)?.(m); waiting.delete(m.id) })
  return {
    ...ready, proc,
    sql: (sql, params) => new Promise((resolve) => {
      const id = ++next
      waiting.set(id, resolve)
      proc.send({ id, sql, params } satisfies SqlRequest)
    }),
    stop: async () => {
      if (proc.exitCode !== null) return
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(t)
    },
  }
}

function httpApi(port: number, onCall?: (path: string, params: Params) => void): Api {
  return {
    async json<T>(path: string, params: Params): Promise<T> {
      onCall?.(path, params)
      const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()
      const res = await fetch(`http://127.0.0.1:${port}${path}?${qs}`, { headers: { authorization: `Bearer ${TOKEN}` } })
      const body = await res.text()
      if (!res.ok) throw new Error(`GET ${path}?${qs} answered ${res.status}: ${body.slice(0, 300)}`)
      return JSON.parse(body) as T
    },
  }
}

interface PanelRun { size: number; panel: string; variant: string; requests: number; ms: LatencySummary }
interface RawRun { size: number; query: string; panel: string; variant: string; ms: LatencySummary; agrees?: { raw: number; api: number; equal: boolean } }
interface LoadRun {
  size: number; connections: number; seconds: number; requests_per_overview: number
  rps: number; p50: number; p95: number; p99: number; max: number; requests: number; non2xx: number; errors: number; timeouts: number
  rss_peak_mib: number; rss_idle_mib: number
}

async function timePanels(server: Server, size: number, end: string): Promise<PanelRun[]> {
  const out: PanelRun[] = []
  const measured = variants(end, quick).filter((x) => !ONLY || ONLY.includes(x.id))
  // A service that has just started answers its first requests cold (the engine's caches, JIT); a dashboard's
  // service is long-running. The whole dashboard is opened once (every panel, the first period) before any cell.
  const warm = httpApi(server.port, () => undefined)
  if (measured[0]) for (const p of panels({ seriesEndpoint: SERIES_ENDPOINT })) await p.load(warm, measured[0])
  for (const v of measured) {
    for (const p of panels({ seriesEndpoint: SERIES_ENDPOINT })) {
      let requests = 0
      const api = httpApi(server.port, () => { requests++ })
      for (let i = 0; i < WARMUP; i++) await p.load(api, v)
      requests = 0
      const ms: number[] = []
      const started = performance.now()
      while (ms.length < SAMPLES && (ms.length < MIN_SAMPLES || performance.now() - started < BUDGET_MS)) {
        const t = performance.now()
        await p.load(api, v)
        ms.push(performance.now() - t)
      }
      const run = { size, panel: p.id, variant: v.id, requests: Math.round(requests / ms.length), ms: latencySummary(ms) }
      log(`  ${v.id.padEnd(20)} ${p.id.padEnd(28)} p50 ${fmt(run.ms.p50)} ms  p95 ${fmt(run.ms.p95)} ms  (${run.requests} req, n = ${ms.length})`)
      out.push(run)
    }
  }
  return out
}

async function timeRaw(server: Server, size: number, end: string): Promise<RawRun[]> {
  const out: RawRun[] = []
  const api = httpApi(server.port)
  for (const v of variants(end, true).filter((x) => !ONLY || ONLY.includes(x.id))) {
    const params = { from: String(v.params.from), to: String(v.params.to) }
    for (const q of RAW_QUERIES) {
      const ms: number[] = []
      let rows: Record<string, unknown>[] = []
      const started = performance.now()
      for (let i = 0; i < RAW_SAMPLES && (i === 0 || performance.now() - started < BUDGET_MS); i++) {
        const r = await server.sql(q.sql, params)
        if (r.error) throw new Error(`raw query "${q.id}": ${r.error}`)
        ms.push(r.ms!)
        rows = r.rows as Record<string, unknown>[]
      }
      const run: RawRun = { size, query: q.id, panel: q.panel, variant: v.id, ms: latencySummary(ms) }
      if (q.check) {
        const body = await api.json<Record<string, unknown>>(q.check.path, q.check.params(v.params))
        const raw = q.check.raw(rows)
        const got = q.check.api(body)
        run.agrees = { raw, api: got, equal: raw === got }
      }
      log(`  raw ${v.id.padEnd(14)} ${q.id.padEnd(44)} p50 ${fmt(run.ms.p50)} ms${run.agrees ? `  (raw ${run.agrees.raw} vs API ${run.agrees.api})` : ''}`)
      out.push(run)
    }
  }
  return out
}

/** The requests one dashboard user makes when the overview opens (default 30 days), recorded from the panels. */
async function overviewRequests(port: number, v: Variant): Promise<{ path: string }[]> {
  const calls: { path: string; params: Params }[] = []
  const api = httpApi(port, (path, params) => calls.push({ path, params }))
  for (const p of panels({ seriesEndpoint: SERIES_ENDPOINT })) {
    if (p.id.includes('drill-down') || p.id === 'ROI report') continue
    await p.load(api, v)
  }
  return calls.map((c) => ({ path: `${c.path}?${new URLSearchParams(Object.entries(c.params).map(([k, x]) => [k, String(x)]))}` }))
}

async function load(server: Server, size: number, end: string): Promise<LoadRun> {
  const v = variants(end, true)[0]!
  const requests = await overviewRequests(server.port, v)
  const idle = memoryOf(server.pid)?.rssMiB ?? NaN
  const sampler = new RssSampler(server.pid, 200)
  log(`  load: ${CONNECTIONS} connections × ${LOAD_SECONDS} s, ${requests.length} requests per overview load…`)
  // Every response's latency, for exact percentiles (autocannon's summary has p90 and p97.5, not p95).
  const times: number[] = []
  let started = 0
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: `http://127.0.0.1:${server.port}`,
      connections: CONNECTIONS,
      duration: LOAD_SECONDS,
      timeout: 60,
      headers: { authorization: `Bearer ${TOKEN}` },
      // Every connection walks the overview's requests in order, each from its own starting point (spread
      // evenly over the list), so the mix at any moment is the dashboard's, not 50 summaries at once.
      requests: [{
        method: 'GET',
        setupRequest: (req: autocannon.Request, ctx: object) => {
          const c = ctx as { next?: number }
          c.next ??= Math.floor((started++ * requests.length) / CONNECTIONS)
          const path = requests[c.next % requests.length]!.path
          c.next++
          return { ...req, path }
        },
      }],
    }, (err, result) => (err ? reject(err) : resolve(result)))
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => { times.push(ms) })
  })
  const mem = sampler.stop()
  const lat = latencySummary(times)
  const run: LoadRun = {
    size, connections: CONNECTIONS, seconds: LOAD_SECONDS, requests_per_overview: requests.length,
    rps: r.requests.average, p50: Math.round(lat.p50), p95: Math.round(lat.p95), p99: Math.round(lat.p99), max: Math.round(lat.max),
    requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
    rss_peak_mib: Math.round(mem.peakMiB), rss_idle_mib: Math.round(idle),
  }
  log(`  load: ${fmt(run.rps, 1)} req/s, p50 ${run.p50} ms, p95 ${run.p95} ms, p99 ${run.p99} ms, non-2xx ${run.non2xx}, errors ${run.errors}, RSS peak ${run.rss_peak_mib} MiB`)
  return run
}

function table(datasets: { size: number; info: DatasetInfo; migrate_ms: number; materialize_ms: number }[], runs: PanelRun[], raws: RawRun[], loads: LoadRun[]): string {
  const sizes = datasets.map((d) => d.size)
  const label = (n: number) => (n >= 1e6 ? `${n / 1e6} M` : fmt(n))
  const lines: string[] = []
  lines.push(`Datasets: ${datasets.map((d) => `${label(d.size)} = ${fmt(d.info.events)} events, ${fmt(d.info.users)} users, ${d.info.from.slice(0, 10)} … ${d.info.to.slice(0, 10)}, ${fmt(d.info.disk_bytes / 1024 ** 2)} MiB on disk, passkey-facts job at server start ${fmt(d.materialize_ms)} ms`).join('; ')}.`)
  lines.push('')
  lines.push(`Panel load time over HTTP (ms; after the service has served the whole dashboard once, ${SAMPLES} sequential loads after ${WARMUP} warm-up, fewer (n, at least ${MIN_SAMPLES}) where a cell would take over ${BUDGET_MS / 1000} s; target p95 < 200 ms at 10 M):`)
  lines.push('')
  lines.push(`| panel | period | requests | ${sizes.map((s) => `${label(s)} p50 | ${label(s)} p95`).join(' | ')} |`)
  lines.push(`| --- | --- | ---: | ${sizes.map(() => '---: | ---:').join(' | ')} |`)
  const keys = [...new Set(runs.map((r) => `${r.variant}\u0000${r.panel}`))]
  for (const k of keys) {
    const [variant, panel] = k.split('\u0000') as [string, string]
    const cells = sizes.map((s) => {
      const r = runs.find((x) => x.size === s && x.variant === variant && x.panel === panel)
      if (!r) return '– | –'
      const mark = s >= 1e7 && r.ms.p95 >= 200 ? ' ✗' : ''
      return `${fmt(r.ms.p50)} | ${fmt(r.ms.p95)}${mark}${r.ms.n < SAMPLES ? ` (n = ${r.ms.n})` : ''}`
    })
    const req = runs.find((x) => x.variant === variant && x.panel === panel)?.requests ?? 0
    lines.push(`| ${panel} | ${variant} | ${req} | ${cells.join(' | ')} |`)
  }
  if (raws.length) {
    lines.push('')
    lines.push(`The same KPI from raw events (auth_events FINAL, SQL only, in-engine; up to ${RAW_SAMPLES} runs, ms) beside the panel's whole HTTP load from rollups:`)
    lines.push('')
    lines.push(`| KPI | period | ${sizes.map((s) => `${label(s)} raw p50 | ${label(s)} panel p50`).join(' | ')} | agrees with the API |`)
    lines.push(`| --- | --- | ${sizes.map(() => '---: | ---:').join(' | ')} | --- |`)
    const rkeys = [...new Set(raws.map((r) => `${r.variant}\u0000${r.query}`))]
    for (const k of rkeys) {
      const [variant, query] = k.split('\u0000') as [string, string]
      const mine = raws.filter((x) => x.variant === variant && x.query === query)
      const cells = sizes.map((s) => {
        const r = mine.find((x) => x.size === s)
        const p = r && runs.find((x) => x.size === s && x.variant === variant && x.panel === r.panel)
        return `${r ? fmt(r.ms.p50) : '–'} | ${p ? fmt(p.ms.p50) : '–'}`
      })
      const agree = mine.filter((x) => x.agrees).map((x) => `${label(x.size)}: ${x.agrees!.equal ? 'yes' : `NO (raw ${x.agrees!.raw}, API ${x.agrees!.api})`}`).join(', ')
      lines.push(`| ${query} | ${variant} | ${cells.join(' | ')} | ${agree || '(not compared)'} |`)
    }
  }
  if (loads.length) {
    lines.push('')
    lines.push(`Load (autocannon, ${CONNECTIONS} connections, each replaying the dashboard's opening requests for the last 30 days; ms) and the analytics service's memory:`)
    lines.push('')
    lines.push('| dataset | duration | requests per overview | req/s | p50 | p95 | p99 | max | non-2xx | errors | RSS idle | RSS peak (VmHWM) |')
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    for (const l of loads) {
      lines.push(`| ${label(l.size)} | ${l.seconds} s | ${l.requests_per_overview} | ${fmt(l.rps, 1)} | ${l.p50} | ${l.p95} | ${l.p99} | ${l.max} | ${l.non2xx} | ${l.errors + l.timeouts} | ${l.rss_idle_mib} MiB | ${l.rss_peak_mib} MiB |`)
    }
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString()
  const machine = machineFacts()
  log(`sizes ${SIZES.join(', ')}; ${SAMPLES} samples per panel; load average ${loadAverage().join(' ')}`)
  const datasets: { size: number; info: DatasetInfo; migrate_ms: number; materialize_ms: number; load_average: number[] }[] = []
  const runs: PanelRun[] = []
  const raws: RawRun[] = []
  const loads: LoadRun[] = []
  for (const size of SIZES) {
    const { dir, info } = await ensureDataset(size)
    log(`${fmt(info.events)} events in ${dir}; starting the API…`)
    const server = await startServer(dir)
    try {
      if (server.applied.length) log(`  migrations applied at start: ${server.applied.join(', ')} (${server.migrate_ms} ms)`)
      log(`  passkey facts materialized at start in ${server.materialize_ms} ms`)
      datasets.push({ size, info, migrate_ms: server.migrate_ms, materialize_ms: server.materialize_ms, load_average: loadAverage() })
      runs.push(...await timePanels(server, size, DATASET_END))
      if (!SKIP.has('raw')) raws.push(...await timeRaw(server, size, DATASET_END))
      if (!SKIP.has('load')) loads.push(await load(server, size, DATASET_END))
    } finally {
      await server.stop()
    }
  }
  const slow = runs.filter((r) => r.size >= 1e7 && r.ms.p95 >= 200)
  const path = writeResult({
    name: NAME,
    quick,
    startedAt,
    machine,
    runs: [...runs.map((r) => ({ kind: 'panel', ...r })), ...raws.map((r) => ({ kind: 'raw', ...r })), ...loads.map((r) => ({ kind: 'load', ...r }))],
    summary: {
      datasets,
      samples: SAMPLES,
      series_endpoint: SERIES_ENDPOINT,
      panels_over_200ms_p95_at_10m: slow.map((r) => `${r.panel} (${r.variant}): ${fmt(r.ms.p95)} ms`),
      raw_disagreements: raws.filter((r) => r.agrees && !r.agrees.equal).map((r) => `${r.query} at ${r.size} (${r.variant})`),
      load: loads,
      load_average_end: loadAverage(),
    },
    table: table(datasets, runs, raws, loads),
  })
  log(`wrote ${path}`)
}

main().then(() => process.exit(0), (err: Error) => {
  log(`failed: ${err.stack ?? err.message}`)
  process.exit(1)
})
