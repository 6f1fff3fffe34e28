// The batching writer against a real embedded ClickHouse: thresholds, durability and deduplication.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { processEvent, sortFates } from '../../ingest/pipeline.js'
import { BatchWriter } from '../../ingest/writer.js'
import { batchRows } from '../../core/metrics.js'
import { nativeLogin } from '../helpers/events.js'
import { count, openTestStore, type TestStore } from '../helpers/store.js'

let t: TestStore
beforeAll(async () => { t = await openTestStore() })
afterAll(async () => { await t?.cleanup() })

const at = '2026-11-01 00:00:00.000'
function rows(n: number, over: Record<string, unknown> = {}) {
  return sortFates(Array.from({ length: n }, () => processEvent({ payload: nativeLogin(over), source: 'native', tenant: 'w' }, at))).rows
}
const stored = (tenant = 'w') => count(t.store, 'SELECT count() AS n FROM auth_events FINAL WHERE tenant = {tenant:String}', { tenant })

describe('BatchWriter', () => {
  it('writes at maxRows without waiting for the timer', async () => {
    const w = new BatchWriter(t.store.client, { maxRows: 100, maxMs: 60_000 })
    const before = await stored()
    const started = Date.now()
    const [a, b] = await Promise.all([w.write(rows(60)), w.write(rows(40))])
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(a).toEqual({ stored: 60, duplicates: 0 })
    expect(b).toEqual({ stored: 40, duplicates: 0 })
    expect(await stored()).toBe(before + 100)
    await w.close()
  })

  it('writes a partial batch when maxMs passes, and nothing before', async () => {
    const w = new BatchWriter(t.store.client, { maxRows: 1_000, maxMs: 300 })
    const before = await stored()
    let settled = false
    const p = w.write(rows(5)).then((r) => { settled = true; return r })
    await new Promise((r) => setTimeout(r, 50))
    expect(settled).toBe(false)
    expect(await p).toEqual({ stored: 5, duplicates: 0 })
    expect(await stored()).toBe(before + 5)
    await w.close()
  })

  it('keeps filling a batch whose maxMs passes while an earlier batch is being written (group commit)', async () => {
    const inserts = async () => {
      const v = (await batchRows.get()).values
      const of = (name: string) => v.find((x) => x.metricName === name)?.value ?? 0
      return { count: of('pulse_batch_rows_count'), sum: of('pulse_batch_rows_sum') }
    }
    const w = new BatchWriter(t.store.client, { maxRows: 20_000, maxMs: 10 })
    const big = rows(20_000)
    const small = [rows(3), rows(4), rows(5)]
    const before = await inserts()
    const storedBefore = await stored()
    // The 20,000-row batch is cut at once and takes far longer than 60 ms to store; each small write's
    // maxMs passes during it. Before group commit each one became an insert of its own.
    const receipts = [w.write(big)]
    for (const batch of small) {
      receipts.push(w.write(batch))
      await new Promise((r) => setTimeout(r, 30))
    }
    expect(await Promise.all(receipts)).toEqual([20_000, 3, 4, 5].map((n) => ({ stored: n, duplicates: 0 })))
    const after = await inserts()
    expect(after.count - before.count).toBe(2)
    expect(after.sum - before.sum).toBe(20_012)
    expect(await stored()).toBe(storedBefore + 20_012)
    // Once idle, maxMs cuts a batch again.
    const start = Date.now()
    expect(await w.write(rows(2))).toEqual({ stored: 2, duplicates: 0 })
    expect(Date.now() - start).toBeLessThan(10_000)
    expect((await inserts()).count - after.count).toBe(1)
    await w.close()
  })

  it('stores each event_id once: within a batch, across batches and across writers', async () => {
    const batch = rows(10, { tenant: 'ignored-by-pipeline' })
    const w1 = new BatchWriter(t.store.client, { maxRows: 1_000, maxMs: 10 })
    const before = await stored()
    expect(await w1.write([...batch, ...batch.slice(0, 3)])).toEqual({ stored: 10, duplicates: 3 })
    await w1.close()
    const w2 = new BatchWriter(t.store.client, { maxRows: 1_000, maxMs: 10 })
    expect(await w2.write(batch)).toEqual({ stored: 0, duplicates: 10 })
    await w2.close()
    expect(await stored()).toBe(before + 10)
    // Even without FINAL: the duplicates never reached the table.
    expect(await count(t.store, 'SELECT count() AS n FROM auth_events WHERE event_id IN {ids:Array(String)}', { ids: batch.map((r) => r.event_id) })).toBe(10)
  })

  it('finds stored ids exactly whatever characters they hold (the lookup sends them as TSV lines)', async () => {
    const odd = ['tab\there', 'new\nline', 'cr\rhere', 'back\\slash', '\\N', 'quote\'s "x"', 'emoji 🔑 é', 'trailing\\', 'a', 'a\\t']
    const batch = rows(odd.length).map((r, i) => ({ ...r, event_id: `${odd[i]}-${process.pid}` }))
    const w = new BatchWriter(t.store.client, { maxRows: 1_000, maxMs: 10 })
    expect(await w.write(batch.slice(0, 5))).toEqual({ stored: 5, duplicates: 0 })
    // Ids that differ from stored ones only by an escape must not match them: 'a' vs 'a\\t', '\\N' vs ''.
    expect(await w.write(batch)).toEqual({ stored: 5, duplicates: 5 })
    expect(await w.write(batch)).toEqual({ stored: 0, duplicates: 10 })
    await w.close()
    const back = await t.store.client.query({ query: 'SELECT event_id FROM auth_events WHERE event_id IN {ids:Array(String)} ORDER BY event_id', query_params: { ids: batch.map((r) => r.event_id) }, format: 'JSONEachRow' })
    expect((await back.json<{ event_id: string }>()).map((r) => r.event_id)).toEqual(batch.map((r) => r.event_id).sort())
  })

  it('checks a batch of 25,000 rows, 12,000 of them stored, in one go and exactly', async () => {
    const batch = rows(25_000)
    const w = new BatchWriter(t.store.client, { maxRows: 50_000, maxMs: 10 })
    const before = await stored()
    expect(await w.write(batch.slice(6_000, 18_000))).toEqual({ stored: 12_000, duplicates: 0 })
    expect(await w.write(batch)).toEqual({ stored: 13_000, duplicates: 12_000 })
    await w.close()
    expect(await stored()).toBe(before + 25_000)
  })

  it('checks a batch cut while the one ahead is still being written against that one\'s ids', async () => {
    // The second batch's id lookup runs while the first is being inserted, so it cannot find the first's rows:
    // their ids are checked in memory once the first is stored.
    const w = new BatchWriter(t.store.client, { maxRows: 5_000, maxMs: 60_000 })
    const first = rows(5_000)
    const second = [...first.slice(0, 100), ...rows(4_900)]
    const before = await stored()
    const receipts = [w.write(first), w.write(second)] // each cut at maxRows at once, one behind the other
    expect(await Promise.all(receipts)).toEqual([{ stored: 5_000, duplicates: 0 }, { stored: 4_900, duplicates: 100 }])
    await w.close()
    expect(await stored()).toBe(before + 9_900)
    // Even without FINAL: the copies never reached the table.
    const ids = second.slice(0, 100).map((r) => r.event_id)
    expect(await count(t.store, 'SELECT count() AS n FROM auth_events WHERE event_id IN {ids:Array(String)}', { ids })).toBe(100)
  })

  it('stores the rows of a batch whose ids were in a batch ahead that was given up on', async () => {
    const w = new BatchWriter(t.store.client, { maxRows: 1_000, maxMs: 60_000, maxAttempts: 1 })
    const first = rows(1_000)
    ;(first[999] as { ts: string }).ts = 'not a time at all' // the whole first insert fails
    const second = [...first.slice(0, 100), ...rows(900)]
    const before = await stored()
    const [a, b] = await Promise.allSettled([w.write(first), w.write(second)])
    await w.close()
    expect(a.status).toBe('rejected')
    expect(b).toEqual({ status: 'fulfilled', value: { stored: 1_000, duplicates: 0 } })
    expect(await stored()).toBe(before + 1_000)
  })

  it('writes dead letters with their reasons, once per origin', async () => {
    const fate = processEvent({ payload: '{nope', parseError: 'not JSON: Unexpected token', source: 'okta', tenant: 'w', origin: { topic: 'raw', partition: 1, offset: '42' } }, at)
    const { deadLetters } = sortFates([fate, fate])
    const w = new BatchWriter(t.store.client, { maxRows: 1_000, maxMs: 10 })
    await w.write([], deadLetters)
    await w.write([], deadLetters)
    await w.close()
    const dl = await count(t.store, "SELECT count() AS n FROM dead_letters FINAL WHERE kafka_offset = 42 AND reason_code = 'invalid_json' AND reason LIKE 'not JSON%' AND payload = '{nope'")
    expect(dl).toBe(1)
  })

  it('gives callers the error after its attempts, and refuses writes once closed', async () => {
    const w = new BatchWriter(t.store.client, { maxRows: 1_000, maxMs: 10, maxAttempts: 1 })
    const bad = rows(1)
    ;(bad[0] as { ts: string }).ts = 'not a time at all'
    await expect(w.write(bad)).rejects.toThrow()
    await w.close()
    await expect(w.write(rows(1))).rejects.toThrow(/closed/)
  })
})
