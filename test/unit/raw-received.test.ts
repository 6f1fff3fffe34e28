// The `raw` column keeps a Kafka message's bytes as they came (no re-serialisation of the parsed
// payload), for every vendor shape; with a privacy control on, it is the scrubbed re-serialisation.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { KafkaMessage } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import type { EventFate } from '../../ingest/fate.js'
import { decodeMessage } from '../../ingest/kafka/messages.js'
import { completeRow } from '../../ingest/normalizers/row.js'
import { processEvent } from '../../ingest/pipeline.js'
import { createPrivacy } from '../../ingest/privacy.js'
import type { AuthEvent } from '../../schemas/auth-event.js'
import { ONE_PER_SOURCE } from '../helpers/events.js'

const at = '2026-11-01 00:00:00.000'
const defaults = { source: 'auto', tenant: 'default', maxBytes: 1024 * 1024 }
const message = (value: Buffer, source: string): KafkaMessage => ({
  key: null, value, headers: { 'pulse-source': Buffer.from(source) }, offset: '3', timestamp: '0', attributes: 0, size: 0,
} as unknown as KafkaMessage)

function rowsOf(f: EventFate): AuthEvent[] {
  if (f.kind !== 'accepted') throw new Error(`expected rows, got ${f.kind}: ${JSON.stringify(f)}`)
  return [...f.rows, ...(f.steps ?? []).flatMap((s) => (s.standalone ? [s.standalone] : []))]
}

describe('raw column: the received bytes', () => {
  for (const [source, file] of Object.entries(ONE_PER_SOURCE)) {
    it(`keeps a ${source} message byte for byte (pretty-printed, as the fixture file is)`, () => {
      const bytes = readFileSync(join('test/fixtures', source, file))
      const raw = decodeMessage(message(bytes, source), 'raw', 0, defaults)
      const rows = rowsOf(processEvent(raw, at))
      expect(rows.length).toBeGreaterThan(0)
      for (const r of rows) expect(Buffer.from(r.raw, 'utf8').equals(bytes)).toBe(true)
      // The point of the change: a re-serialisation would have differed (the fixtures are indented).
      expect(JSON.stringify(JSON.parse(bytes.toString('utf8')))).not.toBe(bytes.toString('utf8'))
    })
  }

  it('keeps escapes, number forms, key order and non-ASCII text exactly as sent', () => {
    const text = JSON.stringify(JSON.parse(readFileSync(join('test/fixtures/okta', ONE_PER_SOURCE.okta!), 'utf8')))
      .replace('{', '{"zz_extra" : 1.50, "esc": "\\u0041\\/\\u00e9 café 🔑",\t')
    const bytes = Buffer.from(`${text}\n`, 'utf8')
    const rows = rowsOf(processEvent(decodeMessage(message(bytes, 'okta'), 'raw', 0, defaults), at))
    for (const r of rows) expect(Buffer.from(r.raw, 'utf8').equals(bytes)).toBe(true)
  })

  it('gives the same event_id whatever the formatting (ids come from the payload, not the text)', () => {
    const pretty = readFileSync(join('test/fixtures/auth0', ONE_PER_SOURCE.auth0!))
    const compact = Buffer.from(JSON.stringify(JSON.parse(pretty.toString('utf8'))))
    const a = rowsOf(processEvent(decodeMessage(message(pretty, 'auth0'), 'raw', 0, defaults), at))
    const b = rowsOf(processEvent(decodeMessage(message(compact, 'auth0'), 'raw', 1, defaults), at))
    expect(a.map((r) => r.event_id)).toEqual(b.map((r) => r.event_id))
    expect(a[0]!.raw).not.toBe(b[0]!.raw)
  })

  it('with privacy on, stores the scrubbed re-serialisation, never the received text', () => {
    const privacy = createPrivacy({ pseudonymizeSecret: 'a-secret-of-at-least-16', ipTruncate: true })!
    const bytes = readFileSync(join('test/fixtures/okta', ONE_PER_SOURCE.okta!))
    const payload = JSON.parse(bytes.toString('utf8')) as unknown
    const plain = rowsOf(processEvent(decodeMessage(message(bytes, 'okta'), 'raw', 0, defaults), at))
    const rows = rowsOf(processEvent(decodeMessage(message(bytes, 'okta'), 'raw', 0, defaults), at, undefined, privacy))
    const known = new Set(plain.map((r) => r.user_id))
    for (const r of rows) {
      expect(r.raw).toBe(privacy.scrubText(JSON.stringify(payload), known))
      for (const user of known) expect(r.raw).not.toContain(user)
    }
  })

  it('a row made of a part of the payload keeps that part, serialised, not the whole message', () => {
    const whole = { records: [{ id: 'a', user: 'ann@acme.example' }, { id: 'b', user: 'bob@acme.example' }] }
    const ctx = { tenant: 't', ingestedAt: at, received: { payload: whole, text: ' {"records": "as sent"} ' } }
    const input = { event_type: 'login', outcome: 'success', user_id: 'ann@acme.example', tsMs: Date.UTC(2026, 9, 1) } as const
    expect(completeRow(input, 'native', whole.records[0], ctx).raw).toBe(JSON.stringify(whole.records[0]))
    expect(completeRow(input, 'native', whole, ctx).raw).toBe(' {"records": "as sent"} ')
  })
})
