// The one place a ClickHouse client is created. Embedded chDB (default) and a ClickHouse server
// (CLICKHOUSE_URL) sit behind the same @clickhouse/client API, so every query runs unchanged on both.
import { mkdirSync } from 'node:fs'
import { Readable } from 'node:stream'
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

/** A TabSeparated insert that hands the bytes to the engine directly (chDB's raw insert). */
type RawTsvInsert = (table: string, columns: readonly string[], body: Buffer, settings: Record<string, string>) => Promise<unknown>
const rawTsvInserts = new WeakMap<ClickHouseClient, RawTsvInsert>()

/**
 * Inserts TabSeparated bytes (store/tsv.ts). Embedded: chDB's raw insert, which passes the Buffer to
 * the engine without copying and parses it with the engine's parallel parser (the client's `exec`
 * path would turn it into one SQL string first, see PLATFORM_NOTES). Server: the client's insert
 * with the bytes as a stream.
 */
export async function insertTabSeparated(client: ClickHouseClient, table: string, columns: readonly string[], body: Buffer, settings: Record<string, string> = {}): Promise<void> {
  const raw = rawTsvInserts.get(client)
  if (raw) {
    await raw(table, columns, body, settings)
    return
  }
  await client.insert({ table, columns: columns as [string, ...string[]], format: 'TabSeparated', values: Readable.from([body], { objectMode: false }), clickhouse_settings: settings })
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
  const connection = requireChdb().createChdbConnection({ path })
  const client = createClient({
    // chdb types its Connection against @clickhouse/client-common, which @clickhouse/client now bundles
    // under its own names: the shapes match, the nominal types do not.
    connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
    database: cfg.database,
    clickhouse_settings,
  })
  rawTsvInserts.set(client, (table, columns, body, settings) => connection.chdb.rawInsert({
    table: cfg.database === 'default' ? table : `${cfg.database}.${table}`, columns, values: body, format: 'TabSeparated',
    settings: { ...clickhouse_settings, ...settings },
  }))
  return { client, kind: 'embedded', close: () => client.close() }
}
