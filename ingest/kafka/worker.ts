// The Kafka ingest worker: one member of a consumer group on the raw topic. Per partition batch:
// normalise → hand rows and dead letters to the shared batching writer and move on to the next fetch
// (bounded rows in flight); once ClickHouse has a batch's rows, publish its dead letters to the DLQ
// topic and commit its offset, in order per partition and never across a rebalance. A crash before
// the commit redelivers the batch, and the writer's event_id check makes the redelivery store nothing twice.
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs'
import type { Config } from '../../core/config.js'
import { failpoint } from '../../core/failpoints.js'
import type { Logger } from '../../core/logger.js'
import {
  consumerLag, eventsConsumed, eventsIgnored, eventsRejected, ingestFirstBatchTime, ingestLastCommitTime, ingestStageSeconds,
} from '../../core/metrics.js'
import { processEvent, sortFates } from '../pipeline.js'
import { nowTimestamp } from '../time.js'
import { FlowAssembler } from '../flow-assembly.js'
import type { DeadLetter } from '../fate.js'
import type { Mapping } from '../mapping.js'
import type { Privacy } from '../privacy.js'
import type { BatchWriter } from '../writer.js'
import { ensureTopics } from './client.js'
import { decodeMessage, encodeDeadLetter, type MessageDefaults } from './messages.js'

export interface WorkerOptions {
  kafka: Kafka
  config: Config
  writer: BatchWriter
  log: Logger
  /** Source assumed for messages without a pulse-source header. */
  defaultSource?: string
  /** Partitions of one worker processed at once; their rows share writer batches. */
  partitionsConsumedConcurrently?: number
  mapping?: Mapping
  /** Pseudonyms and IP truncation applied before rows, dead letters and the DLQ (null = off). */
  privacy?: Privacy | null
}

export interface IngestWorker {
  consumer: Consumer
  stop(): Promise<void>
}

const HEARTBEAT_EVERY_MS = 2_000
/**
 * Bytes fetched per partition at a time. A batch is normalised in one go on the event loop, and the writer's
 * steps (lookup, encode, spool, insert) each wait for a turn of it: 4 MiB batches (~110 ms each, four at once)
 * held the writer up between those steps, and the engine sat idle (issue 7: with the writer's early id lookup,
 * 1 worker 9.4-10.4k -> 10.3-11.8k events/s; each alone within noise). A larger message still comes whole: the
 * broker returns a partition's first record batch whatever the limit.
 */
export const FETCH_BYTES_PER_PARTITION = 512 * 1024
// Per-batch stage timers (bench/ingest.ts reads them to split a worker's time).
const stageNormalise = ingestStageSeconds.labels('normalise')
const stageAssemble = ingestStageSeconds.labels('assemble')
const stageCommit = ingestStageSeconds.labels('commit')

/**
 * Publishes a batch's dead letters, retrying until the DLQ topic takes them (or the consumer stops): given up,
 * the batch would stay uncommitted while a later batch of its partition commits past it, and its DLQ copies
 * would be lost for good (they are in the dead_letters table either way).
 */
async function sendDeadLetters(producer: Producer, topic: string, deadLetters: readonly DeadLetter[], log: Logger, running: () => boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await producer.send({ topic, acks: -1, messages: deadLetters.map(encodeDeadLetter) })
      return
    } catch (err) {
      if (!running()) throw err
      const delayMs = Math.min(30_000, 200 * 2 ** Math.min(attempt, 8))
      log.warn({ err: (err as Error).message, attempt, delayMs }, 'the DLQ topic refused dead letters; retrying')
      await new Promise((r) => setTimeout(r, delayMs))
    }
  }
}

/** Awaits `work`, sending group heartbeats meanwhile so a slow ClickHouse does not cost the membership. */
async function withHeartbeats<T>(work: Promise<T>, heartbeat: () => Promise<void>, log: Logger): Promise<T> {
  const timer = setInterval(() => {
    heartbeat().catch((err: Error) => log.warn({ err: err.message }, 'heartbeat failed while waiting for ClickHouse'))
  }, HEARTBEAT_EVERY_MS)
  try {
    return await work
  } finally {
    clearInterval(timer)
  }
}

export async function startIngestWorker(opts: WorkerOptions): Promise<IngestWorker> {
  const { kafka, config, writer, log } = opts
  const k = config.kafka
  await ensureTopics(kafka, k)
  const defaults: MessageDefaults = {
    source: opts.defaultSource ?? process.env.KAFKA_DEFAULT_SOURCE ?? 'auto',
    tenant: config.defaultTenant,
    maxBytes: config.http.maxBodyBytes,
  }
  const producer: Producer = kafka.producer()
  // One flow's events share a partition (keyed by flow or user), so one assembler per worker sees them all.
  const assembler = new FlowAssembler()
  const consumer = kafka.consumer({ groupId: k.groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxBytesPerPartition: FETCH_BYTES_PER_PARTITION })
  await producer.connect()
  await consumer.connect()
  await consumer.subscribe({ topics: [k.rawTopic], fromBeginning: true })

  let firstBatch = true
  const commitChains = new Map<string, Promise<void>>()
  const inFlight = new Set<Promise<void>>()
  // Rows handed to the writer and not yet stored (or refused); beyond the bound, eachBatch waits (memory).
  // Counted until stored, not until committed: a commit holds no rows, and waiting on the broker's
  // commit round trip as well left the thread idle between inserts (issue 7).
  let rowsInFlight = 0
  const storing = new Set<Promise<void>>()
  // Bumped at every (re)join of the group: batches fetched before it are not committed after it.
  let generation = 0
  // Per partition, bumped when a batch's rows could not be stored: the batches handed over after it must
  // not commit past it, so they are left uncommitted and the partition is fetched again from that batch.
  const partitionEpochs = new Map<string, number>()
  const maxRowsInFlight = 2 * config.batch.maxRows
  const eachBatch = async ({ batch, heartbeat, resolveOffset, isRunning, isStale }: EachBatchPayload) => {
    if (batch.isEmpty() || !isRunning() || isStale()) return
    if (firstBatch) {
      firstBatch = false
      ingestFirstBatchTime.set(Date.now() / 1000)
    }
    const t0 = performance.now()
    const ingestedAt = nowTimestamp()
    // Counted per batch and source, not per event: a labelled counter's lookup is not free at 10⁴ events/s.
    const perSource = new Map<string, number>()
    const fates = batch.messages.map((m) => {
      const raw = decodeMessage(m, batch.topic, batch.partition, defaults)
      perSource.set(raw.source, (perSource.get(raw.source) ?? 0) + 1)
      return processEvent(raw, ingestedAt, opts.mapping, opts.privacy)
    })
    for (const [source, n] of perSource) eventsConsumed.inc({ source }, n)
    const t1 = performance.now()
    const { rows, deadLetters, ignored } = sortFates(fates, assembler)
    stageNormalise.inc((t1 - t0) / 1000)
    stageAssemble.inc((performance.now() - t1) / 1000)
    // Hand the rows to the writer and let the next fetch start at once: the insert runs on the engine's
    // threads while this thread fetches and normalises the next batches, and the writer fills whole
    // batches (fewer, larger parts for ClickHouse to merge) without stalling the fetch loop (issue 7). The offset is
    // committed only once ClickHouse has the rows, in order per partition; a crash or a lost partition
    // before that redelivers the batch, which the writer's event_id check stores nothing of twice.
    const written = writer.write(rows, deadLetters)
    const size = rows.length + deadLetters.length
    rowsInFlight += size
    const settled = written.then(() => undefined, () => undefined)
    storing.add(settled)
    void settled.then(() => {
      storing.delete(settled)
      rowsInFlight -= size
    })
    // What the commit step logs, so that it keeps neither the rows nor the fetched messages alive.
    const messageCount = batch.messages.length
    const rowCount = rows.length
    const last = batch.lastOffset()
    resolveOffset(last)
    const { topic, partition } = batch
    const lag = Number(batch.offsetLag())
    const key = `${topic}/${partition}`
    const gen = generation
    const epoch = partitionEpochs.get(key) ?? 0
    const first = batch.firstOffset() ?? last
    const committed = (commitChains.get(key) ?? Promise.resolve()).then(async () => {
      try {
        await written
      } catch (err) {
        // Not stored (the writer was closed or gave up): fetch again from this batch, once per failure.
        if ((partitionEpochs.get(key) ?? 0) === epoch) {
          partitionEpochs.set(key, epoch + 1)
          if (gen === generation && isRunning()) consumer.seek({ topic, partition, offset: first })
        }
        throw err
      }
      // A rebalance since this batch was fetched: the partition may be someone else's now, and an old
      // offset committed late would move the group backwards. Leave it: the batch is redelivered from
      // the last commit (to us or the new owner) and its stored rows are found already stored.
      // An earlier batch of this partition failed to be stored: committing this one would pass it.
      if (gen !== generation || (partitionEpochs.get(key) ?? 0) !== epoch) return
      const t2 = performance.now()
      if (deadLetters.length > 0) {
        await sendDeadLetters(producer, k.dlqTopic, deadLetters, log, isRunning)
      }
      failpoint('worker-after-insert-before-commit')
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }])
      stageCommit.inc((performance.now() - t2) / 1000)
      ingestLastCommitTime.set(Date.now() / 1000)
      eventsIgnored.inc(ignored)
      for (const d of deadLetters) eventsRejected.inc({ reason_code: d.reason_code })
      consumerLag.set({ topic, partition: String(partition) }, lag)
      log.debug({ partition, messages: messageCount, rows: rowCount, rejected: deadLetters.length, ignored }, 'batch committed')
    }).catch((err: Error) => {
      // Not stored: fetched again (above). Stored but the commit failed (the broker went away, a rebalance):
      // the partition's next commit covers it, or it is redelivered and its rows are found already stored.
      log.warn({ err: err.message, topic, partition, offset: last }, 'batch not committed')
    })
    commitChains.set(key, committed)
    inFlight.add(committed)
    void committed.finally(() => { inFlight.delete(committed) })
    // Double buffering: one writer batch (PULSE_BATCH_MAX_ROWS) inserting while the next one fills;
    // beyond that, this partition waits for ClickHouse.
    while (rowsInFlight > maxRowsInFlight && storing.size > 0) await withHeartbeats(Promise.race(storing), heartbeat, log)
  }

  consumer.on(consumer.events.GROUP_JOIN, () => { generation++ })
  consumer.on(consumer.events.CRASH, (e) => log.error({ err: e.payload.error?.message, restart: e.payload.restart }, 'consumer crashed'))
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 4,
    eachBatch,
  })
  log.info({ topic: k.rawTopic, group: k.groupId, brokers: k.brokers }, 'ingest worker consuming')

  // Flows whose final event never came are stored once their window passes, even when the topic is quiet.
  const expiry = setInterval(() => {
    const rows = assembler.expire()
    if (rows.length > 0) writer.write(rows).catch((err: Error) => log.error({ err: err.message }, 'storing expired flows failed'))
  }, 30_000)
  expiry.unref()

  let stopping: Promise<void> | null = null
  return {
    consumer,
    stop: () => {
      stopping ??= (async () => {
        // Write what is pending at once, so the batches in flight finish, commit, and the group is left.
        clearInterval(expiry)
        void writer.flush()
        // Stop fetching, let the batches handed over be stored and committed while the group is still
        // ours, then leave it (a batch that slips in after this is redelivered to the next owner).
        consumer.pause([{ topic: k.rawTopic }])
        while (inFlight.size > 0) {
          await writer.flush()
          await Promise.all(inFlight)
        }
        await consumer.disconnect()
        await Promise.all(inFlight)
        const unfinished = assembler.drain()
        if (unfinished.length > 0) await Promise.all([writer.write(unfinished), writer.flush()])
        await writer.close()
        await producer.disconnect()
        log.info('ingest worker stopped')
      })()
      return stopping
    },
  }
}
