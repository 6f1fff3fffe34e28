// Child processes of a benchmark: the real CLI (`node dist/cli/index.js …`) or a bench stage script
// (tsx), their memory read from /proc, their Prometheus metrics scraped, and a clean stop by signal.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

export const ROOT = join(import.meta.dirname, '..', '..')
/** The CLI the benchmarks run; BENCH_CLI points at another build (e.g. an older commit's, for before/after). */
export const CLI = process.env.BENCH_CLI || join(ROOT, 'dist', 'cli', 'index.js')

export interface Child {
  proc: ChildProcess
  pid: number
  /** JSON log lines (pino, on stderr) seen so far. */
  logs: Record<string, unknown>[]
  /** Resolves with the first log line that matches. */
  waitForLog(match: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>
}

function wrap(proc: ChildProcess): Child {
  const logs: Record<string, unknown>[] = []
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = []
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  if (proc.stderr) {
    createInterface({ input: proc.stderr }).on('line', (line) => {
      let l: Record<string, unknown>
      try {
        l = JSON.parse(line) as Record<string, unknown>
      } catch {
        l = { msg: line }
      }
      logs.push(l)
      if (Number(l.level) >= (process.env.BENCH_VERBOSE ? 40 : 50) || !('level' in l)) process.stderr.write(`  child ${proc.pid}: ${line.slice(0, 400)}\n`)
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.match(l)) {
          waiters[i]!.resolve(l)
          waiters.splice(i, 1)
        }
      }
    })
  }
  let stopping: Promise<number | null> | null = null
  return {
    proc, pid: proc.pid!, logs, exited,
    waitForLog: (match, timeoutMs = 120_000) => new Promise((resolve, reject) => {
      const seen = logs.find(match)
      if (seen) return resolve(seen)
      const t = setTimeout(() => reject(new Error(`child ${proc.pid}: no matching log line within ${timeoutMs} ms`)), timeoutMs)
      waiters.push({ match, resolve: (l) => { clearTimeout(t); resolve(l) } })
      void exited.then((code) => { clearTimeout(t); reject(new Error(`child ${proc.pid} exited (${code}) before the expected log line`)) })
    }),
    stop: (graceMs = 60_000) => {
      stopping ??= (async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode
        proc.kill('SIGTERM')
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs)
        const code = await exited
        clearTimeout(t)
        return code
      })()
      return stopping
    },
  }
}

/** The real CLI, compiled (`npm run build` first). */
export function spawnCli(args: string[], env: Record<string, string>, nodeArgs: string[] = []): Child {
  return wrap(spawn(process.execPath, [...nodeArgs, CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }))
}

/** A long-running bench script (tsx) whose first stdout line (JSON) says it is ready. */
export function spawnTsx(script: string, args: string[], env: Record<string, string>): Child & { ready: Promise<Record<string, unknown>> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const child = wrap(proc)
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', (line) => {
      try {
        resolve(JSON.parse(line) as Record<string, unknown>)
      } catch {
        reject(new Error(`${script} printed "${line.slice(0, 200)}" instead of its JSON ready line`))
      }
    })
    void child.exited.then((code) => reject(new Error(`${script} exited (${code}) before it was ready`)))
  })
  return { ...child, ready }
}

/** A bench stage script run with tsx; it prints one JSON line on stdout, returned parsed. */
export async function runStage<T>(script: string, args: string[], env: Record<string, string> = {}): Promise<T> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8') })
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve))
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}`)
  const last = out.trim().split('\n').pop() ?? ''
  return JSON.parse(last) as T
}

export interface Memory {
  rssMiB: number
  /** Peak RSS the kernel saw (VmHWM). */
  hwmMiB: number
  /** Of the RSS: anonymous memory (JS heap, engine buffers) and file-backed pages (mostly chDB's library code). */
  anonMiB: number
  fileMiB: number
}

export function memoryOf(pid: number): Memory | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN)
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024, anonMiB: kb('RssAnon') / 1024, fileMiB: kb('RssFile') / 1024 }
  } catch {
    return null
  }
}

/** Samples a process's RSS until stopped; `peak` is the larger of sampled RSS and the kernel's VmHWM. */
export class RssSampler {
  peakMiB = 0
  /** Anonymous / file-backed split of the largest sampled RSS. */
  atPeak = { anonMiB: 0, fileMiB: 0 }
  samples: number[] = []
  private timer: NodeJS.Timeout

  constructor(private readonly pid: number, everyMs = 250) {
    this.timer = setInterval(() => this.sample(), everyMs)
  }

  sample(): void {
    const m = memoryOf(this.pid)
    if (!m) return
    this.samples.push(m.rssMiB)
    if (m.rssMiB >= Math.max(0, ...this.samples)) this.atPeak = { anonMiB: m.anonMiB, fileMiB: m.fileMiB }
    this.peakMiB = Math.max(this.peakMiB, m.rssMiB, m.hwmMiB)
  }

  stop(): { peakMiB: number; medianMiB: number; atPeak: { anonMiB: number; fileMiB: number } } {
    this.sample()
    clearInterval(this.timer)
    const s = [...this.samples].sort((a, b) => a - b)
    return { peakMiB: this.peakMiB, medianMiB: s[s.length >> 1] ?? NaN, atPeak: this.atPeak }
  }
}

/** Prometheus text → { 'name{labels}': value }. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const res = await fetch(url)
  const text = await res.text()
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}

/** Sum of every series of a metric (all label sets). */
export function metricSum(m: Map<string, number>, name: string, labelFilter?: string): number {
  let sum = 0
  for (const [k, v] of m) {
    const base = k.includes('{') ? k.slice(0, k.indexOf('{')) : k
    if (base === name && (!labelFilter || k.includes(labelFilter))) sum += v
  }
  return sum
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
