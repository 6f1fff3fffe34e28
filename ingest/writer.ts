// Batching writer: gathers rows and dead letters from any number of callers and writes them to
// ClickHouse at `maxRows` rows or `maxMs` after the first one, whichever comes first; when `maxMs` passes
// while an earlier batch is still being written, the batch keeps filling until that write ends (group
// commit: it could not start sooner, and larger inserts cost the engine less per row). A caller's
// promise settles only once ClickHouse has accepted its rows, which is when a Kafka consumer may
// commit. Rows whose event_id is already stored are not inserted again (see migration 001): a batch's
// id lookup starts when the batch is cut, while the batches ahead of it are still being inserted, and
// their ids are checked in memory once they are stored.
import { createHash } from 'node:crypto'
import { failpointOutage } from '../core/failpoints.js'
import type { Logger } from '../core/logger.js'
import { batchInsertSeconds, batchRows, eventsDuplicate, eventsStored, ingestStageSeconds, writeRetries } from '../core/metrics.js'
import { AUTH_EVENT_COLUMNS, type AuthEvent } from '../schemas/auth-event.js'
import { insertTabSeparated, type ClickHouseClient } from '../store/clickhouse.js'
import { encodeTabSeparated, tabSeparatedLines } from '../store/tsv.js'
import type { DeadLetter } from './fate.js'

export interface WriterOptions {
  maxRows: number
  maxMs: number
  log?: Logger
  /** Attempts per batch before its callers get the error; Infinity for the Kafka worker, which must not skip. */
  maxAttempts?: number
  /**
   * Told of every row once ClickHouse has it, in batch order, duplicates left out: the hook for what
   * reacts to stored events (per-event alert rules). Must not throw; it is not awaited.
   */
  onInserted?: (rows: readonly AuthEvent[]) => void
}

export interface WriteReceipt {
  stored: number
  duplicates: number
}

interface Waiter {
  start: number
  count: number
  resolve: (r: WriteReceipt) => void
  reject: (e: Error) => void
}

interface Pending {
  rows: AuthEvent[]
  deadLetters: DeadLetter[]
  waiters: Waiter[]
}

/** A batch cut for writing. */
interface Cut extends Pending {
  /** Stored ids among the rows, looked up as the batch was cut; rejected if that lookup failed. */
  lookup: Promise<Set<string>>
  /** The batches cut before this one and not yet settled when its lookup started: their rows were invisible to it. */
  ahead: Cut[]
  /** Every row stored (or found stored), or the batch given up on (its rows may be partly stored). */
  outcome: 'pending' | 'stored' | 'failed'
}

// Ids per lookup query. Each query costs a fixed tens of milliseconds in embedded chDB whatever it reads
// (issue 7: four 5,000-id lookups cost more than one of 20,000), so a writer batch is one lookup.
const ID_LOOKUP_CHUNK = 50_000
/**
 * Settings of every auth_events insert besides its token. The rollup views run side by side rather than one
 * after another: about the same CPU, 1.13× the rows per second on vendor-shaped rows (issue 7, BENCHMARKS.md).
 */
export const AUTH_EVENTS_INSERT_SETTINGS = { parallel_view_processing: '1' } as const
const stageDedupe = ingestStageSeconds.labels('dedupe')
const stageInsert = ingestStageSeconds.labels('insert')
const stageAlerts = ingestStageSeconds.labels('alerts')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class BatchWriter {
  private pending: Pending = { rows: [], deadLetters: [], waiters: [] }
  private timer: NodeJS.Timeout | null = null
  private chain: Promise<void> = Promise.resolve()
  /** Batches cut and not yet settled, oldest first. */
  private writing: Cut[] = []
  /** maxMs passed while a batch was being written: cut the pending one when the writes end. */
  private due = false
  private closed = false

  constructor(private readonly client: ClickHouseClient, private readonly opts: WriterOptions) {}

  /** Resolves when every row is stored (or found already stored) and every dead letter is written. */
  write(rows: readonly AuthEvent[], deadLetters: readonly DeadLetter[] = []): Promise<WriteReceipt> {
    if (this.closed) return Promise.reject(new Error('writer is closed'))
    if (rows.length === 0 && deadLetters.length === 0) return Promise.resolve({ stored: 0, duplicates: 0 })
    return new Promise<WriteReceipt>((resolve, reject) => {
      const p = this.pending
      p.waiters.push({ start: p.rows.length, count: rows.length, resolve, reject })
      for (const r of rows) p.rows.push(r)
      for (const d of deadLetters) p.deadLetters.push(d)
      if (p.rows.length + p.deadLetters.length >= this.opts.maxRows) void this.flush()
      else this.timer ??= setTimeout(() => this.onMaxMs(), this.opts.maxMs)
    })
  }

  private onMaxMs(): void {
    this.timer = null
    if (this.writing.length > 0) this.due = true
    else void this.flush()
  }

  /** Writes what is pending now; resolves when that batch (and any before it) is settled. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.due = false
    const p = this.pending
    if (p.waiters.length === 0) return this.chain
    this.pending = { rows: [], deadLetters: [], waiters: [] }
    // The lookup runs beside the inserts ahead (issue 7: one after the other, it held the writer ~20 % of
    // the time); unhandled until writeBatch reads it, so a failure there is only a reason to look again.
    const lookup = this.storedIds(p.rows)
    lookup.catch(() => undefined)
    const batch: Cut = { ...p, lookup, ahead: [...this.writing], outcome: 'pending' }
    this.writing.push(batch)
    this.chain = this.chain.then(() => this.writeBatch(batch)).finally(() => {
      this.writing.splice(this.writing.indexOf(batch), 1)
      batch.ahead = [] // settled: what it held is no longer needed
      if (this.writing.length === 0 && this.due) void this.flush()
    })
    return this.chain
  }

  async close(): Promise<void> {
    await this.flush()
    this.closed = true
  }

  private async writeBatch(batch: Cut): Promise<void> {
    const maxAttempts = this.opts.maxAttempts ?? 5
    for (let attempt = 1; ; attempt++) {
      try {
        const started = performance.now()
        const isDuplicate = await this.insert(batch, attempt === 1)
        batchInsertSeconds.observe((performance.now() - started) / 1000)
        for (const w of batch.waiters) {
          let duplicates = 0
          for (let i = w.start; i < w.start + w.count; i++) if (isDuplicate[i]) duplicates++
          w.resolve({ stored: w.count - duplicates, duplicates })
        }
        batch.outcome = 'stored'
        return
      } catch (err) {
        const error = err as Error
        if (attempt >= maxAttempts || this.closed) {
          this.opts.log?.error({ err: error, rows: batch.rows.length }, 'ClickHouse write failed; giving up on this batch')
          batch.outcome = 'failed'
          for (const w of batch.waiters) w.reject(error)
          return
        }
        writeRetries.inc()
        const delay = Math.min(30_000, 100 * 2 ** Math.min(attempt, 9))
        this.opts.log?.warn({ err: error.message, attempt, delayMs: delay }, 'ClickHouse write failed; retrying')
        await sleep(delay)
      }
    }
  }

  /** Inserts the batch; returns, per row, whether it was a duplicate and so not inserted. */
  private async insert(batch: Cut, firstAttempt: boolean): Promise<boolean[]> {
    failpointOutage('clickhouse-insert') // tests only: ClickHouse refusing writes for a while
    const { rows, deadLetters } = batch
    // Dead letters first: were the rows' insert to fail after that, a retry finds the dead letters
    // written already (collapsed by their id) and the rows not yet stored.
    const t0 = performance.now()
    if (deadLetters.length > 0) {
      // A token of its own: embedded chDB keeps a query's settings for the session, so without one this insert
      // would carry the last auth_events token and a second dead-letter batch would be dropped as a duplicate.
      await this.client.insert({ table: 'dead_letters', values: deadLetters, format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: deadLetterToken(deadLetters) } })
    }
    const t1 = performance.now()
    const isDuplicate = await this.findDuplicates(batch, firstAttempt)
    const fresh = rows.filter((_, i) => !isDuplicate[i])
    const t2 = performance.now()
    stageDedupe.inc((t2 - t1) / 1000)
    if (fresh.length > 0) {
      // TabSeparated, not JSONEachRow: about half the engine's CPU per row (issue 7, BENCHMARKS.md).
      // The same batch retried after a lost acknowledgement is dropped by ClickHouse itself.
      await insertTabSeparated(this.client, 'auth_events', AUTH_EVENT_COLUMNS, encodeTabSeparated(fresh, AUTH_EVENT_COLUMNS), { insert_deduplication_token: batchToken(fresh), ...AUTH_EVENTS_INSERT_SETTINGS })
      batchRows.observe(fresh.length)
    }
    const t3 = performance.now()
    stageInsert.inc((t1 - t0 + t3 - t2) / 1000)
    eventsStored.inc(fresh.length)
    eventsDuplicate.inc(rows.length - fresh.length)
    if (fresh.length > 0 && this.opts.onInserted) {
      try {
        this.opts.onInserted(fresh)
      } catch (err) {
        this.opts.log?.error({ err }, 'onInserted hook failed')
      }
      stageAlerts.inc((performance.now() - t3) / 1000)
    }
    return isDuplicate
  }

  /**
   * Per row, whether its event_id is stored already or earlier in the batch. The lookup made as the batch was
   * cut holds when every batch ahead of it was stored in full: their ids are then checked here. Otherwise (one
   * was given up on, and may be partly stored), on a retry, or when that lookup failed, the ids are looked up again.
   */
  private async findDuplicates(batch: Cut, firstAttempt: boolean): Promise<boolean[]> {
    const { rows } = batch
    const isDuplicate = new Array<boolean>(rows.length).fill(false)
    if (rows.length === 0) return isDuplicate
    const prefetched = firstAttempt && batch.ahead.every((b) => b.outcome === 'stored')
    const stored = prefetched ? await batch.lookup.catch(() => this.storedIds(rows)) : await this.storedIds(rows)
    if (prefetched) for (const b of batch.ahead) for (const r of b.rows) stored.add(r.event_id)
    const seen = new Set<string>()
    rows.forEach((r, i) => {
      if (seen.has(r.event_id) || stored.has(r.event_id)) isDuplicate[i] = true
      seen.add(r.event_id)
    })
    return isDuplicate
  }

  /** The event_ids among `rows` that auth_events holds now. */
  private async storedIds(rows: readonly AuthEvent[]): Promise<Set<string>> {
    const stored = new Set<string>()
    if (rows.length === 0) return stored
    const tenants = new Set<string>()
    let minTs = rows[0]!.ts
    let maxTs = minTs
    for (const r of rows) {
      tenants.add(r.tenant)
      if (r.ts < minTs) minTs = r.ts
      if (r.ts > maxTs) maxTs = r.ts
    }
    const params = { tenants: [...tenants], from: minTs, to: maxTs }
    const range = `tenant IN {tenants:Array(String)} AND ts BETWEEN {from:DateTime64(3, 'UTC')} AND {to:DateTime64(3, 'UTC')}`
    // A copy of an event has the event's own ts: only rows no later than the newest stored ts in the
    // batch's range can be copies. Fresh data (a backfill, a live stream moving forward) skips the
    // id lookup, which is the expensive part.
    const newest = await this.client.query({ query: `SELECT toString(max(ts)) AS t, count() AS n FROM auth_events WHERE ${range}`, query_params: params, format: 'JSONEachRow' })
    const [span] = await newest.json<{ t: string; n: string | number }>()
    if (!span || Number(span.n) === 0) return stored
    // Candidates in time order, looked up chunk by chunk with each chunk's own time range: ClickHouse
    // skips every part whose ts range (the partition key's min/max) misses it, so a lookup reads the
    // few recent parts a live stream overlaps instead of the whole day (issue 7: this lookup cost as
    // much engine time as the insert).
    const candidates = rows.filter((r) => r.ts <= span.t).sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
    for (let i = 0; i < candidates.length; i += ID_LOOKUP_CHUNK) {
      const chunk = candidates.slice(i, i + ID_LOOKUP_CHUNK)
      // The ids as one TabSeparated text read by format(), not an Array(String) parameter: the engine
      // parses a 20,000-element array literal at about twice the CPU of the same ids as TSV lines.
      const rs = await this.client.query({
        query: `SELECT event_id FROM auth_events WHERE ${range} AND event_id IN (SELECT id FROM format(TabSeparated, 'id String', {ids:String}))`,
        query_params: { ...params, from: chunk[0]!.ts, to: chunk[chunk.length - 1]!.ts, ids: tabSeparatedLines(new Set(chunk.map((r) => r.event_id))) },
        format: 'JSONCompactEachRow',
      })
      for (const [id] of await rs.json<[string]>()) stored.add(id)
    }
    return stored
  }
}

function deadLetterToken(deadLetters: readonly DeadLetter[]): string {
  const h = createHash('sha256').update('dead_letters')
  for (const d of deadLetters) h.update(d.dead_letter_id)
  return h.digest('hex')
}

function batchToken(rows: readonly AuthEvent[]): string {
  const h = createHash('sha256')
  for (const r of rows) h.update(r.event_id)
  return h.digest('hex')
}
