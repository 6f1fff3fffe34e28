// Source → normaliser → row check: decides the fate of one raw event. Pure apart from the clock;
// the Kafka loop, the collector and `import` all call this and hand the fates to the writer.
import type { AuthEvent } from '../schemas/auth-event.js'
import { type DeadLetter, type EventFate, type RawEvent, type RejectCode } from './fate.js'
import { deriveDeadLetterId } from './ids.js'
import type { AssemblyInput, FlowAssembler } from './flow-assembly.js'
import type { Mapping } from './mapping.js'
import type { Privacy } from './privacy.js'
import { normalize } from './normalizers/index.js'
import { wellFormed } from './normalizers/fields.js'
import { rowError } from './validate.js'

/** Dead letters keep at most this much of a payload (the reason says it was cut). */
export const MAX_DEAD_LETTER_PAYLOAD = 1024 * 1024

export function payloadText(payload: unknown): string {
  if (typeof payload === 'string') return payload
  try {
    return JSON.stringify(payload) ?? String(payload)
  } catch {
    return String(payload)
  }
}

export function toDeadLetter(raw: RawEvent, code: RejectCode, reason: string, receivedAt: string): DeadLetter {
  let payload = payloadText(raw.payload)
  if (payload.length > MAX_DEAD_LETTER_PAYLOAD) {
    reason = `${reason} (payload of ${payload.length} characters cut to ${MAX_DEAD_LETTER_PAYLOAD})`
    payload = payload.slice(0, MAX_DEAD_LETTER_PAYLOAD)
  }
  // A reason quotes the payload: both as well-formed text, or ClickHouse refuses the whole batch.
  payload = wellFormed(payload)
  reason = wellFormed(reason)
  const o = raw.origin
  return {
    dead_letter_id: deriveDeadLetterId(o ? ['kafka', o.topic, o.partition, o.offset] : ['payload', raw.source, raw.tenant, payload]),
    received_at: receivedAt,
    tenant: raw.tenant,
    source: raw.source,
    reason_code: code,
    reason,
    payload,
    kafka_topic: o?.topic ?? '',
    kafka_partition: o ? o.partition : null,
    kafka_offset: o ? o.offset : null,
  }
}

/**
 * The fate of one raw event. With `privacy` (docs/PRIVACY.md), the fate is made safe to store here, after
 * normalisation and mapping (which match plain user keys) and before any writer, DLQ or alert sees it.
 */
export function processEvent(raw: RawEvent, ingestedAt: string, mapping?: Mapping, privacy?: Privacy | null): EventFate {
  // With privacy on, `raw` is the scrubbed re-serialisation of the payload (the scrubber's patterns
  // assume JSON.stringify's form); without, the received text as it came.
  const fate = judge(raw, ingestedAt, mapping, !privacy)
  return privacy ? privacy.apply(fate) : fate
}

function judge(raw: RawEvent, ingestedAt: string, mapping: Mapping | undefined, keepText: boolean): EventFate {
  if (raw.parseError !== undefined) {
    return { kind: 'rejected', deadLetter: toDeadLetter(raw, 'invalid_json', raw.parseError, ingestedAt) }
  }
  const received = keepText && raw.text !== undefined ? { payload: raw.payload, text: raw.text } : undefined
  const result = normalize(raw.source, raw.payload, { tenant: raw.tenant, tenantMappable: raw.tenantMappable, ingestedAt, mapping, received })
  switch (result.kind) {
    case 'ignored':
      return result
    case 'rejected':
      return { kind: 'rejected', deadLetter: toDeadLetter(raw, result.code, result.reason, ingestedAt) }
    case 'accepted': {
      for (const row of result.rows) {
        const error = rowError(row)
        if (error) return { kind: 'rejected', deadLetter: toDeadLetter(raw, 'invalid_row', error, ingestedAt) }
      }
      for (const step of result.steps ?? []) {
        const error = step.standalone ? rowError(step.standalone) : null
        if (error) return { kind: 'rejected', deadLetter: toDeadLetter(raw, 'invalid_row', `standalone row of a flow step: ${error}`, ingestedAt) }
      }
      // The transport's tenant keys flow assembly, for steps and final rows alike.
      return { ...result, tenant: raw.tenant }
    }
  }
}

/** Tally of fates, as reported by import, the collector and the demo. */
export interface FateCounts {
  received: number
  stored: number
  ignored: number
  rejected: number
}

export interface SortedFates {
  rows: AuthEvent[]
  deadLetters: DeadLetter[]
  ignored: number
}

/**
 * Splits fates into rows to store, dead letters and an ignored count. With an assembler, the rows go
 * through flow assembly first (steps held, final logins enriched); without one, steps are dropped and
 * only rows count, which is what tests of single events want.
 */
export function sortFates(fates: Iterable<EventFate>, assembler?: FlowAssembler): SortedFates {
  const deadLetters: DeadLetter[] = []
  const inputs: AssemblyInput[] = []
  let ignored = 0
  for (const f of fates) {
    if (f.kind === 'accepted') inputs.push(f)
    else if (f.kind === 'rejected') deadLetters.push(f.deadLetter)
    else ignored++
  }
  const rows = assembler ? assembler.assemble(inputs) : inputs.flatMap((x) => x.rows)
  return { rows, deadLetters, ignored }
}
