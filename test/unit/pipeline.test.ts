import { describe, expect, it } from 'vitest'
import type { KafkaMessage } from 'kafkajs'
import { splitNdjson } from '../../ingest/collector.js'
import { decodeMessage, encodeDeadLetter, encodeRawMessage } from '../../ingest/kafka/messages.js'
import { MAX_DEAD_LETTER_PAYLOAD, processEvent, sortFates } from '../../ingest/pipeline.js'
import { partitionKey } from '../../ingest/sinks.js'
import { nativeLogin } from '../helpers/events.js'

const at = '2026-11-01 00:00:00.000'
const msg = (value: Buffer | string | null, headers: KafkaMessage['headers'] = {}, offset = '7'): KafkaMessage => ({
  key: null, value: typeof value === 'string' ? Buffer.from(value) : value, headers, offset, timestamp: '0', attributes: 0, size: 0,
} as unknown as KafkaMessage)
const defaults = { source: 'auto', tenant: 'default', maxBytes: 1024 }

describe('pipeline fates', () => {
  it('stores a valid native event under the sender tenant, whatever the payload says', () => {
    const f = processEvent({ payload: nativeLogin({ tenant: 'someone-else' }), source: 'native', tenant: 'acme' }, at)
    expect(f.kind).toBe('accepted')
    if (f.kind === 'accepted') expect(f.rows[0]!.tenant).toBe('acme')
  })

  it('detects the native shape with source auto', () => {
    expect(processEvent({ payload: nativeLogin(), source: 'auto', tenant: 't' }, at).kind).toBe('accepted')
  })

  it('dead-letters what nothing recognises, with the reason and origin', () => {
    const f = processEvent({ payload: { hello: 'world' }, source: 'auto', tenant: 't', origin: { topic: 'raw', partition: 2, offset: '99' } }, at)
    expect(f.kind).toBe('rejected')
    if (f.kind !== 'rejected') return
    expect(f.deadLetter).toMatchObject({
      reason_code: 'unrecognised', tenant: 't', source: 'auto', payload: '{"hello":"world"}',
      kafka_topic: 'raw', kafka_partition: 2, kafka_offset: '99', received_at: at,
    })
    expect(f.deadLetter.reason).toMatch(/matches no known source/)
  })

  it('dead-letters an unknown source by name', () => {
    const f = processEvent({ payload: {}, source: 'myspace', tenant: 't' }, at)
    expect(f.kind === 'rejected' && f.deadLetter.reason_code).toBe('unknown_source')
  })

  it('gives one dead letter id per Kafka origin, and per payload otherwise', () => {
    const origin = { topic: 'raw', partition: 0, offset: '1' }
    const a = processEvent({ payload: 'x', parseError: 'bad', source: 'auto', tenant: 't', origin }, at)
    const b = processEvent({ payload: 'x', parseError: 'bad', source: 'auto', tenant: 't', origin }, '2027-01-01 00:00:00.000')
    const c = processEvent({ payload: 'x', parseError: 'bad', source: 'auto', tenant: 't', origin: { ...origin, offset: '2' } }, at)
    const d = processEvent({ payload: 'x', parseError: 'bad', source: 'auto', tenant: 't' }, at)
    const ids = [a, b, c, d].map((f) => (f.kind === 'rejected' ? f.deadLetter.dead_letter_id : ''))
    expect(ids[0]).toBe(ids[1])
    expect(new Set(ids).size).toBe(3)
  })

  it('cuts huge payloads in dead letters and says so', () => {
    const f = processEvent({ payload: 'y'.repeat(MAX_DEAD_LETTER_PAYLOAD + 10), parseError: 'not JSON', source: 'native', tenant: 't' }, at)
    expect(f.kind === 'rejected' && f.deadLetter.payload.length).toBe(MAX_DEAD_LETTER_PAYLOAD)
    expect(f.kind === 'rejected' && f.deadLetter.reason).toMatch(/cut to/)
  })

  it('sorts fates into rows, dead letters and an ignored count', () => {
    const fates = [
      processEvent({ payload: nativeLogin(), source: 'native', tenant: 't' }, at),
      processEvent({ payload: 'nope', parseError: 'x', source: 'native', tenant: 't' }, at),
      { kind: 'ignored' as const, reason: 'admin event' },
    ]
    const s = sortFates(fates)
    expect([s.rows.length, s.deadLetters.length, s.ignored]).toEqual([1, 1, 1])
  })

  it('keys Kafka messages by flow, else user', () => {
    expect(partitionKey({ payload: nativeLogin({ flow_id: 'f-1', user_id: 'a@b.c' }), source: 'native', tenant: 't' })).toBe('f-1')
    expect(partitionKey({ payload: nativeLogin({ user_id: 'a@b.c' }), source: 'native', tenant: 't' })).toBe('a@b.c')
    expect(partitionKey({ payload: { nope: 1 }, source: 'native', tenant: 't' })).toBeNull()
  })
})

describe('Kafka message codec', () => {
  it('decodes JSON with source and tenant from headers', () => {
    const r = decodeMessage(msg('{"a":1}', { 'pulse-source': 'okta', 'pulse-tenant': 'acme' }), 'raw', 3, defaults)
    expect(r).toEqual({ payload: { a: 1 }, text: '{"a":1}', source: 'okta', tenant: 'acme', origin: { topic: 'raw', partition: 3, offset: '7' } })
  })

  it('falls back to the defaults without headers', () => {
    expect(decodeMessage(msg('{}'), 'raw', 0, defaults)).toMatchObject({ source: 'auto', tenant: 'default' })
  })

  it.each([
    ['empty', msg(null), /empty message/],
    ['not JSON', msg('{oops'), /not JSON/],
    ['invalid UTF-8', msg(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /not valid UTF-8/],
    ['too large', msg('x'.repeat(2000)), /exceeds 1024/],
  ])('marks %s messages for rejection', (_n, m, reason) => {
    const r = decodeMessage(m, 'raw', 0, defaults)
    expect(r.parseError).toMatch(reason)
  })

  it('encodes raw events and dead letters with their headers', () => {
    const m = encodeRawMessage({ a: 1 }, 'entra', 'acme', 'user@x')
    expect(m).toEqual({ key: 'user@x', value: '{"a":1}', headers: { 'pulse-source': 'entra', 'pulse-tenant': 'acme' } })
    const f = processEvent({ payload: 'bad', parseError: 'not JSON: x', source: 'okta', tenant: 'acme', origin: { topic: 'raw', partition: 1, offset: '5' } }, at)
    if (f.kind !== 'rejected') throw new Error('expected a rejection')
    expect(encodeDeadLetter(f.deadLetter).headers).toEqual({
      'pulse-reason-code': 'invalid_json', 'pulse-reason': 'not JSON: x', 'pulse-source': 'okta', 'pulse-tenant': 'acme',
      'pulse-origin-topic': 'raw', 'pulse-origin-partition': '1', 'pulse-origin-offset': '5',
    })
  })
})

describe('NDJSON bodies', () => {
  it('splits lines, skips blanks and marks lines that are not JSON', () => {
    const items = splitNdjson('{"a":1}\n\n  \r\n{"b":2}\r\nnot json\n\u001e{"c":3}')
    expect(items.map((i) => i.payload)).toEqual([{ a: 1 }, { b: 2 }, 'not json', { c: 3 }])
    expect(items[2]!.parseError).toMatch(/not JSON/)
    expect(items.filter((i) => i.parseError)).toHaveLength(1)
  })
})
