// A real ClickHouse for a test file: embedded chDB in a fresh directory, or, when CLICKHOUSE_URL is
// set, a fresh database on that server. Migrations applied either way.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { snapPeriod, type Filters, type Scope } from '../../analytics/queries/common.js'
import { loadConfig, type Config } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { DEMO_DEFAULTS, type DemoOptions } from '../../demo/generator.js'
import { seedDemo } from '../../demo/seed.js'
import { IngestService } from '../../ingest/service.js'
import { BatchWriter } from '../../ingest/writer.js'
import { openStore, type Store } from '../../store/clickhouse.js'
import { migrate } from '../../store/migrate.js'

export interface TestStore {
  store: Store
  config: Config
  dataDir: string
  cleanup(): Promise<void>
}

export async function openTestStore(env: Record<string, string> = {}): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pulse-test-'))
  const database = process.env.CLICKHOUSE_URL ? `pulse_test_${process.pid}_${Date.now()}` : 'default'
  const config = loadConfig({ ...process.env, PULSE_DATA_DIR: dataDir, CLICKHOUSE_DATABASE: database, PULSE_CH_MAX_MEMORY: String(2 * 1024 ** 3), ...env })
  if (process.env.CLICKHOUSE_URL) {
    const admin = openStore({ ...config.clickhouse, database: 'default' }, dataDir)
    await admin.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` })
    await admin.close()
  }
  const store = openStore(config.clickhouse, dataDir)
  await migrate(store.client)
  return {
    store, config, dataDir,
    cleanup: async () => {
      if (process.env.CLICKHOUSE_URL) await store.client.command({ query: `DROP DATABASE IF EXISTS ${database}` })
      await store.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

const DAY_MS = 86_400_000

/** Scopes of a demo tenant: `days` whole days ending `back` days before the demo's end (DEMO_DEFAULTS.end). */
export function demoScope(tenant: string): (days: number, back: number, filters?: Filters) => Scope {
  const end = DEMO_DEFAULTS.end.getTime()
  return (days, back, filters = {}) => ({ tenant, period: snapPeriod(end - (days + back) * DAY_MS, end - back * DAY_MS, 'day'), filters })
}

/** A test store holding the demo organisation (real ingest, real views), with the service to ingest more. */
export interface DemoStore extends TestStore {
  service: IngestService
}

export async function openDemoStore(demo: DemoOptions): Promise<DemoStore> {
  const t = await openTestStore()
  const writer = new BatchWriter(t.store.client, { maxRows: 20_000, maxMs: 50, log: createLogger('error') })
  const service = new IngestService(writer)
  const summary = await seedDemo(service, demo)
  await writer.flush()
  if (summary.rejected !== 0) throw new Error(`the demo had ${summary.rejected} rejected events`)
  return {
    ...t,
    service,
    cleanup: async () => {
      await writer.close()
      await t.cleanup()
    },
  }
}

export async function queryRows<T>(store: Store, query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await store.client.query({ query, query_params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })
  return rs.json<T>()
}

export async function count(store: Store, query: string, query_params: Record<string, unknown> = {}): Promise<number> {
  const [row] = await queryRows<{ n: number }>(store, query, query_params)
  return Number(row?.n ?? 0)
}
