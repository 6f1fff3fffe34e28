// Fault 5: a flood of poison messages mixed into a stream of good events on the raw topic: invalid JSON,
// wrong types, 5 MB payloads, deeply nested objects and invalid UTF-8. Each poison message must become a
// dead letter with its reason (in the dead_letters table and on the DLQ topic), the good events around them
// must all be stored, and the worker must neither stall nor crash. Throughput with and without the flood is
// recorded as a figure (not asserted: this machine's speed is not the product's).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Message } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, startCli, type Child } from '../../helpers/cli.js'
import { createTopicWith, demoEvents, lagOf, produceSized, recordFigures, seeded, storedCounts, toMessages, withStore } from '../../helpers/faults.js'
import { kafkaEnv, readTopic, testKafka, waitFor } from '../../helpers/kafka.js'
import { queryRows } from '../../helpers/store.js'

const GOOD = 20_000
const MB = 1024 * 1024
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-fault-poison-'))
const children: Child[] = []
beforeAll(() => assertBuilt())
afterAll(() => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

const headers = (tenant: string) => ({ 'pulse-source': 'native', 'pulse-tenant': tenant })
const native = (i: number) => ({ ts: '2026-10-01T09:00:00.000Z', source_event_id: `poison-${i}`, event_type: 'login', outcome: 'success', user_id: `p${i}@acme.example`, method: 'passkey' })

/** Each kind of poison: how to make one, and the reason code and reason its dead letter must carry. */
const POISON: { kind: string; count: number; make: (i: number, tenant: string) => Message; code: string; reason: RegExp }[] = [
  { kind: 'invalid-json', count: 300, make: (i, t) => ({ value: `{"ts": "2026-10-01", "user_id": "u${i}", `, headers: headers(t) }), code: 'invalid_json', reason: /^not JSON: / },
  { kind: 'wrong-types', count: 300, make: (i, t) => ({ value: JSON.stringify({ ...native(i), ts: 1_700_000_000 + i, outcome: 42, user_id: { id: i } }), headers: headers(t) }), code: 'invalid_value', reason: /./ },
  { kind: '5mb', count: 4, make: (i, t) => ({ value: JSON.stringify({ ...native(i), padding: 'x'.repeat(5 * MB) }), headers: headers(t) }), code: 'invalid_json', reason: /^message of \d+ bytes exceeds \d+/ },
  // Under the per-message limit but over a default topic's 1 MB: its dead letter must still reach the DLQ topic.
  { kind: '2mb-not-json', count: 2, make: (i, t) => ({ value: `${i}:` + 'x'.repeat(2 * MB), headers: headers(t) }), code: 'invalid_json', reason: /^not JSON: .*cut to/ },
  { kind: 'deeply-nested', count: 30, make: (i, t) => ({ value: '{"a":'.repeat(100_000) + String(i) + '}'.repeat(100_000), headers: headers(t) }), code: 'missing_field', reason: /./ },
  // A sign-in that would be valid but for a 100,000-level object inside it.
  { kind: 'deeply-nested-in-event', count: 30, make: (i, t) => ({ value: JSON.stringify({ ...native(i), source_event_id: `deep-${i}` }).replace(/}$/, `,"extra":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`), headers: headers(t) }), code: 'invalid_value', reason: /./ },
  { kind: 'invalid-utf8', count: 300, make: (i, t) => ({ value: Buffer.concat([Buffer.from(`{"user_id":"u${i}","x":"`), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]), headers: headers(t) }), code: 'invalid_json', reason: /not valid UTF-8/ },
]
const POISON_TOTAL = POISON.reduce((s, p) => s + p.count, 0)

async function run(env: Record<string, string>, topic: string, messages: Message[]) {
  const kafka = testKafka()
  await createTopicWith(kafka, topic, 4, { 'max.message.bytes': String(6 * MB) })
  await produceSized(kafka, topic, messages)
  const t0 = Date.now()
  const worker = startCli(['ingest'], { ...env, KAFKA_RAW_TOPIC: topic })
  children.push(worker)
  await waitFor(`the worker to get through ${topic}`, async () => worker.proc.exitCode !== null || (await lagOf(kafka, env.KAFKA_GROUP_ID!, topic)) === 0, 300_000, 200)
  const ms = Date.now() - t0
  expect(worker.proc.exitCode).toBeNull() // neither crashed nor stalled
  worker.proc.kill('SIGTERM')
  expect(await worker.exited).toEqual({ code: 0, signal: null })
  expect(worker.output()).not.toMatch(/"level":(50|60)/)
  return ms
}

describe('fault: a flood of poison messages', () => {
  it(`dead-letters ${POISON_TOTAL} poison messages with their reasons and stores the ${GOOD} good events around them`, { timeout: 600_000 }, async () => {
    // PULSE_MAX_BODY_BYTES is the per-message limit of the worker as well: 4 MB here, so 5 MB is over it.
    const base = { PULSE_DATA_DIR: dataDir, PULSE_METRICS_PORT: '0', PULSE_MAX_BODY_BYTES: String(4 * MB) }
    const events = demoEvents(GOOD, 41)

    const clean = kafkaEnv('fault-clean')
    const cleanMs = await run({ ...base, ...clean }, clean.KAFKA_RAW_TOPIC, toMessages(events, 'clean'))

    // The same good events with the poison shuffled in (seeded).
    const rnd = seeded(5)
    const mixed: Message[] = toMessages(events, 'flood')
    const expected = new Map<string, number>()
    for (const p of POISON) {
      for (let i = 0; i < p.count; i++) mixed.splice(Math.floor(rnd() * (mixed.length + 1)), 0, p.make(i, 'flood'))
      expected.set(p.code, (expected.get(p.code) ?? 0) + p.count)
    }
    const flood = kafkaEnv('fault-flood')
    const floodMs = await run({ ...base, ...flood }, flood.KAFKA_RAW_TOPIC, mixed)

    // On the DLQ topic: one message per poison message, with its reason code in the headers.
    const dlq = await readTopic(testKafka(), flood.KAFKA_DLQ_TOPIC, POISON_TOTAL, 120_000)
    expect(dlq).toHaveLength(POISON_TOTAL)
    const dlqCodes = new Map<string, number>()
    for (const m of dlq) dlqCodes.set(m.headers['pulse-reason-code']!, (dlqCodes.get(m.headers['pulse-reason-code']!) ?? 0) + 1)
    expect(dlqCodes).toEqual(expected)
    expect(dlq.every((m) => m.headers['pulse-reason']!.length > 0)).toBe(true)
    // The 2 MB ones fit the DLQ topic's default 1 MB only cut, and say so.
    expect(dlq.filter((m) => m.headers['pulse-payload-cut'] !== undefined).map((m) => m.headers['pulse-payload-cut'])).toEqual(
      Array.from({ length: 2 }, () => expect.stringMatching(/^\d+ bytes cut to 524288$/)))

    await withStore(dataDir, async (store) => {
      const [c, f] = [await storedCounts(store.client, 'clean'), await storedCounts(store.client, 'flood')]
      expect(c.rows).toBeGreaterThan(GOOD * 0.9)
      expect(f).toEqual({ rows: c.rows, ids: c.rows, deadLetters: POISON_TOTAL + c.deadLetters })
      // In the table: every kind with its code and reason (the raw payload kept, cut, for the 5 MB ones).
      const letters = await queryRows<{ reason_code: string; reason: string; bytes: number }>(store,
        "SELECT reason_code, reason, length(payload) AS bytes FROM dead_letters FINAL WHERE tenant = 'flood'")
      for (const p of POISON) {
        const mine = letters.filter((l) => l.reason_code === p.code && p.reason.test(l.reason))
        expect(mine.length, `${p.kind}: ${JSON.stringify(letters.find((l) => l.reason_code === p.code))}`).toBeGreaterThanOrEqual(p.count)
      }
      expect(letters.filter((l) => /^message of \d+ bytes exceeds/.test(l.reason)).every((l) => l.bytes <= 4096)).toBe(true)
      recordFigures({
        scenario: 'poison-flood', sent: GOOD + POISON_TOTAL, good: GOOD, poison: POISON_TOTAL,
        poison_by_kind: Object.fromEntries(POISON.map((p) => [p.kind, p.count])), stored: f.rows, dead_lettered: f.deadLetters,
        dlq_topic_messages: dlq.length, duplicated: f.rows - f.ids, lost: c.rows - f.ids,
        good_events_per_s_clean: Math.round(GOOD / (cleanMs / 1000)), good_events_per_s_flood: Math.round(GOOD / (floodMs / 1000)),
        poison_bytes: mixed.reduce((s, m) => s + (m.value ? Buffer.byteLength(m.value as Buffer | string) : 0), 0),
      })
    })
  })
})
