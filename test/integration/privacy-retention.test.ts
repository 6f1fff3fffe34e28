// Raw-payload and dead-letter retention on real chDB: the TTLs set from configuration empty `raw` and delete
// dead letters past their age once the parts are merged, leave younger ones alone, are applied only when they
// differ, and are removed again by 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyRetention } from '../../store/retention.js'
import { count, openTestStore, queryRows, type TestStore } from '../helpers/store.js'

let t: TestStore
beforeAll(async () => { t = await openTestStore() })
afterAll(async () => { await t.cleanup() })

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().replace('T', ' ').replace('Z', '')
const row = (id: string, ingestedDaysAgo: number) => ({
  event_id: id, ts: daysAgo(ingestedDaysAgo), ingested_at: daysAgo(ingestedDaysAgo), tenant: 'ret', source: 'native',
  user_id: `u-${id}`, raw: `{"payload":"${id}"}`,
})
const deadLetter = (id: string, receivedDaysAgo: number) => ({
  dead_letter_id: id, received_at: daysAgo(receivedDaysAgo), tenant: 'ret', source: 'okta', reason_code: 'invalid_json',
  reason: 'not JSON', payload: `{${id}`, kafka_topic: '', kafka_partition: null, kafka_offset: null,
})

async function showCreate(table: string): Promise<string> {
  const [r] = await queryRows<{ statement: string }>(t.store, `SHOW CREATE TABLE ${table}`)
  return r!.statement
}

describe('retention of raw payloads and dead letters', () => {
  it('empties raw and deletes dead letters past their age after a merge; keeps the rest', async () => {
    const { client } = t.store
    await client.insert({ table: 'auth_events', format: 'JSONEachRow', values: [row('old', 40), row('young', 2)] })
    await client.insert({ table: 'dead_letters', format: 'JSONEachRow', values: [deadLetter('old-dl', 20), deadLetter('young-dl', 1)] })

    const first = await applyRetention(client, { rawRetentionDays: 30, deadLetterRetentionDays: 14 })
    expect(first.changed).toHaveLength(2)
    await client.command({ query: 'OPTIMIZE TABLE auth_events FINAL' })
    await client.command({ query: 'OPTIMIZE TABLE dead_letters FINAL' })

    const rows = await queryRows<{ event_id: string; raw: string; user_id: string }>(t.store, "SELECT event_id, raw, user_id FROM auth_events WHERE tenant = 'ret' ORDER BY event_id")
    // The row stays (KPIs count it); only its payload copy is gone.
    expect(rows).toEqual([
      { event_id: 'old', raw: '', user_id: 'u-old' },
      { event_id: 'young', raw: '{"payload":"young"}', user_id: 'u-young' },
    ])
    const dls = await queryRows<{ dead_letter_id: string }>(t.store, "SELECT dead_letter_id FROM dead_letters WHERE tenant = 'ret'")
    expect(dls.map((d) => d.dead_letter_id)).toEqual(['young-dl'])
  })

  it('is applied only when it differs, follows a change, and 0 removes it', async () => {
    const { client } = t.store
    expect((await applyRetention(client, { rawRetentionDays: 30, deadLetterRetentionDays: 14 })).changed).toEqual([])
    const changed = await applyRetention(client, { rawRetentionDays: 7, deadLetterRetentionDays: 14 })
    expect(changed.changed).toEqual(['ALTER TABLE auth_events MODIFY COLUMN raw String CODEC(ZSTD(1)) TTL toDateTime(ingested_at) + INTERVAL 7 DAY'])
    expect(await showCreate('auth_events')).toMatch(/`raw` String CODEC\(ZSTD\(1\)\) TTL toDateTime\(ingested_at\) \+ toIntervalDay\(7\)/)

    expect((await applyRetention(client, { rawRetentionDays: 0, deadLetterRetentionDays: 0 })).changed).toHaveLength(2)
    expect(await showCreate('auth_events')).not.toMatch(/TTL/)
    expect(await showCreate('dead_letters')).not.toMatch(/TTL/)
    // The codec survives the TTL coming and going.
    expect(await showCreate('auth_events')).toMatch(/`raw` String CODEC\(ZSTD\(1\)\)/)
    expect((await applyRetention(client, { rawRetentionDays: 0, deadLetterRetentionDays: 0 })).changed).toEqual([])

    // Without a TTL, old payloads stay.
    await client.insert({ table: 'auth_events', format: 'JSONEachRow', values: [row('old2', 400)] })
    await client.command({ query: 'OPTIMIZE TABLE auth_events FINAL' })
    expect(await count(t.store, "SELECT count() AS n FROM auth_events WHERE event_id = 'old2' AND raw != ''")).toBe(1)
  })
})
