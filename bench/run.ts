// `npm run bench [-- --quick] [-- --only ingest,freshness]`: builds dist/ (the benchmarks run the real
// CLI), runs each selected benchmark as its own child process (chDB binds one data directory per
// process, and separate processes keep RSS figures honest), then rewrites the results part of
// BENCHMARKS.md from every full-mode result file in bench/results/.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { benchBroker } from './lib/broker.js'
import { ROOT } from './lib/proc.js'
import { parseArgs, progress, RESULTS_DIR, type BenchResult } from './lib/result.js'
import { fmt } from './lib/stats.js'

/** Every benchmark, in the order they run; `results` are the result names each one writes. */
const BENCHMARKS = [
  { name: 'ingest', script: 'ingest.ts', results: ['ingest'] },
  { name: 'freshness', script: 'freshness.ts', results: ['freshness'] },
  { name: 'alert-latency', script: 'alert-latency.ts', results: ['alert-latency'] },
  { name: 'query', script: join('query', 'index.ts'), results: [] as string[] },
] as const

const LOCK = '/tmp/pulse-bench.lock'
const MARK_BEGIN = '<!-- results:begin -->'
const MARK_END = '<!-- results:end -->'
const log = progress('bench')

const args = parseArgs()
const only = args.values.get('only')?.split(',').map((s) => s.trim()).filter(Boolean)
const known = new Set<string>(BENCHMARKS.map((b) => b.name))
for (const o of only ?? []) {
  if (!known.has(o)) {
    process.stderr.write(`bench: unknown benchmark "${o}"; choose from ${[...known].join(', ')}\n`)
    process.exit(2)
  }
}
const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name)).filter((b) => {
  if (existsSync(join(ROOT, 'bench', b.script))) return true
  log(`skipping ${b.name}: bench/${b.script} does not exist`)
  return false
})

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Full runs measure a shared machine: one full measurement at a time, by a lock file. */
async function acquireLock(): Promise<() => void> {
  const owner = `${process.env.BENCH_OWNER ?? 'bench/run.ts'} pid ${process.pid}`
  for (let waited = 0; ; waited += 10) {
    if (existsSync(LOCK)) {
      const text = readFileSync(LOCK, 'utf8').trim()
      const pid = Number(/pid (\d+)/.exec(text)?.[1])
      if (pid && !pidAlive(pid)) {
        log(`removing a stale lock (${text})`)
        rmSync(LOCK, { force: true })
        continue
      }
      if (waited % 60 === 0) log(`waiting for ${LOCK} (held by: ${text || 'unknown'})`)
      await new Promise((r) => setTimeout(r, 10_000))
      continue
    }
    writeFileSync(LOCK, `${owner}\n`, { flag: 'wx' })
    log(`holding ${LOCK}`)
    return () => {
      if (existsSync(LOCK) && readFileSync(LOCK, 'utf8').includes(`pid ${process.pid}`)) rmSync(LOCK, { force: true })
    }
  }
}

function results(): BenchResult[] {
  if (!existsSync(RESULTS_DIR)) return []
  const order = BENCHMARKS.flatMap((b) => b.results as readonly string[])
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length)
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as BenchResult)
    .filter((r) => !r.quick)
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name))
}

export function renderResults(rs: readonly BenchResult[]): string {
  if (rs.length === 0) return '_No full run recorded yet: run `npm run bench`._'
  return rs.map((r) => {
    const m = r.machine
    return [
      `### ${r.name}`,
      '',
      `Measured ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, ${fmt(m.ramGiB, 1)} GiB RAM (${m.os}); ` +
        `Node ${m.node}, chDB ${m.chdb}, @clickhouse/client ${m.clickhouseClient}, kafkajs ${m.kafkajs}, Kafka ${m.kafka}; ` +
        `load average at start ${m.loadAvg.join(' / ')} (1 / 5 / 15 min). Raw figures: \`bench/results/${r.name}.json\`.`,
      '',
      r.table,
    ].join('\n')
  }).join('\n\n')
}

function updateBenchmarksMd(): void {
  const path = join(ROOT, 'BENCHMARKS.md')
  const text = readFileSync(path, 'utf8')
  const a = text.indexOf(MARK_BEGIN)
  const b = text.indexOf(MARK_END)
  if (a < 0 || b < a) throw new Error(`BENCHMARKS.md lacks the ${MARK_BEGIN} … ${MARK_END} markers`)
  writeFileSync(path, `${text.slice(0, a + MARK_BEGIN.length)}\n${renderResults(results())}\n${text.slice(b)}`)
  log('BENCHMARKS.md results rewritten')
}

if (args.values.has('render-only')) {
  updateBenchmarksMd()
  process.exit(0)
}

const started = Date.now()
const release = args.quick || args.values.has('no-lock') ? () => {} : await acquireLock()
process.on('SIGINT', () => { release(); process.exit(130) })
let failed = 0
let stopBroker: () => Promise<void> = async () => {}
try {
  if (!args.values.has('no-build')) {
    log('building dist/ (the benchmarks run the real CLI)…')
    const b = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
    if (b.status !== 0) throw new Error('tsc -p tsconfig.build.json failed')
  }
  // One broker for every benchmark of the run (each would start its own otherwise).
  const env: Record<string, string | undefined> = { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' }
  const broker = selected.some((b) => b.name !== 'query') ? await benchBroker(log) : null
  if (broker) env.KAFKA_BROKERS = broker.brokers
  stopBroker = () => broker?.stop() ?? Promise.resolve()
  for (const bench of selected) {
    const t0 = Date.now()
    log(`▶ ${bench.name}${args.quick ? ' (quick)' : ''}`)
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'bench', bench.script), ...(args.quick ? ['--quick'] : [])], {
      cwd: ROOT, stdio: 'inherit', env,
    })
    if (r.status !== 0) {
      failed++
      log(`✗ ${bench.name} failed (exit ${r.status ?? r.signal}) after ${Math.round((Date.now() - t0) / 1000)} s`)
    } else log(`✓ ${bench.name} in ${Math.round((Date.now() - t0) / 1000)} s`)
  }
  updateBenchmarksMd()
} finally {
  await stopBroker()
  release()
}
log(`done in ${Math.round((Date.now() - started) / 1000)} s${failed ? `; ${failed} benchmark(s) failed` : ''}`)
process.exit(failed ? 1 : 0)
