// Small, defensive readers shared by the Okta and Entra normalisers. Vendor payloads arrive with any
// shape (wrong types, lower-cased keys from some exporters, numbers as strings), so every read is
// guarded: these helpers never throw and never return a value of the wrong type.
import { parseUserAgent } from '../user-agent.js'

export type Json = Record<string, unknown>

const own = Object.prototype.hasOwnProperty

export function isObj(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/**
 * The value under `key`, matched exactly first, then case-insensitively (exporters such as Panther
 * lower-case some Okta and Azure keys: `eventtype`, `calleripaddress`, `durationms`).
 */
export function field(o: unknown, key: string): unknown {
  if (!isObj(o)) return undefined
  if (own.call(o, key)) return o[key]
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

const lowerKeys = new WeakMap<object, Map<string, string>>()

/** Follows a path of keys (each matched as in `field`). */
export function path(o: unknown, ...keys: string[]): unknown {
  let cur = o
  for (const k of keys) {
    cur = field(cur, k)
    if (cur === undefined) return undefined
  }
  return cur
}

/** An object, also from a JSON string holding one (Log Analytics stores nested columns as text). */
export function objAt(o: unknown, ...keys: string[]): Json | undefined {
  const v = path(o, ...keys)
  if (isObj(v)) return v
  const parsed = parseJsonText(v)
  return isObj(parsed) ? parsed : undefined
}

/** An array, also from a JSON string holding one. */
export function arrAt(o: unknown, ...keys: string[]): unknown[] {
  const v = path(o, ...keys)
  if (Array.isArray(v)) return v
  const parsed = parseJsonText(v)
  return Array.isArray(parsed) ? parsed : []
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

/** A trimmed string (numbers and booleans as text), '' for anything else. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v.trim()
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v === 'boolean') return String(v)
  return ''
}

export function textAt(o: unknown, ...keys: string[]): string {
  return text(path(o, ...keys))
}

/** A finite number, also from a string holding one; undefined otherwise. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) {
    const n = Number(v)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

/** true / false from a boolean or its text; undefined otherwise. */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase()
    if (t === 'true') return true
    if (t === 'false') return false
  }
  return undefined
}

/** Cuts a string to the schema's limit for its column. */
export function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s
}

/** Placeholders vendors write where they know nothing. */
export function meaningful(s: string): string {
  return /^(unknown|null|none|undefined|n\/a|-)$/i.test(s) ? '' : s
}

/** An IP address as text, or '' when the value is not one (e.g. "redacted"). */
export function ipText(v: unknown): string {
  const s = text(v)
  if (!s || s.length > 64) return ''
  return /^[0-9.]+$/.test(s) || (s.includes(':') && /^[0-9a-f:.]+$/i.test(s)) ? s : ''
}

export interface UserKey {
  user_id: string
  user_domain: string
}

/** SPEC user key: lower-cased login / e-mail / UPN, else the immutable id. null when neither is usable. */
export function userKey(login: string, id: string): UserKey | null | 'too_long' {
  const l = meaningful(login)
  const key = l ? l.toLowerCase() : meaningful(id)
  if (!key) return null
  if (key.length > 512) return 'too_long'
  const at = key.lastIndexOf('@')
  const domain = l && at > 0 ? key.slice(at + 1) : ''
  return { user_id: key, user_domain: domain.length <= 256 ? domain : '' }
}

// ---------------------------------------------------------------------------------------------
// Device fields. Okta and Entra parse the user agent themselves (Okta `client.userAgent.browser/os`,
// Entra `deviceDetail.browser/operatingSystem`); their values win, written with the names ua-parser-js
// uses so that the dashboard's OS × browser breakdown does not split one browser in two. What they
// leave empty (versions, device type) is filled from the raw user agent.

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
  const s = meaningful(raw.trim())
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

/** Merges the vendor's parse of the user agent with ua-parser-js's (cached: the same few thousand repeat). */
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
    device_type: clip(DEVICE_TYPES[vendorDevice.trim().toLowerCase()] ?? parsed.device_type, 64),
  }
}
