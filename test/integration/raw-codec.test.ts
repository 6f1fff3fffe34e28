// Migration 025: `raw` and `user_agent` move to ZSTD(1) on a store that already holds events, as a metadata
// change (no mutation), with every stored row intact and new rows written with the new codec.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../core/config.js'
import { processEvent, sortFates } from '../../ingest/pipeline.js'
import { BatchWriter } from '../../ingest/writer.js'
import { openStore, type Store } from '../../store/clickhouse.js'
import { migrate, readMigrations } from '../../store/migrate.js'
import { nativeLogin } from '../helpers/events.js'
import { queryRows } from '../helpers/store.js'

const at = '2026-11-01 00:00:00.000'
let dataDir = ''
let store: Store

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'pulse-codec-'))
  const config = loadConfig({ ...process.env, PULSE_DATA_DIR: dataDir, PULSE_CH_MAX_MEMORY: String(2 * 1024 ** 3) })
  store = openStore(config.clickhouse, dataDir)
})
afterAll(async () => {
  await store?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const codecs = async () => Object.fromEntries((await queryRows<{ name: string; compression_codec: string }>(store,
  "SELECT name, compression_codec FROM system.columns WHERE database = currentDatabase() AND table = 'auth_events' AND name IN ('raw', 'user_agent')")).map((c) => [c.name, c.compression_codec]))
const rows = (n: number) => sortFates(Array.from({ length: n }, () => processEvent({ payload: nativeLogin(), source: 'native', tenant: 'codec' }, at))).rows

describe('migration 025 (raw codec)', () => {
  it('upgrades a store holding events without rewriting them, and keeps every row', async () => {
    await migrate(store.client, readMigrations().filter((m) => m.version < 25))
    expect(await codecs()).toEqual({ raw: 'CODEC(ZSTD(3))', user_agent: 'CODEC(ZSTD(3))' })
    const before = rows(50)
    const w = new BatchWriter(store.client, { maxRows: 1_000, maxMs: 10 })
    expect(await w.write(before)).toEqual({ stored: 50, duplicates: 0 })

    const applied = await migrate(store.client)
    expect(applied.applied).toContain('025_raw_codec')
    expect(await codecs()).toEqual({ raw: 'CODEC(ZSTD(1))', user_agent: 'CODEC(ZSTD(1))' })
    const mutations = await queryRows<{ n: number }>(store, "SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = 'auth_events'")
    expect(Number(mutations[0]!.n)).toBe(0)

    const after = rows(50)
    expect(await w.write([...before, ...after])).toEqual({ stored: 50, duplicates: 50 })
    await w.close()
    const back = await queryRows<{ event_id: string; raw: string; user_agent: string }>(store, "SELECT event_id, raw, user_agent FROM auth_events WHERE tenant = 'codec' ORDER BY event_id")
    const want = [...before, ...after].map((r) => ({ event_id: r.event_id, raw: r.raw, user_agent: r.user_agent })).sort((a, b) => (a.event_id < b.event_id ? -1 : 1))
    expect(back).toEqual(want)
    // Old and new parts merge into one without loss.
    await store.client.command({ query: 'OPTIMIZE TABLE auth_events FINAL' })
    expect(await queryRows(store, "SELECT event_id, raw, user_agent FROM auth_events WHERE tenant = 'codec' ORDER BY event_id")).toEqual(want)
  })
})
