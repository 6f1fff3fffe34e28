import { describe, expect, it } from 'vitest'
import { canonicalJson, deriveEventId } from '../../ingest/ids.js'
import { formatTimestamp, parseTimestamp } from '../../ingest/time.js'

describe('event ids', () => {
  it('canonical JSON ignores key order at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null }, u: undefined }))
      .toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}')
  })

  it('hashes (source, source_event_id) deterministically', () => {
    const id = deriveEventId('okta', 'abc', { any: 'thing' })
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(deriveEventId('okta', 'abc', { other: 'payload' })).toBe(id)
    expect(deriveEventId('auth0', 'abc', {})).not.toBe(id)
    expect(deriveEventId('okta', 'abd', {})).not.toBe(id)
    expect(deriveEventId('okta', 'abc', {}, 1)).not.toBe(id)
  })

  it('hashes the canonical payload when the source has no id', () => {
    const a = deriveEventId('keycloak', '', { time: 1, user: 'x' })
    expect(deriveEventId('keycloak', '', { user: 'x', time: 1 })).toBe(a)
    expect(deriveEventId('keycloak', '', { user: 'x', time: 2 })).not.toBe(a)
  })
})

describe('timestamps', () => {
  const ms = Date.UTC(2026, 9, 1, 9, 30, 15, 123)
  it.each([
    ['ISO with Z', '2026-10-01T09:30:15.123Z', ms],
    ['ISO with offset', '2026-10-01T11:30:15.123+02:00', ms],
    ['zone-less text is UTC', '2026-10-01 09:30:15.123', ms],
    ['epoch seconds', 1790847015.123, ms],
    ['epoch milliseconds', 1790847015123, ms],
    ['epoch microseconds', 1790847015123000, ms],
    ['epoch nanoseconds', 1790847015123000000, ms],
    ['epoch milliseconds as a string', '1790847015123', ms],
  ])('detects %s', (_name, input, expected) => {
    expect(parseTimestamp(input)).toBe(expected)
  })

  it.each([null, undefined, '', 'soon', -5, 0, 12, '1999-12-31T23:59:59Z', '2100-01-02T00:00:00Z', {}, [], Number.NaN])(
    'refuses %j', (input) => {
      expect(parseTimestamp(input)).toBeNull()
    })

  it('formats as DateTime64(3) text', () => {
    expect(formatTimestamp(ms)).toBe('2026-10-01 09:30:15.123')
  })
})
