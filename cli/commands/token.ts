// `passkey-pulse token create|list|revoke`: the operator's way to manage tokens, straight on the store
// (no API token needed, so it also recovers from a lost admin token).
import { InvalidArgumentError, Option, type Command } from 'commander'
import { createToken, listTokens, revokeToken, ROLES, TOKEN_ID_PATTERN, type Role, type TokenInfo } from '../../access/tokens.js'
import { MAX_EXPIRY_DAYS } from '../../analytics/routes/tokens.js'
import { configFrom, openRuntime, type CommonFlags, type Runtime } from '../runtime.js'

function days(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > MAX_EXPIRY_DAYS) throw new InvalidArgumentError(`a whole number of days from 1 to ${MAX_EXPIRY_DAYS}`)
  return n
}

async function withRuntime(cmd: Command, run: (rt: Runtime) => Promise<void>): Promise<void> {
  const rt = await openRuntime(configFrom(cmd.optsWithGlobals<CommonFlags>()))
  try {
    await run(rt)
  } finally {
    await rt.store.close()
  }
}

const status = (t: TokenInfo, now: number): string =>
  t.revoked_at ? 'revoked' : t.expires_at && Date.parse(t.expires_at) <= now ? 'expired' : 'active'

/** A plain aligned table: what an operator reads in a terminal. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n'
}

export function tokenCommand(program: Command): void {
  const token = program.command('token').description('manage API and ingest tokens')
  token
    .command('create')
    .description('create a token (printed once; only its hash is stored)')
    .addOption(new Option('-r, --role <role>', 'what the token may do').choices([...ROLES]).makeOptionMandatory())
    .option('-t, --tenant <tenant>', 'tenant the token is bound to (default: PULSE_DEFAULT_TENANT)')
    .option('-n, --name <name>', 'a label to recognise it by', '')
    .option('--expires-days <days>', `days until it stops working (1–${MAX_EXPIRY_DAYS}; default: never)`, days)
    .action(async (_opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ role: Role; tenant?: string; name: string; expiresDays?: number }>()
      await withRuntime(cmd, async (rt) => {
        const t = await createToken(rt.store.client, flags.tenant ?? rt.config.defaultTenant, flags.role, flags.name,
          flags.expiresDays === undefined ? {} : { expiresInDays: flags.expiresDays })
        process.stdout.write(`${t.token}\n`)
        process.stderr.write(`token ${t.tokenId} (${flags.role}, tenant ${t.info.tenant}${t.info.expires_at ? `, expires ${t.info.expires_at}` : ''})\n`)
      })
    })
  token
    .command('list')
    .description('list tokens (ids, roles, names, dates; never secrets or hashes)')
    .option('-t, --tenant <tenant>', 'only this tenant (default: every tenant)')
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (_opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ tenant?: string; json?: boolean }>()
      await withRuntime(cmd, async (rt) => {
        const now = Date.now()
        const tokens = (await listTokens(rt.store.client, flags.tenant)).map((t) => ({ ...t, status: status(t, now) }))
        if (flags.json) {
          process.stdout.write(tokens.map((t) => JSON.stringify(t)).join('\n') + (tokens.length ? '\n' : ''))
          return
        }
        if (tokens.length === 0) {
          process.stderr.write('no tokens\n')
          return
        }
        process.stdout.write(table([
          ['ID', 'TENANT', 'ROLE', 'STATUS', 'CREATED', 'EXPIRES', 'NAME'],
          ...tokens.map((t) => [t.id, t.tenant, t.role, t.status, t.created_at, t.expires_at ?? 'never', t.name]),
        ]))
      })
    })
  token
    .command('revoke')
    .description('revoke a token by id (running servers refuse it within 5 s)')
    .argument('<id>', 'the token id shown by `token list`')
    .option('-t, --tenant <tenant>', 'only if the token belongs to this tenant')
    .action(async (id: string, _opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ tenant?: string }>()
      if (!new RegExp(TOKEN_ID_PATTERN).test(id)) {
        process.stderr.write(`passkey-pulse: "${id}" is not a token id (12 hex digits, see \`token list\`)\n`)
        process.exitCode = 2
        return
      }
      await withRuntime(cmd, async (rt) => {
        const r = await revokeToken(rt.store.client, id, flags.tenant)
        if (r.status === 'not_found') {
          process.stderr.write(`no token with id ${id}${flags.tenant ? ` in tenant ${flags.tenant}` : ''}\n`)
          process.exitCode = 1
          return
        }
        process.stdout.write(`${r.status === 'revoked' ? 'revoked' : 'already revoked'}: ${id} (${r.info.role}, tenant ${r.info.tenant})\n`)
      })
    })
}
