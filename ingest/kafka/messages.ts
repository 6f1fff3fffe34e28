// The raw-topic message format: the vendor's payload untouched as the value (JSON), its source and
// tenant in headers, keyed by user or flow so that one person's events stay in order on one partition.
import type { IHeaders, KafkaMessage, Message } from 'kafkajs'
import type { DeadLetter, RawEvent } from '../fate.js'

export const HEADER_SOURCE = 'pulse-source'
export const HEADER_TENANT = 'pulse-tenant'

export interface MessageDefaults {
  source: string
  tenant: string
  maxBytes: number
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name]
  if (v === undefined) return undefined
  const one = Array.isArray(v) ? v[0] : v
  return one === undefined ? undefined : one.toString()
}

export function decodeMessage(m: KafkaMessage, topic: string, partition: number, d: MessageDefaults): RawEvent {
  const tenant = header(m.headers, HEADER_TENANT)
  const raw: RawEvent = {
    payload: null,
    source: header(m.headers, HEADER_SOURCE) || d.source,
    tenant: tenant || d.tenant,
    origin: { topic, partition, offset: m.offset },
  }
  if (!tenant) raw.tenantMappable = true
  const value = m.value
  if (!value || value.length === 0) return { ...raw, payload: '', parseError: 'empty message' }
  if (value.length > d.maxBytes) {
    return { ...raw, payload: value.subarray(0, 1024).toString('latin1'), parseError: `message of ${value.length} bytes exceeds ${d.maxBytes}` }
  }
  let text: string
  try {
    text = utf8.decode(value)
  } catch {
    return { ...raw, payload: value.toString('base64'), parseError: 'message is not valid UTF-8 (payload kept as base64)' }
  }
  try {
    return { ...raw, payload: JSON.parse(text), text }
  } catch (err) {
    return { ...raw, payload: text, parseError: `not JSON: ${(err as Error).message}` }
  }
}

export function encodeRawMessage(payload: unknown, source: string, tenant: string, key: string | null): Message {
  return {
    key,
    value: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { [HEADER_SOURCE]: source, [HEADER_TENANT]: tenant },
  }
}

/**
 * Bytes of a payload a dead letter carries on the DLQ topic. A topic takes 1 MB messages unless configured
 * otherwise, and a dead letter that does not fit would never leave the worker; the dead_letters table keeps more.
 */
export const DLQ_MAX_VALUE_BYTES = 512 * 1024

/** A dead letter on the DLQ topic: the original bytes as value (cut to DLQ_MAX_VALUE_BYTES), the reason and origin in headers. */
export function encodeDeadLetter(d: DeadLetter): Message {
  const headers: IHeaders = {
    'pulse-reason-code': d.reason_code,
    'pulse-reason': d.reason,
    [HEADER_SOURCE]: d.source,
    [HEADER_TENANT]: d.tenant,
  }
  if (d.kafka_topic) {
    headers['pulse-origin-topic'] = d.kafka_topic
    headers['pulse-origin-partition'] = String(d.kafka_partition)
    headers['pulse-origin-offset'] = String(d.kafka_offset)
  }
  let value = Buffer.from(d.payload, 'utf8')
  if (value.length > DLQ_MAX_VALUE_BYTES) {
    headers['pulse-payload-cut'] = `${value.length} bytes cut to ${DLQ_MAX_VALUE_BYTES}`
    value = value.subarray(0, DLQ_MAX_VALUE_BYTES)
  }
  return { key: d.dead_letter_id, value, headers }
}
