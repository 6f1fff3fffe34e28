// The one place a ClickHouse client is created. Embedded chDB (default) and a ClickHouse server
// (CLICKHOUSE_URL) sit behind the same @clickhouse/client API, so every query runs unchanged on both.
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import type { createChdbConnection } from 'chdb/connection'
import type { ClickHouseConfig } from '../core/config.js'

// chDB is loaded only in embedded mode: a deployment on a ClickHouse server never maps the engine.
const requireChdb = () => createRequire(import.meta.url)('chdb/connection') as { createChdbConnection: typeof createChdbConnection }

export type { ClickHouseClient }

export interface Store {
  client: ClickHouseClient
  /** 'embedded' (chDB in this process) or 'server'. */
  kind: 'embedded' | 'server'
  close(): Promise<void>
}

export function openStore(cfg: ClickHouseConfig, dataDir: string): Store {
  const clickhouse_settings = {
    max_memory_usage: String(cfg.maxMemoryUsage),
    // Rows of one event arrive with ISO timestamps from many vendors; parse them leniently.
    date_time_input_format: 'best_effort',
  } as const
  if (cfg.url) {
    const client = createClient({
      url: cfg.url,
      username: cfg.username,
      password: cfg.password,
      database: cfg.database,
      clickhouse_settings,
      request_timeout: 60_000,
    })
    return { client, kind: 'server', close: () => client.close() }
  }
  // chDB binds one data directory per process: open the store once and share it.
  const path = join(dataDir, 'clickhouse')
  mkdirSync(path, { recursive: true })
  const client = createClient({
    // chdb types its Connection against @clickhouse/client-common, which @clickhouse/client now bundles
    // under its own names: the shapes match, the nominal types do not.
    connection: requireChdb().createChdbConnection({ path }) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
    database: cfg.database,
    clickhouse_settings,
  })
  return { client, kind: 'embedded', close: () => client.close() }
}
