// The writer's TabSeparated insert (issue 7) against a real embedded ClickHouse: every character a
// vendor payload can carry (tabs, newlines, CR, backslashes, quotes, non-ASCII, nulls) comes back intact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { processEvent, sortFates } from '../../ingest/pipeline.js'
import { BatchWriter } from '../../ingest/writer.js'
import { AUTH_EVENT_COLUMNS, type AuthEvent } from '../../schemas/auth-event.js'
import { encodeTabSeparated } from '../../store/tsv.js'
import { nativeLogin } from '../helpers/events.js'
import { openTestStore, queryRows, type TestStore } from '../helpers/store.js'

let t: TestStore
beforeAll(async () => { t = await openTestStore() })
afterAll(async () => { await t?.cleanup() })

const at = '2026-11-01 00:00:00.000'
const NASTY = 'tab\there, line\nbreak, cr\r\nend, back\\slash \\N \\t, "quoted" \'single\', ünïcødé 🔑, nul\u0000byte'

describe('TabSeparated insert', () => {
  it('encodes nulls as \\N, numbers bare, and escapes backslash, tab, newline and CR', () => {
    const body = encodeTabSeparated([{ a: 'x\ty\nz\\\r', b: null, c: 7 }], ['a', 'b', 'c']).toString('utf8')
    expect(body).toBe('x\\ty\\nz\\\\\\r\t\\N\t7\n')
  })

  it('stores rows whose strings hold every special character exactly as given', async () => {
    const [row] = sortFates([processEvent({ payload: nativeLogin({ app: NASTY, user_agent: NASTY, latency_ms: null }), source: 'native', tenant: 'tsv' }, at)]).rows
    expect(row).toBeDefined()
    const w = new BatchWriter(t.store.client, { maxRows: 10, maxMs: 10 })
    expect(await w.write([row!])).toEqual({ stored: 1, duplicates: 0 })
    await w.close()
    const [back] = await queryRows<AuthEvent>(t.store, `SELECT ${AUTH_EVENT_COLUMNS.join(', ')} FROM auth_events WHERE tenant = 'tsv'`)
    expect(back).toEqual({ ...row!, ts: back!.ts, ingested_at: back!.ingested_at })
    expect(back!.app).toBe(NASTY)
    expect(back!.raw).toBe(row!.raw)
    expect(back!.latency_ms).toBeNull()
    expect(back!.ts.slice(0, 19)).toBe(row!.ts.slice(0, 19))
  })

  it('drops the very same batch retried (insert_deduplication_token still applies)', async () => {
    const batch = sortFates(Array.from({ length: 5 }, () => processEvent({ payload: nativeLogin({}), source: 'native', tenant: 'tsv-retry' }, at))).rows
    const { insertTabSeparated } = await import('../../store/clickhouse.js')
    const body = encodeTabSeparated(batch, AUTH_EVENT_COLUMNS)
    await insertTabSeparated(t.store.client, 'auth_events', AUTH_EVENT_COLUMNS, body, { insert_deduplication_token: 'same-batch' })
    await insertTabSeparated(t.store.client, 'auth_events', AUTH_EVENT_COLUMNS, body, { insert_deduplication_token: 'same-batch' })
    const [n] = await queryRows<{ n: number }>(t.store, "SELECT count() AS n FROM auth_events WHERE tenant = 'tsv-retry'")
    expect(Number(n!.n)).toBe(5)
  })
})
