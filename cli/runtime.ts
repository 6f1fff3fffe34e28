// What every command needs: configuration, a logger, an open and migrated store, and a clean exit.
import { loadConfig, type Config } from '../core/config.js'
import { createLogger, type Logger } from '../core/logger.js'
import { openStore, type Store } from '../store/clickhouse.js'
import { migrate } from '../store/migrate.js'
import { applyRetention } from '../store/retention.js'

export interface Runtime {
  config: Config
  log: Logger
  store: Store
}

export interface CommonFlags {
  dataDir?: string
}

export function configFrom(flags: CommonFlags & { port?: string; host?: string }): Config {
  const env = { ...process.env }
  if (flags.dataDir) env.PULSE_DATA_DIR = flags.dataDir
  if (flags.port) env.PORT = flags.port
  if (flags.host) env.HOST = flags.host
  return loadConfig(env)
}

export async function openRuntime(config: Config, log = createLogger()): Promise<Runtime> {
  const store = openStore(config.clickhouse, config.dataDir)
  const result = await migrate(store.client)
  if (result.applied.length > 0) log.info({ applied: result.applied }, 'migrations applied')
  // Retention is configuration, not schema: set (or removed) on every start to match the settings.
  const retention = await applyRetention(store.client, config.privacy)
  if (retention.changed.length > 0) log.info({ retention: config.privacy.rawRetentionDays, deadLetterRetention: config.privacy.deadLetterRetentionDays }, 'retention changed')
  return { config, log, store }
}

/** Runs `fn` once on SIGINT or SIGTERM (a second signal exits at once). */
export function onShutdown(fn: () => Promise<void>, log: Logger): void {
  let stopping = false
  const handler = (signal: string) => {
    if (stopping) process.exit(130)
    stopping = true
    log.info({ signal }, 'shutting down')
    fn().then(() => process.exit(0), (err: Error) => {
      log.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.on('SIGINT', () => handler('SIGINT'))
  process.on('SIGTERM', () => handler('SIGTERM'))
}
