import type { Command } from 'commander'
import { openStore } from '../../store/clickhouse.js'
import { migrate } from '../../store/migrate.js'
import { configFrom, type CommonFlags } from '../runtime.js'

export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply the ClickHouse migrations (also done at every start)')
    .action(async (_opts, cmd: Command) => {
      const config = configFrom(cmd.optsWithGlobals<CommonFlags>())
      const store = openStore(config.clickhouse, config.dataDir)
      try {
        const r = await migrate(store.client)
        process.stdout.write(r.applied.length > 0
          ? `Applied ${r.applied.length} migration(s): ${r.applied.join(', ')}\n`
          : `Schema is up to date (${r.alreadyApplied} migrations applied earlier)\n`)
      } finally {
        await store.close()
      }
    })
}
