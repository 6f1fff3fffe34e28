import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../core/config.js'
import { processEvent, sortFates } from '../../ingest/pipeline.js'
import { createPrivacy, PSEUDONYM, truncateIp, type Privacy } from '../../ingest/privacy.js'
import { PROJECT_ROOT } from '../../core/paths.js'
import { nativeLogin } from '../helpers/events.js'

const SECRET = 'unit-test-secret-0123456789'
const at = '2026-11-01 00:00:00.000'
const on = createPrivacy({ pseudonymizeSecret: SECRET, ipTruncate: true })!
const fixture = (source: string, file: string): unknown =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', source, file), 'utf8'))

describe('pseudonyms', () => {
  it('are HMAC-SHA256 of the value under the secret, stable, and never a plain hash', () => {
    const p = on.pseudonym('alice@example.com')
    expect(p).toMatch(PSEUDONYM)
    expect(p).toBe(`psn_${createHmac('sha256', SECRET).update('alice@example.com').digest('hex').slice(0, 32)}`)
    expect(on.pseudonym('alice@example.com')).toBe(p)
    expect(p.slice(4)).not.toBe(createHash('sha256').update('alice@example.com').digest('hex').slice(0, 32))
    expect(on.pseudonym('bob@example.com')).not.toBe(p)
  })

  it('differ per secret (rotating the secret splits users)', () => {
    const other = createPrivacy({ pseudonymizeSecret: 'another-secret-of-16+', ipTruncate: false })!
    expect(other.pseudonym('alice@example.com')).not.toBe(on.pseudonym('alice@example.com'))
  })

  it('leave an existing pseudonym and the empty string as they are', () => {
    const p = on.pseudonym('x@y.example')
    expect(on.pseudonym(p)).toBe(p)
    expect(on.pseudonym('')).toBe('')
  })

  it('are off without a secret; with every control off there is no privacy step at all', () => {
    expect(createPrivacy({ pseudonymizeSecret: '', ipTruncate: false })).toBeNull()
    const ipOnly = createPrivacy({ pseudonymizeSecret: '', ipTruncate: true })!
    expect(ipOnly.pseudonym('alice@example.com')).toBe('alice@example.com')
    expect(ipOnly.scrubText('alice@example.com from 198.51.100.77')).toBe('alice@example.com from 198.51.100.0')
  })
})

describe('IP truncation', () => {
  it.each([
    ['203.0.113.25', '203.0.113.0'],
    ['10.1.2.3', '10.1.2.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0::'],
    ['2001:db8::1', '2001:db8:0::'],
    ['fe80::1%eth0', 'fe80:0:0::'],
    ['::ffff:198.51.100.200', '198.51.100.0'],
    ['::FFFF:198.51.100.200', '198.51.100.0'],
    ['64:ff9b::198.51.100.7', '64:ff9b:0::'],
    ['', ''],
    ['not an ip', ''],
    ['999.1.1.1', ''],
    ['203.0.113.25:443', ''],
  ])('%s → %s', (input, expected) => {
    expect(truncateIp(input)).toBe(expected)
    expect(on.ip(input)).toBe(expected)
  })
})

describe('scrubbing text and JSON', () => {
  it('replaces e-mails, IPv4 and IPv6 addresses anywhere in nested JSON, keeping it JSON', () => {
    const payload = JSON.stringify({
      a: { b: [{ c: 'login by Carol.Smith@Corp.example from 192.0.2.44' }, '2001:db8:aaaa:bbbb::9'] },
      who: { displayName: 'Carol Smith', userPrincipalName: 'carol.smith@corp.example' },
      version: 'Chrome/131.0.6778.85', at: '2026-11-01T09:02:44.010Z',
    })
    const out = on.scrubText(payload)
    expect(() => JSON.parse(out)).not.toThrow()
    for (const plain of ['carol.smith@corp.example', 'Carol.Smith@Corp.example', '192.0.2.44', '2001:db8:aaaa:bbbb::9', 'Carol Smith']) {
      expect(out.toLowerCase()).not.toContain(plain.toLowerCase())
    }
    expect(out).toContain(on.pseudonym('carol.smith@corp.example'))
    expect(out).toContain('192.0.2.0')
    expect(out).toContain('2001:db8:aaaa::')
    // Not addresses: a browser version and a clock time stay as they are.
    expect(out).toContain('Chrome/131.0.6778.85')
    expect(out).toContain('2026-11-01T09:02:44.010Z')
  })

  it.each([
    ['"ip":"2001:db8:1:2:3:4:5:6"', '"ip":"2001:db8:1::"'],
    ['[2001:db8:9:9::2]:443 and 2001:db8:7:1:2:3:4:5:8443', '[2001:db8:9::]:443 and 2001:db8:7:::8443'],
    ['mapped ::ffff:198.51.100.9 and ::1', 'mapped 198.51.100.0 and 0:0:0::'],
    ['fe80::abcd:1%eth0 at 09:02:44.010', 'fe80:0:0::%eth0 at 09:02:44.010'],
    ['203.0.113.25:443', '203.0.113.0:443'],
    ['mail Ann.B@Mail.Example.org. or @nobody or a@b', `mail ${on.pseudonym('ann.b@mail.example.org')}. or @nobody or a@b`],
  ])('scrubs %s', (input, expected) => {
    expect(on.scrubText(input)).toBe(expected)
  })

  it('replaces a known user key only as a whole token, any case', () => {
    const out = on.scrubText('{"id":"u123","note":"U123 signed in; u1234 did not"}', new Set(['u123']))
    expect(out).toBe(`{"id":"${on.pseudonym('u123')}","note":"${on.pseudonym('u123')} signed in; u1234 did not"}`)
  })
})

describe('the privacy step in processEvent', () => {
  it('pseudonymises user_id and truncates ip in the row; the domain stays', () => {
    const f = processEvent({ payload: nativeLogin({ user_id: 'Dana@Acme.example', ip: '198.51.100.23' }), source: 'native', tenant: 't' }, at, undefined, on)
    expect(f.kind).toBe('accepted')
    if (f.kind !== 'accepted') return
    const row = f.rows[0]!
    expect(row.user_id).toBe(on.pseudonym('Dana@Acme.example'.trim()))
    expect(row.user_id).toMatch(PSEUDONYM)
    expect(row.user_domain).toBe('acme.example')
    expect(row.ip).toBe('198.51.100.0')
    expect(row.raw.toLowerCase()).not.toContain('dana@acme.example')
    expect(row.raw).not.toContain('198.51.100.23')
  })

  it('keeps vendor flows together: the same user gets the same pseudonym in every event', () => {
    const fates = ['step-webauthn.json', 'session-start-password.json', 'session-start-passkey-only.json']
      .map((file) => processEvent({ payload: fixture('okta', file), source: 'okta', tenant: 't' }, at, undefined, on))
    const plain = ['step-webauthn.json', 'session-start-password.json', 'session-start-passkey-only.json']
      .map((file) => processEvent({ payload: fixture('okta', file), source: 'okta', tenant: 't' }, at))
    const rows = sortFates(fates).rows
    const plainRows = sortFates(plain).rows
    expect(rows.map((r) => r.user_id)).toEqual(plainRows.map((r) => on.pseudonym(r.user_id)))
    for (const [i, r] of rows.entries()) {
      expect(r.raw.toLowerCase()).not.toContain(plainRows[i]!.user_id)
      expect(r.ip).toBe(truncateIp(plainRows[i]!.ip))
      if (plainRows[i]!.ip) expect(r.raw).not.toContain(plainRows[i]!.ip)
      // Still the payload, as JSON, with the same shape.
      expect(Object.keys(JSON.parse(r.raw) as object)).toEqual(Object.keys(JSON.parse(plainRows[i]!.raw) as object))
    }
  })

  it('scrubs dead letters (payload and reason) and derives their id from the scrubbed payload', () => {
    const text = 'not json from eve@evil.example at 203.0.113.99'
    const plain = processEvent({ payload: text, parseError: `not JSON near eve@evil.example`, source: 'okta', tenant: 't' }, at)
    const f = processEvent({ payload: text, parseError: `not JSON near eve@evil.example`, source: 'okta', tenant: 't' }, at, undefined, on)
    expect(f.kind).toBe('rejected')
    if (f.kind !== 'rejected' || plain.kind !== 'rejected') return
    expect(f.deadLetter.payload).toBe(`not json from ${on.pseudonym('eve@evil.example')} at 203.0.113.0`)
    expect(f.deadLetter.reason).not.toContain('eve@evil.example')
    expect(f.deadLetter.dead_letter_id).not.toBe(plain.deadLetter.dead_letter_id)
    // Still deterministic, so a resent poison event is one dead letter.
    const again = processEvent({ payload: text, parseError: `not JSON near eve@evil.example`, source: 'okta', tenant: 't' }, at, undefined, on)
    expect(again.kind === 'rejected' && again.deadLetter.dead_letter_id).toBe(f.deadLetter.dead_letter_id)
  })

  it('changes nothing when off', () => {
    const payload = nativeLogin({ user_id: 'frank@acme.example', ip: '198.51.100.23' })
    const off = createPrivacy({ pseudonymizeSecret: '', ipTruncate: false }) as Privacy | null
    const f = processEvent({ payload, source: 'native', tenant: 't' }, at, undefined, off)
    expect(f.kind === 'accepted' && f.rows[0]!.user_id).toBe('frank@acme.example')
    expect(f.kind === 'accepted' && f.rows[0]!.ip).toBe('198.51.100.23')
  })
})

describe('privacy configuration', () => {
  it('reads the secret, the truncation switch and both retentions', () => {
    const c = loadConfig({ PULSE_PSEUDONYMIZE_SECRET: SECRET, PULSE_IP_TRUNCATE: 'on', PULSE_RAW_RETENTION_DAYS: '30', PULSE_DEAD_LETTER_RETENTION_DAYS: '14' })
    expect(c.privacy).toEqual({ pseudonymizeSecret: SECRET, ipTruncate: true, rawRetentionDays: 30, deadLetterRetentionDays: 14 })
    expect(loadConfig({}).privacy).toEqual({ pseudonymizeSecret: '', ipTruncate: false, rawRetentionDays: 0, deadLetterRetentionDays: 0 })
  })

  it.each([
    [{ PULSE_PSEUDONYMIZE_SECRET: 'short' }, /PULSE_PSEUDONYMIZE_SECRET must be at least 16 characters/],
    [{ PULSE_IP_TRUNCATE: 'maybe' }, /PULSE_IP_TRUNCATE must be on or off, got "maybe"/],
    [{ PULSE_RAW_RETENTION_DAYS: '-1' }, /PULSE_RAW_RETENTION_DAYS must be an integer ≥ 0/],
    [{ PULSE_DEAD_LETTER_RETENTION_DAYS: '7.5' }, /PULSE_DEAD_LETTER_RETENTION_DAYS must be an integer ≥ 0/],
    [{ PULSE_PSEUDONYMIZE_SECRET_FILE: '/nonexistent/secret' }, /PULSE_PSEUDONYMIZE_SECRET_FILE names a file that cannot be read/],
  ])('rejects %o with a sentence', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message)
  })

  it('never puts the short secret it refuses into the message', () => {
    expect(() => loadConfig({ PULSE_PSEUDONYMIZE_SECRET: 'tiny-s3cret' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('tiny-s3cret') }))
  })
})
