#!/usr/bin/env node
// passkey-pulse: one CLI for every runtime shape (SPEC §6).
import { Command, CommanderError } from 'commander'
import { connectCommand } from './commands/connect.js'
import { demoCommand } from './commands/demo.js'
import { importCommand } from './commands/import.js'
import { ingestCommand } from './commands/ingest.js'
import { migrateCommand } from './commands/migrate.js'
import { normalizeCommand } from './commands/normalize.js'
import { analyticsCommand, startCommand } from './commands/start.js'
import { tokenCommand } from './commands/token.js'

const program = new Command('passkey-pulse')
  .description('How the move from passwords to passkeys is really going, from your identity-provider logs')
  .version('0.1.0')
  .option('-d, --data-dir <dir>', 'embedded ClickHouse data directory (PULSE_DATA_DIR, default ./data)')
  .showHelpAfterError()

for (const register of [startCommand, analyticsCommand, ingestCommand, importCommand, normalizeCommand, demoCommand, migrateCommand, tokenCommand, connectCommand]) register(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode)
  const e = err as Error & { code?: string }
  process.stderr.write(`passkey-pulse: ${e.message}\n`)
  if (process.env.DEBUG) process.stderr.write(`${e.stack}\n`)
  process.exit(e.code === 'PULSE_ERR_INPUT_UNREADABLE' ? 2 : 1)
}
