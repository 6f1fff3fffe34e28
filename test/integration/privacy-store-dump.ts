// Every table of a stopped embedded store as JSONEachRow text, read in a child process: chDB binds one data
// directory per process, and the privacy and secrets tests search stores their CLI children wrote.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../../core/paths.js'

/** Every table of a stopped store, dumped in a child process (chDB binds one data directory per process). */
export function dumpStore(dataDir: string): Dump {
  const script = `
    import { openStore } from ${JSON.stringify(join(PROJECT_ROOT, 'dist', 'store', 'clickhouse.js'))}
    import { loadConfig } from ${JSON.stringify(join(PROJECT_ROOT, 'dist', 'core', 'config.js'))}
    const cfg = loadConfig({ PULSE_DATA_DIR: process.argv[1] })
    const store = openStore(cfg.clickhouse, cfg.dataDir)
    const q = async (query) => (await store.client.query({ query, format: 'JSONEachRow' })).text()
    const tables = (await q("SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT IN ('MaterializedView', 'View') ORDER BY name"))
      .split('\\n').filter(Boolean).map((l) => JSON.parse(l).name)
    const out = {}
    for (const t of tables) out[t] = await q('SELECT * FROM ' + t)
    process.stdout.write(JSON.stringify(out))
    await store.close()
  `
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dataDir], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000 })
  if (r.status !== 0) throw new Error(`dumping ${dataDir} failed: ${r.stderr}`)
  const tables = JSON.parse(r.stdout) as Record<string, string>
  // The tables every store has; a missing one would make the search below vacuous.
  for (const t of ['auth_events', 'dead_letters', 'alerts', 'alert_outbox', 'user_day_logins', 'login_stats_daily']) {
    if (typeof tables[t] !== 'string') throw new Error(`no table ${t} in ${dataDir}`)
  }
  return tables as Dump
}

export type Dump = Record<string, string> & { auth_events: string; dead_letters: string; alerts: string; alert_outbox: string }
