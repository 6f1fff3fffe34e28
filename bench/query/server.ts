// The analytics API over a benchmark dataset, in its own process: chDB binds one data directory per process,
// and the memory measured (VmHWM) must be the service's own. Wired as `start` wires the API (buildApp on an
// embedded store, migrations applied at start), minus the demo, connectors and the alert scheduler, which
// would add load of their own to what is timed.
//
// Run with `node --import tsx bench/query/server.ts --dir <dataset dir>` (not through the tsx CLI, which would
// put a wrapper process between the parent and the server). Prints one JSON line when listening:
// { port, pid, migrate_ms, materialize_ms, applied }. Over IPC it also times SQL in-engine ({ id, sql, params } → { id, ms,
// rows }), for the raw-events comparison, which must run in the process that holds the data directory.
import { ensureConfiguredToken, TokenVerifier } from '../../access/tokens.js'
import { materializeAll } from '../../analytics/materialize/passkey-facts.js'
import { buildApp } from '../../analytics/server.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { openStore } from '../../store/clickhouse.js'
import { migrate } from '../../store/migrate.js'

export interface SqlRequest { id: number; sql: string; params?: Record<string, unknown> }
export interface SqlReply { id: number; ms?: number; rows?: unknown[]; error?: string }

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}

async function main(): Promise<void> {
  const dir = arg('dir')
  const token = process.env.BENCH_TOKEN
  if (!dir || !token) throw new Error('server: --dir and BENCH_TOKEN are required')
  const config = loadConfig({ ...process.env, PULSE_DATA_DIR: dir })
  const log = createLogger('error')
  const store = openStore(config.clickhouse, dir)
  const t0 = performance.now()
  const { applied } = await migrate(store.client)
  const migrate_ms = Math.round(performance.now() - t0)
  // As `start` does before serving (its job then repeats every minute): the per-person panels read the
  // materialized passkey facts of closed days. Timed apart: a fresh dataset's first run is the whole year.
  const t1 = performance.now()
  await materializeAll(store.client)
  const materialize_ms = Math.round(performance.now() - t1)
  await ensureConfiguredToken(store.client, token, 'default', 'security', 'query benchmark')
  const writer = new BatchWriter(store.client, { ...config.batch, log })
  const app = await buildApp({ config, store, sink: embeddedSink(new IngestService(writer)), verifier: new TokenVerifier(store.client), log })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0

  process.on('message', (m: SqlRequest) => {
    const t = performance.now()
    store.client.query({ query: m.sql, query_params: m.params ?? {}, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })
      .then((rs) => rs.json())
      .then((rows) => process.send!({ id: m.id, ms: performance.now() - t, rows } satisfies SqlReply),
        (err: Error) => process.send!({ id: m.id, error: err.message } satisfies SqlReply))
  })
  const stop = async () => {
    await app.close()
    await store.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop())
  process.on('SIGINT', () => void stop())
  process.on('disconnect', () => void stop())
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid, migrate_ms, materialize_ms, applied })}\n`)
}

main().catch((err: Error) => {
  process.stderr.write(`server: ${err.message}\n`)
  process.exit(1)
})
