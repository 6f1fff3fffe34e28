// A real ClickHouse for a test file: embedded chDB in a fresh directory, or, when CLICKHOUSE_URL is
// set, a fresh database on that server. Migrations applied either way.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, type Config } from '../../core/config.js'
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

export async function queryRows<T>(store: Store, query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await store.client.query({ query, query_params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })
  return rs.json<T>()
}

export async function count(store: Store, query: string, query_params: Record<string, unknown> = {}): Promise<number> {
  const [row] = await queryRows<{ n: number }>(store, query, query_params)
  return Number(row?.n ?? 0)
}
