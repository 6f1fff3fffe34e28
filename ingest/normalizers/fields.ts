// Defensive field access shared by every vendor normaliser. Vendor payloads are untrusted and arrive in any shape
// (wrong types, keys lower-cased by some exporters, numbers as strings, nested objects as JSON text), so these
// readers never throw and never return a value of the wrong type: only own properties are read (so `__proto__` /
// `constructor` keys never reach a prototype), strings holding numbers are numbers, and every text that reaches a
// row can be cut to its column's length in the JSON Schema, so no input can make a row invalid.
import type { AuthEvent, SecondFactor, Source } from '../../schemas/auth-event.js'
import { accepted, rejected, type NormalizeResult } from '../fate.js'
import { parseTimestamp } from '../time.js'
import { parseUserAgent } from '../user-agent.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

// ---------------------------------------------------------------------------------------------------------------
// Objects and own properties

export type Obj = Record<string, unknown>

const hasOwn = Object.prototype.hasOwnProperty

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** The value when it is an object, else an empty one. */
export function obj(v: unknown): Obj {
  return isObj(v) ? v : {}
}

/** The value when it is an array, else an empty one. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : []
}

/** Own property of an object, or undefined (never a prototype's). */
export function own(o: unknown, key: string): unknown {
  if (!isObj(o) || !hasOwn.call(o, key)) return undefined
  return o[key]
}

/** Walks a path of own properties. */
export function at(o: unknown, ...path: string[]): unknown {
  let cur: unknown = o
  for (const k of path) {
    cur = own(cur, k)
    if (cur === undefined) return undefined
  }
  return cur
}

/** A table lookup that never answers from Object.prototype (`constructor`, `__proto__`, `toString`…). */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return hasOwn.call(table, key) ? table[key] : undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Keys matched case-insensitively, nested objects also from JSON text (Okta and Entra exporters)

const lowerKeys = new WeakMap<object, Map<string, string>>()

/**
 * The own property `key`, matched exactly first, then case-insensitively (exporters such as Panther lower-case
 * some Okta and Azure keys: `eventtype`, `calleripaddress`, `durationms`).
 */
export function field(o: unknown, key: string): unknown {
  if (!isObj(o)) return undefined
  if (hasOwn.call(o, key)) return o[key]
  let index = lowerKeys.get(o)
  if (!index) {
    // Built once per object: normalisers look up many absent keys, and a scan per lookup adds up.
    index = new Map()
    for (const k of Object.keys(o)) {
      const l = k.toLowerCase()
      if (!index.has(l)) index.set(l, k)
    }
    lowerKeys.set(o, index)
  }
  const k = index.get(key.toLowerCase())
  return k === undefined ? undefined : o[k]
}

/** Follows a path of keys (each matched as in `field`). */
export function path(o: unknown, ...keys: string[]): unknown {
  let cur = o
  for (const k of keys) {
    cur = field(cur, k)
    if (cur === undefined) return undefined
  }
  return cur
}

/** An object at a path (`field` keys), also from a JSON string holding one (Log Analytics stores nested columns as text). */
export function objAt(o: unknown, ...keys: string[]): Obj | undefined {
  const v = path(o, ...keys)
  if (isObj(v)) return v
  const parsed = parseJsonText(v)
  return isObj(parsed) ? parsed : undefined
}

/** An array at a path (`field` keys), also from a JSON string holding one. */
export function arrAt(o: unknown, ...keys: string[]): unknown[] {
  const v = path(o, ...keys)
  if (Array.isArray(v)) return v
  const parsed = parseJsonText(v)
  return Array.isArray(parsed) ? parsed : []
}

/** `scalarText` of the value at a path (`field` keys). */
export function textAt(o: unknown, ...keys: string[]): string {
  return scalarText(path(o, ...keys))
}

function parseJsonText(v: unknown): unknown {
  if (typeof v !== 'string' || v.length > 1_000_000) return undefined
  const t = v.trimStart()
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined
  try {
    return JSON.parse(t)
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars

/** A trimmed string from a string, a finite number or a BigInt; '' for anything else (booleans too: see scalarText). */
export function text(v: unknown): string {
  if (typeof v === 'string') return v.trim()
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v === 'bigint') return v.toString()
  return ''
}

/** A JSON scalar as trimmed text: a string, a finite number, or a boolean as "true" / "false"; '' for anything else. */
export function scalarText(v: unknown): string {
  if (typeof v === 'string') return v.trim()
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  return ''
}

/** `text` cut to a column's length (512 unless told). */
export function str(v: unknown, max = 512): string {
  return clip(text(v), max)
}

/** The first non-empty text among the candidates. */
export function firstText(...vs: unknown[]): string {
  for (const v of vs) {
    const t = text(v)
    if (t) return t
  }
  return ''
}

/** Cuts a text to a column's maximum length. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s
  // Never half a surrogate pair: ClickHouse refuses a lone surrogate, and with it the whole batch.
  const end = max > 0 && /[\ud800-\udbff]/.test(s[max - 1]!) ? max - 1 : max
  return s.slice(0, end)
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * The text with every lone UTF-16 surrogate replaced by U+FFFD. A payload may hold one (JSON escapes
 * allow "\ud800"); stored as it is, ClickHouse refuses the insert of the whole batch it is in.
 */
export function wellFormed(s: string): string {
  return /[\ud800-\udfff]/.test(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s
}

/** A finite number from a number or a string holding one; null otherwise. */
export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) {
    const n = Number(v)
    return Number.isFinite(n) ? n : null
  }
  return null
}

/** true/false from booleans and their usual spellings (1/0, yes/no); undefined when the value says neither. */
export function flag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase()
    if (s === 'true' || s === '1' || s === 'yes') return true
    if (s === 'false' || s === '0' || s === 'no') return false
  }
  return undefined
}

/** true/false from a boolean or the words "true" / "false" only; undefined otherwise. */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase()
    if (t === 'true') return true
    if (t === 'false') return false
  }
  return undefined
}

/** Epoch ms from the first candidate that is a plausible time (ISO, epoch s/ms/µs/ns; "," as decimal mark too). */
export function timeOf(...vs: unknown[]): number | null {
  for (const v of vs) {
    const t = typeof v === 'string' ? v.trim().replace(/^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}),(\d+)/, '$1.$2') : v
    const ms = parseTimestamp(t)
    if (ms !== null) return ms
  }
  return null
}

/** The leading version number ("109.0.0.0" → "109"), as the UA parser stores browser versions. */
export function major(v: unknown): string {
  const m = /^\s*(\d+)/.exec(text(v))
  return m ? m[1]! : ''
}

/** A vendor's "unknown" / "Other" placeholders count as no value. */
export function meaningful(s: string): string {
  return /^(other|unknown|null|none|n\/a|-)$/i.test(s) ? '' : s
}

/** An IP address as text, or '' when the value is not one (e.g. "redacted"). */
export function ipText(v: unknown): string {
  const s = text(v)
  if (!s || s.length > 64) return ''
  return /^[0-9.]+$/.test(s) || (s.includes(':') && /^[0-9a-f:.]+$/i.test(s)) ? s : ''
}

// ---------------------------------------------------------------------------------------------------------------
// Users

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function isEmail(s: string): boolean {
  return s.length <= 512 && EMAIL.test(s)
}

/**
 * SPEC user key: the lower-cased e-mail / UPN / login name when one is given, else the vendor's immutable id.
 * Candidates are tried in order; an e-mail anywhere among the login candidates wins over a bare login name.
 */
export function userKey(logins: unknown[], immutableIds: unknown[] = []): string {
  const names = logins.map(text).filter((s) => s.length > 0)
  const email = names.find(isEmail)
  const chosen = email ?? names[0] ?? immutableIds.map(text).find((s) => s.length > 0) ?? ''
  return chosen.toLowerCase()
}

// ---------------------------------------------------------------------------------------------------------------
// Rows

const CUT: [keyof AuthEvent, number][] = [
  ['source_event_id', 512], ['app', 1024], ['flow_id', 512], ['ip', 64], ['country', 64], ['user_agent', 2048],
  ['browser', 128], ['browser_version', 64], ['os', 128], ['os_version', 64], ['device_type', 64],
  ['authenticator', 256], ['department', 256], ['product', 128],
]

/**
 * Cuts every free-text field of a row input to the JSON Schema's lengths and derives the e-mail domain
 * within bounds. Returns null when the user key itself is unusable (empty or longer than the column).
 */
export function boundInput(input: RowInput): RowInput | null {
  const user = input.user_id.trim()
  if (!user || user.length > 512) return null
  const atIdx = user.lastIndexOf('@')
  const domain = atIdx > 0 ? user.slice(atIdx + 1).toLowerCase() : ''
  // A copy by Object.assign, not a spread: V8 spreads these wide objects on a slow path.
  const out = Object.assign({}, input)
  out.user_id = user
  out.user_domain = input.user_domain !== undefined ? clip(input.user_domain, 256) : domain.length <= 256 ? domain : ''
  const rec = out as unknown as Record<string, unknown>
  for (const [k, max] of CUT) {
    const v = rec[k]
    if (typeof v === 'string') rec[k] = clip(v, max)
  }
  if (typeof out.host === 'string') out.host = clip(out.host, 1024)
  if (out.latency_ms !== undefined && out.latency_ms !== null && !(out.latency_ms > 0 && out.latency_ms <= 4294967295)) {
    out.latency_ms = null
  }
  return out
}

/** The one row of a bounded input, or the rejection `tooLong` when its user key is unusable. */
export function acceptRow(input: RowInput, source: Source, payload: unknown, ctx: NormalizeContext, tooLong: string): NormalizeResult {
  const bounded = boundInput(input)
  if (!bounded) return rejected('invalid_value', tooLong)
  return accepted([completeRow(bounded, source, payload, ctx)])
}

/**
 * Runs a normaliser body so that no input can make it throw: JSON payloads cannot, but a caller handing over an
 * object with a BigInt or a cycle would make JSON.stringify (the `raw` column) throw. Such a payload is rejected
 * ("the <label> <noun> could not be read: …").
 */
export function guarded(
  label: string,
  body: (payload: unknown, ctx: NormalizeContext) => NormalizeResult,
  noun = 'payload',
): (payload: unknown, ctx: NormalizeContext) => NormalizeResult {
  const what = `${label} ${noun}`
  return (payload, ctx) => {
    try {
      return body(payload, ctx)
    } catch (err) {
      return rejected('invalid_shape', `the ${what} could not be read: ${clip(String((err as Error)?.message ?? err), 200)}`)
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Factors

/** Second factor named by a free-text authenticator / factor description (OneLogin, JumpCloud). */
export function factorFromName(name: string): { second: SecondFactor; webauthn: boolean } | null {
  const s = name.toLowerCase()
  if (!s) return null
  if (/webauthn|fido|security key|u2f|passkey|touch ?id|face ?id|windows hello|biometric|platform authenticator/.test(s)) {
    return { second: 'webauthn', webauthn: true }
  }
  if (/\bsms\b|text message/.test(s)) return { second: 'sms', webauthn: false }
  if (/voice|phone call|\bcall\b/.test(s)) return { second: 'voice', webauthn: false }
  if (/e-?mail/.test(s)) return { second: 'email', webauthn: false }
  if (/push|protect|onelogin protect|verify/.test(s)) return { second: 'push', webauthn: false }
  if (/totp|otp|authenticator|one[- ]time|code|token|yubi|securid|vip|hotp/.test(s)) return { second: 'totp', webauthn: false }
  if (/recovery|backup|bypass/.test(s)) return { second: 'recovery_code', webauthn: false }
  return { second: 'other', webauthn: false }
}

// ---------------------------------------------------------------------------------------------------------------
// Device fields. Some vendors parse the user agent themselves (Okta `client.userAgent.browser/os`, Entra
// `deviceDetail.browser/operatingSystem`); their values win, written with the names ua-parser-js uses so that the
// dashboard's OS × browser breakdown does not split one browser in two. What they leave empty (versions, device
// type) is filled from the raw user agent.

export interface DeviceFields {
  browser: string
  browser_version: string
  os: string
  os_version: string
  device_type: string
}

const BROWSERS: [RegExp, string][] = [
  [/^(chromium[ _]?edge|microsoft edge|edge)\b/i, 'Edge'],
  [/^(ie|internet explorer|msie)\b/i, 'IE'],
  [/^mobile safari\b/i, 'Mobile Safari'],
  [/^chrome mobile\b/i, 'Chrome'],
  [/^chrome\b/i, 'Chrome'],
  [/^firefox\b/i, 'Firefox'],
  [/^safari\b/i, 'Safari'],
  [/^opera\b/i, 'Opera'],
  [/^samsung(\s*internet)?\b/i, 'Samsung Browser'],
]

const SYSTEMS: [RegExp, string][] = [
  [/^(mac\s*os(\s*x)?|macos|os\s*x)/i, 'Mac OS'],
  [/^windows/i, 'Windows'],
  [/^(ios|iphone\s*os|ipados)/i, 'iOS'],
  [/^android/i, 'Android'],
  [/^(chrome\s*os|chromeos)/i, 'Chrome OS'],
  [/^linux/i, 'Linux'],
  [/^ubuntu/i, 'Ubuntu'],
]

function splitNameVersion(raw: string, table: [RegExp, string][], majorOnly: boolean): { name: string; version: string } {
  const s = raw.trim()
  if (!s) return { name: '', version: '' }
  let name = ''
  let rest = s
  for (const [re, canonical] of table) {
    const m = re.exec(s)
    if (m) {
      name = canonical
      rest = s.slice(m[0].length)
      break
    }
  }
  if (!name) {
    // Unknown family: keep the vendor's words, without a trailing version.
    const m = /^(.*?)[\s/]*v?(\d[\d._]*)?\s*(\(.*\))?$/.exec(s)
    name = (m?.[1] ?? s).trim()
    rest = s.slice(name.length)
    if (/^unknown$/i.test(name)) name = ''
  }
  const v = /(\d+(?:[._]\d+)*)/.exec(rest)
  let version = v ? v[1]!.replace(/_/g, '.') : ''
  if (majorOnly) version = version.split('.')[0] ?? ''
  return { name, version }
}

const DEVICE_TYPES: Record<string, string> = {
  computer: 'desktop', desktop: 'desktop', mobile: 'mobile', phone: 'mobile', smartphone: 'mobile', tablet: 'tablet',
}

const deviceCache = new Map<string, DeviceFields>()
const DEVICE_CACHE_MAX = 20_000

/**
 * Merges the vendor's parse of the user agent with ua-parser-js's (cached: the same few thousand repeat). The
 * vendor's names come with its placeholders ("Unknown", …) already removed.
 */
export function deviceFields(userAgent: string, vendorBrowser: string, vendorOs: string, vendorDevice = ''): DeviceFields {
  const key = `${userAgent}\u0000${vendorBrowser}\u0000${vendorOs}\u0000${vendorDevice}`
  const hit = deviceCache.get(key)
  if (hit) return hit
  const merged = mergeDevice(userAgent, vendorBrowser, vendorOs, vendorDevice)
  if (deviceCache.size >= DEVICE_CACHE_MAX) deviceCache.clear()
  deviceCache.set(key, merged)
  return merged
}

function mergeDevice(userAgent: string, vendorBrowser: string, vendorOs: string, vendorDevice: string): DeviceFields {
  const parsed = parseUserAgent(userAgent)
  const b = splitNameVersion(vendorBrowser, BROWSERS, true)
  const o = splitNameVersion(vendorOs, SYSTEMS, false)
  const sameBrowser = b.name !== '' && parsed.browser.toLowerCase().includes(b.name.toLowerCase())
  const sameOs = o.name !== '' && parsed.os === o.name
  return {
    browser: clip(b.name || parsed.browser, 128),
    browser_version: clip(b.version || (b.name ? (sameBrowser ? parsed.browser_version : '') : parsed.browser_version), 64),
    os: clip(o.name || parsed.os, 128),
    os_version: clip(o.version || (o.name ? (sameOs ? parsed.os_version : '') : parsed.os_version), 64),
    device_type: clip(lookup(DEVICE_TYPES, vendorDevice.trim().toLowerCase()) ?? parsed.device_type, 64),
  }
}
