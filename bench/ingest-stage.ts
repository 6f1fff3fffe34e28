// One stage of the ingest path alone, in its own process, for the ceilings of bench/ingest.ts:
//   normalise  decode + normalisers (+ UA parse) + flow assembly in memory, as the worker does per batch
//   insert     the same rows, already normalised, inserted with the worker's client, format and batch size
//   consume    kafkajs consume-only: a group that does nothing but commit, with the worker's settings
//   count      rows and dead letters stored in a data directory (to verify a worker's run)
// Prints one JSON line on stdout; progress on stderr.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import type { KafkaMessage } from 'kafkajs'
import { loadConfig } from '../core/config.js'
import { FlowAssembler } from '../ingest/flow-assembly.js'
import { decodeMessage, type MessageDefaults } from '../ingest/kafka/messages.js'
import { FETCH_BYTES_PER_PARTITION } from '../ingest/kafka/worker.js'
import { processEvent, sortFates } from '../ingest/pipeline.js'
import { AUTH_EVENTS_INSERT_SETTINGS } from '../ingest/writer.js'
import { nowTimestamp } from '../ingest/time.js'
import { userAgentCacheStats } from '../ingest/user-agent.js'
import { AUTH_EVENT_COLUMNS, type AuthEvent } from '../schemas/auth-event.js'
import { insertTabSeparated, openStore } from '../store/clickhouse.js'
import { encodeTabSeparated } from '../store/tsv.js'
import { migrate } from '../store/migrate.js'
import { benchKafka } from './lib/broker.js'
import { intArg, parseArgs, progress } from './lib/result.js'
import { messageChunks, type VendorMessage } from './lib/vendor-events.js'

const args = parseArgs()
const mode = process.argv[2]
const log = progress(`ingest-stage ${mode}`)
const events = intArg(args, 'events', 100_000)
const seed = intArg(args, 'seed', 2026)
const CHUNK = 5_000
const defaults: MessageDefaults = { source: 'auto', tenant: 'default', maxBytes: 10 * 1024 * 1024 }

/** The messages as kafkajs hands them to eachBatch: value and headers as Buffers, offsets as strings. */
function asKafka(chunk: VendorMessage[], firstOffset: number): KafkaMessage[] {
  return chunk.map((m, i) => ({
    key: Buffer.from(m.key), value: Buffer.from(m.value), timestamp: String(m.tsMs), attributes: 0, offset: String(firstOffset + i),
    size: 0, headers: { 'pulse-source': Buffer.from(m.source), 'pulse-tenant': Buffer.from('default') },
  }) as unknown as KafkaMessage)
}

/** Runs the worker's per-batch CPU path over one chunk; returns the rows and the time it took. */
function normaliseChunk(msgs: KafkaMessage[], assembler: FlowAssembler) {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const ingestedAt = nowTimestamp()
  const fates = msgs.map((m) => processEvent(decodeMessage(m, 'bench', 0, defaults), ingestedAt))
  const sorted = sortFates(fates, assembler)
  const c = process.cpuUsage(c0)
  return { ...sorted, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }
}

async function normalise() {
  const assembler = new FlowAssembler()
  let ms = 0
  let cpuMs = 0
  let rows = 0
  let deadLetters = 0
  let ignored = 0
  let offset = 0
  for (const chunk of messageChunks(events, CHUNK, { seed })) {
    const msgs = asKafka(chunk, offset)
    offset += chunk.length
    const r = normaliseChunk(msgs, assembler)
    ms += r.ms
    cpuMs += r.cpuMs
    rows += r.rows.length
    deadLetters += r.deadLetters.length
    ignored += r.ignored
  }
  const t0 = performance.now()
  rows += assembler.drain().length
  ms += performance.now() - t0
  const ua = userAgentCacheStats()
  return { mode, events, rows, deadLetters, ignored, seconds: ms / 1000, cpuSeconds: cpuMs / 1000, eventsPerS: events / (ms / 1000), uaHitRate: 1 - ua.misses / ua.lookups, uaDistinct: ua.size }
}

async function insert() {
  const dataDir = args.values.get('data-dir')
  if (!dataDir) throw new Error('insert needs --data-dir')
  const config = loadConfig({ ...process.env, PULSE_DATA_DIR: dataDir })
  const batchRows = intArg(args, 'batch', config.batch.maxRows)
  const store = openStore(config.clickhouse, config.dataDir)
  await migrate(store.client)
  const assembler = new FlowAssembler()
  let pending: AuthEvent[] = []
  let ms = 0
  let rows = 0
  let inserts = 0
  let cpu = 0
  const format = args.values.get('format') ?? 'tsv'
  // Engine settings to try on the insert (e.g. --settings '{"input_format_parallel_parsing":"0"}').
  const extraSettings = JSON.parse(args.values.get('settings') ?? '{}') as Record<string, string>
  const flush = async (batch: AuthEvent[]) => {
    if (batch.length === 0) return
    // The worker's exact call (writer.ts): same client, format and settings; the token is computed
    // outside the timing, as the ceiling is ClickHouse's insert rate, not ours.
    const h = createHash('sha256')
    for (const r of batch) h.update(r.event_id)
    const token = h.digest('hex')
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    if (format === 'json') {
      // The writer's format before issue 7, kept to measure what the change bought.
      await store.client.insert({ table: 'auth_events', values: batch, format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: token, parallel_view_processing: 1 } })
    } else {
      await insertTabSeparated(store.client, 'auth_events', AUTH_EVENT_COLUMNS, encodeTabSeparated(batch, AUTH_EVENT_COLUMNS), { insert_deduplication_token: token, ...AUTH_EVENTS_INSERT_SETTINGS, ...extraSettings })
    }
    const c = process.cpuUsage(c0)
    cpu += (c.user + c.system) / 1e6
    ms += performance.now() - t0
    rows += batch.length
    inserts++
  }
  let offset = 0
  for (const chunk of messageChunks(events, CHUNK, { seed })) {
    const r = normaliseChunk(asKafka(chunk, offset), assembler)
    offset += chunk.length
    for (const row of r.rows) pending.push(row)
    while (pending.length >= batchRows) {
      await flush(pending.slice(0, batchRows))
      pending = pending.slice(batchRows)
    }
  }
  for (const row of assembler.drain()) pending.push(row)
  await flush(pending)
  const rs = await store.client.query({ query: 'SELECT count() AS n FROM auth_events', format: 'JSONEachRow' })
  const [c] = await rs.json<{ n: string }>()
  await store.close()
  if (Number(c?.n) !== rows) throw new Error(`inserted ${rows} rows but ClickHouse counts ${c?.n}`)
  return { mode, format, events, rows, inserts, batchRows, seconds: ms / 1000, cpuSeconds: cpu, rowsPerS: rows / (ms / 1000), eventsPerS: events / (ms / 1000) }
}

async function consume() {
  const brokers = args.values.get('brokers')
  const topic = args.values.get('topic')
  const group = args.values.get('group')
  if (!brokers || !topic || !group) throw new Error('consume needs --brokers, --topic and --group')
  const kafka = benchKafka(brokers, 'pulse-bench-consume')
  // The worker's consumer settings (ingest/kafka/worker.ts).
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxBytesPerPartition: Number(args.values.get('max-bytes') ?? FETCH_BYTES_PER_PARTITION) })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  let seen = 0
  let bytes = 0
  let first = 0
  let last = 0
  const started = performance.now()
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: intArg(args, 'concurrency', 4),
      eachBatch: async ({ batch, resolveOffset }) => {
        if (batch.isEmpty()) return
        if (!first) first = performance.now()
        for (const m of batch.messages) bytes += m.value?.length ?? 0
        const lastOffset = batch.lastOffset()
        resolveOffset(lastOffset)
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() }])
        seen += batch.messages.length
        last = performance.now()
        if (seen >= events) resolve()
      },
    })
  })
  await done
  await consumer.disconnect()
  const seconds = (last - first) / 1000
  return { mode, events: seen, bytes, seconds, withStartSeconds: (last - started) / 1000, eventsPerS: seen / seconds, mibPerS: bytes / 1024 ** 2 / seconds }
}

async function count() {
  const dataDir = args.values.get('data-dir')
  if (!dataDir) throw new Error('count needs --data-dir')
  const config = loadConfig({ ...process.env, PULSE_DATA_DIR: dataDir })
  const store = openStore(config.clickhouse, config.dataDir)
  const q = async (sql: string) => Number((await (await store.client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n ?? NaN)
  const result = { mode, rows: await q('SELECT count() AS n FROM auth_events'), deadLetters: await q('SELECT count() AS n FROM dead_letters'), distinctIds: await q('SELECT uniqExact(event_id) AS n FROM auth_events') }
  // With several workers, each with its own store, the caller checks the union of their event ids.
  const idsOut = args.values.get('ids-out')
  if (idsOut) {
    const rs = await store.client.query({ query: 'SELECT DISTINCT event_id FROM auth_events', format: 'TabSeparated' })
    writeFileSync(idsOut, await rs.text())
  }
  await store.close()
  return result
}

/** When the worker consumed each user's password sign-in: the row's ingested_at (alert-latency.ts). */
async function ingestedAt() {
  const dataDir = args.values.get('data-dir')
  const users = (args.values.get('users') ?? '').split(',').filter(Boolean)
  if (!dataDir || users.length === 0) throw new Error('ingested-at needs --data-dir and --users')
  const config = loadConfig({ ...process.env, PULSE_DATA_DIR: dataDir })
  const store = openStore(config.clickhouse, config.dataDir)
  const rs = await store.client.query({
    query: "SELECT user_id, toUnixTimestamp64Milli(min(ingested_at)) AS ingested_ms FROM auth_events WHERE user_id IN {users:Array(String)} AND method = 'password' GROUP BY user_id",
    query_params: { users }, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  })
  const rows = await rs.json<{ user_id: string; ingested_ms: number }>()
  await store.close()
  return { mode, rows }
}

const modes: Record<string, () => Promise<unknown>> = { normalise, insert, consume, count, 'ingested-at': ingestedAt }
const run = mode ? modes[mode] : undefined
if (!run) {
  process.stderr.write(`usage: tsx bench/ingest-stage.ts <${Object.keys(modes).join('|')}> [--events N] [--seed S] …\n`)
  process.exit(2)
}
try {
  const r = await run()
  process.stdout.write(`${JSON.stringify(r)}\n`)
  process.exit(0)
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`)
  process.exit(1)
}
