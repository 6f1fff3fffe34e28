import { Option, type Command } from 'commander'
import { createToken, ROLES, type Role } from '../../access/tokens.js'
import { configFrom, openRuntime, type CommonFlags } from '../runtime.js'

export function tokenCommand(program: Command): void {
  const token = program.command('token').description('manage API and ingest tokens')
  token
    .command('create')
    .description('create a token (printed once; only its hash is stored)')
    .addOption(new Option('-r, --role <role>', 'what the token may do').choices([...ROLES]).makeOptionMandatory())
    .option('-t, --tenant <tenant>', 'tenant the token is bound to (default: PULSE_DEFAULT_TENANT)')
    .option('-n, --name <name>', 'a label to recognise it by', '')
    .action(async (_opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<CommonFlags & { role: Role; tenant?: string; name: string }>()
      const rt = await openRuntime(configFrom(flags))
      try {
        const t = await createToken(rt.store.client, flags.tenant ?? rt.config.defaultTenant, flags.role, flags.name)
        process.stdout.write(`${t.token}\n`)
      } finally {
        await rt.store.close()
      }
    })
}
