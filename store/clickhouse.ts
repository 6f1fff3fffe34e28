// The one place a ClickHouse client is created. Embedded chDB (default) and a ClickHouse server
// (CLICKHOUSE_URL) sit behind the same @clickhouse/client API, so every query runs unchanged on both.
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
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
 * Inserts TabSeparated bytes (store/tsv.ts). Embedded: the bytes are spooled to a file that the engine
 * reads itself (`INSERT … FROM INFILE`), see spoolInsert. Server: the client's insert with the bytes as
 * a stream.
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
    // No JIT: the engine compiles a query shape's expressions on its fourth run, which then takes 300–500 ms
    // longer (the summary's 140 ms became ~470 on 10 M events), and the compiled code bought nothing
    // measurable on these queries afterwards (issue 7, BENCHMARKS.md). A dashboard user would meet that
    // hiccup on each shape of query a started service sees.
    compile_expressions: 0,
    compile_aggregate_expressions: 0,
    compile_sort_description: 0,
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
  // The allocator reads its options once, when the engine is loaded: set them before the first require.
  // A JE_MALLOC_CONF given by the operator wins.
  if (cfg.freedMemoryMs !== undefined && process.env.JE_MALLOC_CONF === undefined) process.env.JE_MALLOC_CONF = `dirty_decay_ms:${cfg.freedMemoryMs}`
  const connection = requireChdb().createChdbConnection({ path })
  const client = createClient({
    // chdb types its Connection against @clickhouse/client-common, which @clickhouse/client now bundles
    // under its own names: the shapes match, the nominal types do not.
    connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
    database: cfg.database,
    clickhouse_settings,
  })
  const spool = join(dataDir, 'insert-spool')
  mkdirSync(spool, { recursive: true })
  // Files left by a process that died mid-insert were never acknowledged (their rows are redelivered);
  // this process's own files may belong to another open store on the same directory.
  for (const f of readdirSync(spool)) if (!f.startsWith(`${process.pid}-`)) rmSync(join(spool, f), { force: true })
  const spoolSettings = Object.fromEntries(Object.entries(clickhouse_settings).map(([k, v]) => [k, String(v)]))
  rawTsvInserts.set(client, (table, columns, body, settings) => spoolInsert(client, spool,
    cfg.database === 'default' ? table : `${cfg.database}.${table}`, columns, body, { ...spoolSettings, ...settings }))
  return { client, kind: 'embedded', close: () => client.close() }
}

let spoolSeq = 0
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/

/**
 * Embedded insert through a file: the engine reads and parses it as clickhouse-local reads any file.
 * chDB's raw insert hands the same bytes over as the tail of the query text, which the engine then
 * parses through its query path: on the ingest benchmark's 20,000-row batches that took 1.6× the
 * time and ~400 MB more peak memory than reading the file (BENCHMARKS.md, issue 7).
 */
async function spoolInsert(client: ClickHouseClient, dir: string, table: string, columns: readonly string[], body: Buffer, settings: Record<string, string>): Promise<void> {
  for (const name of [table, ...columns, ...Object.keys(settings)]) {
    if (!IDENTIFIER.test(name)) throw new Error(`not an identifier: ${JSON.stringify(name)}`)
  }
  const file = join(dir, `${process.pid}-${++spoolSeq}.tsv`)
  const settingsSql = Object.entries(settings).map(([k, v]) => `${k} = '${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')
  try {
    // Inside the try: a write that fails part way (a full disk) leaves no file behind either.
    await writeWhole(file, body)
    await client.command({
      query: `INSERT INTO ${table} (${columns.join(', ')}) FROM INFILE '${file.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'${settingsSql ? ` SETTINGS ${settingsSql}` : ''} FORMAT TabSeparated`,
    })
  } finally {
    await unlink(file).catch(() => undefined)
  }
}

/**
 * The bytes to a new file in one write where the kernel takes them (a regular file does), not writeFile's
 * 512 KiB chunks: each chunk waits for a turn of the event loop, and while batches are being normalised a
 * 40 MB batch took 1-2 s to spool that way (issue 7).
 */
async function writeWhole(file: string, body: Buffer): Promise<void> {
  const fh = await open(file, 'w')
  try {
    for (let at = 0; at < body.length;) at += (await fh.write(body, at, body.length - at)).bytesWritten
  } finally {
    await fh.close()
  }
}
