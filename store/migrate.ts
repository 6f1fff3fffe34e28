// Numbered, idempotent migrations (schemas/migrations/NNN_name.sql), applied in order at start-up
// and recorded in `schema_migrations`. Each file holds statements separated by lines ending in ';'.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ERR_MIGRATION } from '../core/errors.js'
import { MIGRATIONS_DIR } from '../core/paths.js'
import type { ClickHouseClient } from './clickhouse.js'

export interface Migration {
  version: number
  name: string
  statements: string[]
  checksum: string
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8')
      const statements = text
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter(Boolean)
      return {
        version: Number(file.slice(0, 3)),
        name: file.replace(/\.sql$/, ''),
        statements,
        checksum: createHash('sha256').update(text).digest('hex').slice(0, 16),
      }
    })
}

export interface MigrateResult {
  applied: string[]
  alreadyApplied: number
}

export async function migrate(client: ClickHouseClient, migrations = readMigrations()): Promise<MigrateResult> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (
      version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`,
  })
  const done = await client.query({ query: 'SELECT version FROM schema_migrations FINAL', format: 'JSONEachRow' })
  const doneVersions = new Set((await done.json<{ version: number }>()).map((r) => Number(r.version)))
  const applied: string[] = []
  for (const m of migrations) {
    if (doneVersions.has(m.version)) continue
    for (const statement of m.statements) {
      try {
        await client.command({ query: statement })
      } catch (err) {
        throw new ERR_MIGRATION(m.name, (err as Error).message)
      }
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    })
    applied.push(m.name)
  }
  return { applied, alreadyApplied: doneVersions.size }
}
