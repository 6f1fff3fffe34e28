// The engine settings every query and insert of a store runs with (store/clickhouse.ts), as the engine reports
// them: JIT compilation off (issue 7: a query shape's fourth run paid 300–500 ms for compiling it), the memory
// cap and lenient time parsing, also for the spooled TabSeparated insert and for queries after it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertTabSeparated } from '../../store/clickhouse.js'
import { openTestStore, queryRows, type TestStore } from '../helpers/store.js'

let t: TestStore
beforeAll(async () => { t = await openTestStore() })
afterAll(async () => { await t?.cleanup() })

const SETTINGS_SQL = `SELECT toString(getSetting('compile_expressions')) AS ce, toString(getSetting('compile_aggregate_expressions')) AS cae,
  toString(getSetting('compile_sort_description')) AS csd, toString(getSetting('max_memory_usage')) AS mem,
  toString(getSetting('date_time_input_format')) AS dt`
const EXPECTED = { ce: 'false', cae: 'false', csd: 'false', mem: String(2 * 1024 ** 3), dt: 'best_effort' }

describe('store settings', () => {
  it('runs queries without JIT compilation, with the memory cap and lenient time parsing', async () => {
    expect(await queryRows(t.store, SETTINGS_SQL)).toEqual([EXPECTED])
  })

  it('keeps them through a spooled insert, which gets them too', async () => {
    await t.store.client.command({ query: 'CREATE TABLE IF NOT EXISTS settings_probe (label String, ts DateTime64(3)) ENGINE = Memory' })
    // A time in a form that only best_effort parsing reads.
    await insertTabSeparated(t.store.client, 'settings_probe', ['label', 'ts'], Buffer.from('x\t2026-11-01T10:00:00Z\n'), {})
    expect(await queryRows(t.store, "SELECT label, toString(ts) AS ts FROM settings_probe")).toEqual([{ label: 'x', ts: '2026-11-01 10:00:00.000' }])
    expect(await queryRows(t.store, SETTINGS_SQL)).toEqual([EXPECTED])
  })
})
