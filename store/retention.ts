// Retention from configuration, applied at start-up after the migrations (docs/PRIVACY.md):
// a column TTL empties auth_events.raw N days after ingestion, a table TTL deletes dead letters N days
// after receipt. Idempotent: the current TTL is read first and altered only when it differs, because
// each ALTER … TTL rewrites the table's parts to apply it.
import type { ClickHouseClient } from './clickhouse.js'

export interface RetentionSettings {
  /** 0 = raw payloads kept forever. */
  rawRetentionDays: number
  /** 0 = dead letters kept forever. */
  deadLetterRetentionDays: number
}

export interface RetentionResult {
  /** The statements run (empty when everything was already as configured). */
  changed: string[]
}

// The codec of migration 025: restating the column for its TTL must not undo it.
const RAW_COLUMN = 'raw String CODEC(ZSTD(1))'

async function createStatement(client: ClickHouseClient, table: string): Promise<string> {
  const rs = await client.query({ query: `SHOW CREATE TABLE ${table}`, format: 'JSONEachRow' })
  const [row] = await rs.json<{ statement: string }>()
  return row?.statement ?? ''
}

/** The TTL clause of the raw column ('' = none), from the table's CREATE statement. */
function rawColumnTtl(statement: string): string {
  const line = statement.split('\n').find((l) => /^\s*`raw`\s/.test(l)) ?? ''
  return /\bTTL\s+(.+?),?\s*$/.exec(line)?.[1] ?? ''
}

/** The table-level TTL clause ('' = none). */
function tableTtl(statement: string): string {
  const line = statement.split('\n').find((l) => /^TTL\s/.test(l)) ?? ''
  return line.replace(/^TTL\s+/, '').trim()
}

const daysOf = (ttl: string): number | null => {
  // ClickHouse shows `INTERVAL 30 DAY` back as toIntervalDay(30); either form is read.
  const m = /INTERVAL\s+(\d+)\s+DAY|toIntervalDay\((\d+)\)/i.exec(ttl)
  return m ? Number(m[1] ?? m[2]) : null
}

export async function applyRetention(client: ClickHouseClient, s: RetentionSettings): Promise<RetentionResult> {
  const changed: string[] = []
  const run = async (query: string) => {
    await client.command({ query })
    changed.push(query)
  }

  const rawTtl = rawColumnTtl(await createStatement(client, 'auth_events'))
  if (s.rawRetentionDays > 0) {
    if (daysOf(rawTtl) !== s.rawRetentionDays) {
      await run(`ALTER TABLE auth_events MODIFY COLUMN ${RAW_COLUMN} TTL toDateTime(ingested_at) + INTERVAL ${s.rawRetentionDays} DAY`)
    }
  } else if (rawTtl) {
    await run('ALTER TABLE auth_events MODIFY COLUMN raw REMOVE TTL')
  }

  const dlTtl = tableTtl(await createStatement(client, 'dead_letters'))
  if (s.deadLetterRetentionDays > 0) {
    if (daysOf(dlTtl) !== s.deadLetterRetentionDays) {
      await run(`ALTER TABLE dead_letters MODIFY TTL toDateTime(received_at) + INTERVAL ${s.deadLetterRetentionDays} DAY`)
    }
  } else if (dlTtl) {
    await run('ALTER TABLE dead_letters REMOVE TTL')
  }
  return { changed }
}
