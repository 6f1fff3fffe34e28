// Facts about the machine a result was measured on, recorded in every result file: CPU, cores, RAM,
// versions, and the load average at the start (the 2-core machine is shared; a loaded run says so).
import { readFileSync } from 'node:fs'
import { cpus, freemem, loadavg, totalmem, release, platform } from 'node:os'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const ROOT = join(import.meta.dirname, '..', '..')

export interface MachineFacts {
  cpu: string
  cores: number
  ramGiB: number
  freeGiB: number
  os: string
  node: string
  chdb: string
  clickhouseClient: string
  kafkajs: string
  kafka: string
  /** 1, 5 and 15 minute load averages when the measurement started. */
  loadAvg: [number, number, number]
}

function pkgVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

function kafkaVersion(): string {
  try {
    const pom = readFileSync(join(ROOT, 'scripts', 'kafka', 'pom.xml'), 'utf8')
    return /<kafka\.version>\s*([^<\s]+)\s*</.exec(pom)?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

export function machineFacts(): MachineFacts {
  const c = cpus()
  const round = (x: number) => Math.round(x * 100) / 100
  const [l1, l5, l15] = loadavg()
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    ramGiB: round(totalmem() / 1024 ** 3),
    freeGiB: round(freemem() / 1024 ** 3),
    os: `${platform()} ${release()}`,
    node: process.version,
    chdb: pkgVersion('chdb'),
    clickhouseClient: pkgVersion('@clickhouse/client'),
    kafkajs: pkgVersion('kafkajs'),
    kafka: kafkaVersion(),
    loadAvg: [round(l1!), round(l5!), round(l15!)],
  }
}

export function loadAverage(): [number, number, number] {
  const [a, b, c] = loadavg()
  return [Math.round(a! * 100) / 100, Math.round(b! * 100) / 100, Math.round(c! * 100) / 100]
}
