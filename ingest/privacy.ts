// Privacy controls applied once per event, after normalisation and mapping and before anything is
// stored (docs/PRIVACY.md): keyed pseudonyms for user ids and e-mails, truncated IP addresses, and the
// same scrubbing of the `raw` copy and of dead letters. Pure: no I/O, no clock.
import { createHmac } from 'node:crypto'
import { isIPv4, isIPv6 } from 'node:net'
import type { AuthEvent } from '../schemas/auth-event.js'
import type { DeadLetter, EventFate } from './fate.js'
import { deriveDeadLetterId } from './ids.js'

export interface PrivacyConfig {
  /** HMAC-SHA256 key for user ids and e-mails; '' = pseudonymisation off. */
  pseudonymizeSecret: string
  /** IPv4 → /24, IPv6 → /48. */
  ipTruncate: boolean
}

export interface Privacy {
  /** The pseudonym of a user id or e-mail (the value itself when pseudonymisation is off). */
  pseudonym(value: string): string
  /** The stored form of an IP address (the value itself when truncation is off). */
  ip(value: string): string
  /** Free text (a payload, a reason) with every e-mail and IP address in it replaced. */
  scrubText(text: string, known?: ReadonlySet<string>): string
  /** One pipeline fate with its rows, steps and dead letter made safe to store. */
  apply(fate: EventFate): EventFate
}

/** What a pseudonym looks like: a fixed prefix and 128 bits of the HMAC in hex. */
export const PSEUDONYM = /^psn_[0-9a-f]{32}$/

const EMAIL_DOMAIN = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/
// Candidates only; each is confirmed by node:net before it is replaced.
const IPV4 = /(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])/g
// JSON members that name a person rather than identify a login: display names are not e-mails or ids,
// so no pattern finds them; their values are pseudonymised by key in `raw` and dead letters.
const PERSON_KEYS = /"((?:user|actor|target|principal|subject)?_?(?:display_?name|full_?name|given_?name|family_?name|first_?name|last_?name|user_?name|login|upn|user_?principal_?name|email|mail|phone(?:_?number)?))"\s*:\s*"((?:[^"\\]|\\.)*)"/gi

/** IPv4 → first three octets and .0; IPv6 → first 48 bits and ::; anything else → '' (it cannot be checked). */
export function truncateIp(value: string): string {
  const v = value.trim()
  if (!v) return ''
  if (isIPv4(v)) return v.slice(0, v.lastIndexOf('.')) + '.0'
  // An IPv4-mapped IPv6 address is an IPv4 address: stored as its truncated IPv4 form.
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(v)
  if (mapped && isIPv4(mapped[1]!)) return truncateIp(mapped[1]!)
  const bare = v.replace(/%.*$/, '')
  if (!isIPv6(bare)) return ''
  return `${expandIpv6(bare).slice(0, 3).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::`
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail becomes two groups). */
function expandIpv6(v: string): string[] {
  let s = v.toLowerCase()
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s)
  if (tail) {
    const o = tail[1]!.split('.').map(Number)
    s = s.slice(0, tail.index) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`
  }
  const [head, rest] = s.split('::') as [string, string | undefined]
  const left = head ? head.split(':') : []
  const right = rest ? rest.split(':') : []
  const fill = s.includes('::') ? Array(8 - left.length - right.length).fill('0') : []
  return [...left, ...fill, ...right].map((g) => g || '0')
}

/** The privacy step, or null when every control is off (callers then skip it with one branch). */
export function createPrivacy(cfg: PrivacyConfig): Privacy | null {
  const secret = cfg.pseudonymizeSecret
  if (!secret && !cfg.ipTruncate) return null
  const pseudonymize = !!secret

  // Users repeat: a bounded memo saves most HMACs (cleared whole when full: simple, and still bounded).
  const memo = new Map<string, string>()
  const pseudonym = (value: string): string => {
    if (!pseudonymize || !value || PSEUDONYM.test(value)) return value
    let p = memo.get(value)
    if (p === undefined) {
      if (memo.size >= 50_000) memo.clear()
      memo.set(value, (p = `psn_${createHmac('sha256', secret).update(value).digest('hex').slice(0, 32)}`))
    }
    return p
  }
  const ip = (value: string): string => (cfg.ipTruncate ? truncateIp(value) : value)

  const scrubText = (text: string, known?: ReadonlySet<string>): string => {
    let out = text
    if (pseudonymize) {
      if (known) {
        for (const k of known) {
          if (k && !PSEUDONYM.test(k)) out = replaceAllCaseless(out, k, pseudonym(k))
        }
      }
      if (out.includes('"')) out = out.replace(PERSON_KEYS, (_m, key: string, value: string) => `"${key}":"${value ? pseudonym(value.toLowerCase()) : ''}"`)
      // E-mails are user keys lower-cased (SPEC user key), so an e-mail in a payload gets the pseudonym its row has.
      out = replaceEmails(out, (m) => pseudonym(m.toLowerCase()))
    }
    if (cfg.ipTruncate) {
      if (out.includes('.')) out = out.replace(IPV4, (m) => (isIPv4(m) ? truncateIp(m) : m))
      out = replaceIpv6(out, truncateIp)
    }
    return out
  }

  /** The stored form of one row; `rawCache` makes the rows of one payload share one scrub of it. */
  const row = (r: AuthEvent, known: ReadonlySet<string>, rawCache: Map<string, string>): AuthEvent => {
    const out = Object.assign({}, r)
    if (pseudonymize) {
      out.user_id = pseudonym(r.user_id)
      // Free-text columns a vendor may fill with an e-mail (an app named after a mailbox, a session id).
      for (const k of FREE_TEXT) {
        const v = out[k]
        if (v.includes('@')) out[k] = replaceEmails(v, (m) => pseudonym(m.toLowerCase()))
      }
    }
    if (cfg.ipTruncate) out.ip = truncateIp(r.ip)
    if (r.raw) {
      let raw = rawCache.get(r.raw)
      if (raw === undefined) rawCache.set(r.raw, (raw = scrubText(r.raw, known)))
      out.raw = raw
    }
    return out
  }

  const deadLetter = (d: DeadLetter): DeadLetter => {
    const out = Object.assign({}, d)
    out.payload = scrubText(d.payload)
    out.reason = scrubText(d.reason)
    // Off Kafka the id hashes the payload: hash the stored one, so no id is a plain hash of a tiny payload.
    if (!d.kafka_topic) out.dead_letter_id = deriveDeadLetterId(['payload', d.source, d.tenant, out.payload])
    return out
  }

  return {
    pseudonym,
    ip,
    scrubText,
    apply(fate: EventFate): EventFate {
      if (fate.kind === 'ignored') return fate
      if (fate.kind === 'rejected') return { kind: 'rejected', deadLetter: deadLetter(fate.deadLetter) }
      // The plain user keys of this event: replaced wherever the payload repeats them.
      const known = new Set<string>()
      for (const r of fate.rows) known.add(r.user_id)
      for (const s of fate.steps ?? []) if (s.standalone) known.add(s.standalone.user_id)
      const cache = new Map<string, string>()
      const out: EventFate = { kind: 'accepted', tenant: fate.tenant, rows: fate.rows.map((r) => row(r, known, cache)) }
      if (fate.steps) out.steps = fate.steps.map((s) => (s.standalone ? { ...s, standalone: row(s.standalone, known, cache) } : s))
      return out
    },
  }
}

const FREE_TEXT = ['app', 'source_event_id', 'flow_id', 'authenticator', 'department', 'user_agent'] as const satisfies readonly (keyof AuthEvent)[]

/** Every whole-token occurrence of `needle`, any case: a short id must not rewrite parts of longer words. */
function replaceAllCaseless(text: string, needle: string, replacement: string): string {
  if (!text.toLowerCase().includes(needle.toLowerCase())) return text
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return text.replace(new RegExp(`(?<![A-Za-z0-9_.@+-])${escaped}(?![A-Za-z0-9_@+-]|\\.[A-Za-z0-9])`, 'gi'), replacement)
}

// Scanners instead of one regex each: a regex tried at every position of a long payload cost most of the
// privacy step (an e-mail pattern backtracks through every word); these start only at '@' and ':'.
const isLocal = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
  c === 46 || c === 95 || c === 37 || c === 43 || c === 39 || c === 45
const isDomain = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
const isV6 = (c: number) => isHex(c) || c === 58 || c === 46

/** Every e-mail address (local@domain.tld) in `s` replaced by `f` of it. */
export function replaceEmails(s: string, f: (email: string) => string): string {
  let at = s.indexOf('@')
  if (at < 0) return s
  let out = ''
  let from = 0
  while (at >= 0) {
    let a = at
    while (a > from && isLocal(s.charCodeAt(a - 1))) a--
    let b = at + 1
    while (b < s.length && isDomain(s.charCodeAt(b))) b++
    while (b > at + 1 && s.charCodeAt(b - 1) === 46) b--
    if (a < at && EMAIL_DOMAIN.test(s.slice(at + 1, b))) {
      out += s.slice(from, a) + f(s.slice(a, b))
      from = b
    }
    at = s.indexOf('@', Math.max(at + 1, from))
  }
  return out + s.slice(from)
}

/** Every IPv6 address in `s` replaced by `f` of it (an address glued to a :port is still found). */
export function replaceIpv6(s: string, f: (ip: string) => string): string {
  let colon = s.indexOf(':')
  if (colon < 0) return s
  let out = ''
  let from = 0
  while (colon >= 0) {
    const before = colon > 0 ? s.charCodeAt(colon - 1) : 0
    const after = s.charCodeAt(colon + 1)
    let next = colon + 1
    // A JSON member's colon has a quote on one side: skipped without a look around.
    if (after === 58 || ((isHex(before) || before === 58) && isHex(after))) {
      let a = colon
      while (a > from && isV6(s.charCodeAt(a - 1))) a--
      let b = colon
      while (b < s.length && isV6(s.charCodeAt(b))) b++
      let m = s.slice(a, b)
      if (!isIPv6(m) && m.lastIndexOf(':') > m.indexOf(':')) m = m.slice(0, m.lastIndexOf(':'))
      if (isIPv6(m)) {
        out += s.slice(from, a) + f(m)
        from = a + m.length
      }
      next = b
    }
    colon = s.indexOf(':', next)
  }
  return out + s.slice(from)
}
