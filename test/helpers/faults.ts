// Shared pieces of the fault-injection tests (test/integration/faults/): the demo organisation's events
// as raw-topic messages, a clean in-process ingest of the same events to compare with, the KPI results
// that must come out equal, a seeded PRNG for "random" kill moments, and the figures file each scenario
// leaves in test-results/reliability/ for RELIABILITY.md.
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Kafka, Message } from 'kafkajs'
import { fallbacks } from '../../analytics/queries/fallbacks.js'
import { methodMix } from '../../analytics/queries/method-mix.js'
import { snapPeriod, type Scope } from '../../analytics/queries/common.js'
import { successRate } from '../../analytics/queries/success-rate.js'
import { loadConfig } from '../../core/config.js'
import { PROJECT_ROOT } from '../../core/paths.js'
import { generateDemoEvents, type NativeEvent } from '../../demo/generator.js'
import { encodeRawMessage } from '../../ingest/kafka/messages.js'
import { addSummary, emptySummary, IngestService, type IngestSummary } from '../../ingest/service.js'
import { BatchWriter } from '../../ingest/writer.js'
import { openStore, type ClickHouseClient, type Store } from '../../store/clickhouse.js'
import { groupLag } from './kafka.js'
import { queryRows } from './store.js'

/** The long variants (1M events, several kills): `npm run test:reliability` sets this. */
export const LONG = process.env.PULSE_LONG_FAULTS === '1'

/** The demo organisation's first `n` events (time order), deterministic by seed. */
export function demoEvents(n: number, seed = 8): NativeEvent[] {
  // ~2.3 sign-ins per person per day over 90 days: enough people that the first n events span the period
  // (more when the estimate falls short, as it does for a million).
  for (let users = Math.max(200, Math.ceil(n / (90 * 2.3)) + 50); ; users = Math.ceil(users * 1.1)) {
    const out: NativeEvent[] = []
    for (const chunk of generateDemoEvents({ seed, users, days: 90 })) {
      for (const e of chunk) {
        out.push(e)
        if (out.length === n) return out
      }
    }
  }
}

/** Raw-topic messages of the events, keyed as the demo seeder keys them (flow, else user). */
export function toMessages(events: readonly NativeEvent[], tenant: string): Message[] {
  return events.map((e) => encodeRawMessage(e, 'native', tenant, e.flow_id || e.user_id))
}

/** Opens the (already migrated) store of a worker's data directory; only while no worker process has it. */
export async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(loadConfig({ ...process.env, PULSE_DATA_DIR: dataDir }).clickhouse, dataDir)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

export interface Stored { rows: number; ids: number; deadLetters: number }

/** Rows as stored (no FINAL: a duplicate would show as rows > ids), distinct ids, dead letters. */
export async function storedCounts(client: ClickHouseClient, tenant: string): Promise<Stored> {
  const rows = (q: string) => queryRows<{ n: number }>({ client } as Store, q, { tenant }).then(([r]) => Number(r?.n ?? 0))
  return {
    rows: await rows('SELECT count() AS n FROM auth_events WHERE tenant = {tenant:String}'),
    ids: await rows('SELECT uniqExact(event_id) AS n FROM auth_events WHERE tenant = {tenant:String}'),
    deadLetters: await rows('SELECT count() AS n FROM dead_letters FINAL WHERE tenant = {tenant:String}'),
  }
}

/** The same events through the in-process pipeline (no Kafka, no faults): the reference result. */
export async function cleanIngest(client: ClickHouseClient, events: readonly NativeEvent[], tenant: string): Promise<IngestSummary> {
  const writer = new BatchWriter(client, { maxRows: 20_000, maxMs: 200 })
  const service = new IngestService(writer)
  const summary = emptySummary()
  try {
    for (let i = 0; i < events.length; i += 10_000) {
      const raws = events.slice(i, i + 10_000).map((payload) => ({ payload, source: 'native', tenant }))
      const [part] = await Promise.all([service.ingest(raws), service.flush()])
      addSummary(summary, part)
    }
    const drained = await service.drain()
    summary.stored += drained.stored
  } finally {
    await writer.close()
  }
  return summary
}

/** Method mix, success rate and fallbacks (day buckets) over the whole demo period, for one tenant. */
export async function kpiSnapshot(client: ClickHouseClient, tenant: string) {
  const end = Date.parse('2026-11-01T00:00:00Z')
  const s: Scope = { tenant, period: snapPeriod(end - 91 * 86_400_000, end, 'day'), filters: {} }
  return {
    methodMix: await methodMix(client, s, 'day'),
    successRate: await successRate(client, s, 'day'),
    fallbacks: await fallbacks(client, s, { bucket: 'day', lookbackDays: 90 }),
  }
}

/** mulberry32: the seeded "random" moments of the fault tests; the seed is printed with the figures. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A TCP port free right now on 127.0.0.1 (for a child's metrics endpoint or a broker). */
export async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((resolve) => srv.close(() => resolve()))
  return port
}

/** Reads one counter or gauge (summed over its labels) from a Prometheus /metrics page. */
export async function scrapeMetric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

export interface Figures {
  scenario: string
  sent: number
  stored: number
  dead_lettered: number
  duplicated: number
  lost: number
  [k: string]: unknown
}

/** One JSON line per scenario in test-results/reliability/, quoted by RELIABILITY.md. */
export function recordFigures(f: Figures): void {
  const dir = join(PROJECT_ROOT, 'test-results', 'reliability')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${f.scenario}.json`), JSON.stringify({ ...f, long: LONG, at: new Date().toISOString() }) + '\n')
}

/** groupLag, retried through the broker's transient answers (coordinator loading, a broker restarting). */
export async function lagOf(kafka: Kafka, groupId: string, topic: string, timeoutMs = 60_000): Promise<number> {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      return await groupLag(kafka, groupId, topic)
    } catch (err) {
      if (Date.now() > until) throw err
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

/** Sum of the group's committed offsets on a topic (0 for partitions never committed). */
export async function committedTotal(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return (committed?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0)
  } finally {
    await admin.disconnect()
  }
}

/** The group's state and its members' ids (a rebalance gives every member a new generation; a member that left, a new id). */
export async function groupMembers(kafka: Kafka, groupId: string): Promise<{ state: string; members: string[] }> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const { groups } = await admin.describeGroups([groupId])
    const g = groups[0]
    return { state: g?.state ?? 'Unknown', members: (g?.members ?? []).map((m) => m.memberId).sort() }
  } finally {
    await admin.disconnect()
  }
}

/** A topic with config entries (e.g. a raised max.message.bytes for the 5 MB poison messages). */
export async function createTopicWith(kafka: Kafka, topic: string, numPartitions: number, configs: Record<string, string>): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] })
  } finally {
    await admin.disconnect()
  }
}

/** Produces in sends of at most ~512 KB (a big message goes alone), so no record batch outgrows the topic's limit. */
export async function produceSized(kafka: Kafka, topic: string, messages: readonly Message[]): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  try {
    let batch: Message[] = []
    let bytes = 0
    const send = async () => {
      if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch })
      batch = []
      bytes = 0
    }
    for (const m of messages) {
      const size = m.value === null || m.value === undefined ? 0 : Buffer.byteLength(m.value as Buffer | string)
      if (bytes + size > 512 * 1024 || batch.length >= 1_000) await send()
      batch.push(m)
      bytes += size
    }
    await send()
  } finally {
    await producer.disconnect()
  }
}
