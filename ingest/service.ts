// The in-process ingest path (embedded mode, `import`, `demo`): raw events → fates → writer,
// resolving once everything is durable. The Kafka worker composes the same pieces itself.
import { eventsConsumed, eventsIgnored, eventsRejected } from '../core/metrics.js'
import type { RawEvent } from './fate.js'
import { FlowAssembler } from './flow-assembly.js'
import type { Mapping } from './mapping.js'
import { processEvent, sortFates } from './pipeline.js'
import type { Privacy } from './privacy.js'
import { nowTimestamp } from './time.js'
import type { BatchWriter, WriteReceipt } from './writer.js'

export interface IngestSummary {
  /** Raw events received. */
  received: number
  /** Rows written (one raw event can become several rows, or none). */
  stored: number
  /** Rows already stored before (same event_id): not written again. */
  duplicates: number
  ignored: number
  rejected: number
  /** First few rejections, for the caller to show. */
  rejections: { index: number; code: string; reason: string }[]
}

export const emptySummary = (): IngestSummary => ({ received: 0, stored: 0, duplicates: 0, ignored: 0, rejected: 0, rejections: [] })

export function addSummary(into: IngestSummary, s: IngestSummary, maxRejections = 20): IngestSummary {
  into.received += s.received
  into.stored += s.stored
  into.duplicates += s.duplicates
  into.ignored += s.ignored
  into.rejected += s.rejected
  for (const r of s.rejections) if (into.rejections.length < maxRejections) into.rejections.push(r)
  return into
}

export interface IngestServiceOptions {
  mapping?: Mapping
  assembler?: FlowAssembler
  /** Pseudonyms and IP truncation (ingest/privacy.ts); null or absent = off. */
  privacy?: Privacy | null
}

export class IngestService {
  readonly assembler: FlowAssembler
  private readonly mapping?: Mapping
  private readonly privacy?: Privacy | null

  constructor(private readonly writer: BatchWriter, opts: IngestServiceOptions = {}) {
    this.assembler = opts.assembler ?? new FlowAssembler()
    this.mapping = opts.mapping
    this.privacy = opts.privacy
  }

  async ingest(raws: readonly RawEvent[], maxRejections = 20): Promise<IngestSummary> {
    const ingestedAt = nowTimestamp()
    const fates = raws.map((raw) => {
      eventsConsumed.inc({ source: raw.source })
      return processEvent(raw, ingestedAt, this.mapping, this.privacy)
    })
    const rejections: IngestSummary['rejections'] = []
    fates.forEach((f, index) => {
      if (f.kind === 'rejected') {
        eventsRejected.inc({ reason_code: f.deadLetter.reason_code })
        if (rejections.length < maxRejections) rejections.push({ index, code: f.deadLetter.reason_code, reason: f.deadLetter.reason })
      }
    })
    const { rows, deadLetters, ignored } = sortFates(fates, this.assembler)
    eventsIgnored.inc(ignored)
    const receipt = await this.writer.write(rows, deadLetters)
    return { received: raws.length, stored: receipt.stored, duplicates: receipt.duplicates, ignored, rejected: deadLetters.length, rejections }
  }

  flush(): Promise<void> {
    return this.writer.flush()
  }

  /** Stores the flows whose window has passed; the embedded server calls it on a timer. */
  async expireFlows(): Promise<number> {
    const rows = this.assembler.expire()
    if (rows.length > 0) await this.writer.write(rows)
    return rows.length
  }

  /** Stores every unfinished flow as what it says (end of a file, shutdown) and writes what is pending. */
  async drain(): Promise<WriteReceipt> {
    const rows = this.assembler.drain()
    const [receipt] = await Promise.all([this.writer.write(rows), this.writer.flush()])
    return receipt
  }
}
