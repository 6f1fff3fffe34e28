// The result-file contract every bench script follows (bench/run.ts reads these):
// { name, quick, startedAt, machine, runs: [...], summary: {...}, table: <markdown> }, written to
// bench/results/<name>.json for full runs and bench/results/quick/<name>.json for --quick runs.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MachineFacts } from './machine.js'

export const RESULTS_DIR = join(import.meta.dirname, '..', 'results')

export interface BenchResult {
  name: string
  quick: boolean
  startedAt: string
  finishedAt?: string
  machine: MachineFacts
  runs: unknown[]
  summary: Record<string, unknown>
  /** Markdown: the table (and notes) shown in BENCHMARKS.md. */
  table: string
}

/** Full results in bench/results/ (rendered into BENCHMARKS.md); quick ones and before/after baselines aside. */
export function resultPath(name: string, quick: boolean): string {
  const sub = quick ? ['quick'] : name.endsWith('-before') ? ['before'] : []
  return join(RESULTS_DIR, ...sub, `${name}.json`)
}

export function writeResult(r: BenchResult): string {
  const path = resultPath(r.name, r.quick)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, `${JSON.stringify({ ...r, finishedAt: new Date().toISOString() }, null, 2)}\n`)
  return path
}

export interface BenchArgs {
  quick: boolean
  /** --name value pairs, e.g. --events 200000. */
  values: Map<string, string>
}

export function parseArgs(argv = process.argv.slice(2)): BenchArgs {
  const values = new Map<string, string>()
  let quick = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--quick') quick = true
    else if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined]
      if (v !== undefined) values.set(k, v)
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) values.set(k, argv[++i]!)
      else values.set(k, 'true')
    }
  }
  return { quick, values }
}

export function intArg(args: BenchArgs, name: string, fallback: number): number {
  const v = args.values.get(name)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} takes a positive integer, got "${v}"`)
  return n
}

/** Progress goes to stderr so stdout stays free for machine-readable output. */
export function progress(name: string): (s: string) => void {
  return (s) => process.stderr.write(`[${name} ${new Date().toISOString().slice(11, 19)}] ${s}\n`)
}
