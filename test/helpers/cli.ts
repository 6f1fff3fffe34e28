// Runs the built CLI (dist/) as a real child process, as an operator would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../../core/paths.js'

export const CLI = join(PROJECT_ROOT, 'dist', 'cli', 'index.js')

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test does) before these tests`)
}

export function runCli(args: string[], env: Record<string, string> = {}, input?: string) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'error', ...env }, input, encoding: 'utf8', timeout: 300_000, maxBuffer: 256 << 20,
  })
}

export interface Child {
  proc: ChildProcess
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export function startCli(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout!.on('data', (d) => { out += d })
  proc.stderr!.on('data', (d) => { out += d })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }))
  })
  return { proc, output: () => out, exited }
}
