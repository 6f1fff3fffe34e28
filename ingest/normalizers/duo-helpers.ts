// Defensive field access shared by the Duo, OneLogin, PingFederate, JumpCloud, 1Password and Atlassian
// normalisers. Vendor payloads are untrusted: every read is guarded, only own properties are read (so
// `__proto__`/`constructor` keys never reach a prototype), strings holding numbers are numbers, and every
// text that reaches a row is cut to the column's length in the JSON Schema, so no input can make a row invalid.
import type { AuthEvent, SecondFactor } from '../../schemas/auth-event.js'
import { parseTimestamp } from '../time.js'
import type { NormalizeResult } from '../fate.js'
import type { NormalizeContext, RowInput } from './row.js'

export type Obj = Record<string, unknown>

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Own property of an object, or undefined (never a prototype's). */
export function own(o: unknown, key: string): unknown {
  if (!isObj(o) || !Object.prototype.hasOwnProperty.call(o, key)) return undefined
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

/** A trimmed string from a string or a finite number; '' for anything else. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v.trim()
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v === 'bigint') return v.toString()
  return ''
}

/** The first non-empty text among the candidates. */
export function firstText(...vs: unknown[]): string {
  for (const v of vs) {
    const t = text(v)
    if (t) return t
  }
  return ''
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

/** true/false from booleans and their usual spellings; undefined when the value says neither. */
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

/** Cuts a text to a column's maximum length. */
export function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s
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

/** The leading version number ("109.0.0.0" → "109"), as the UA parser stores browser versions. */
export function major(v: unknown): string {
  const m = /^\s*(\d+)/.exec(text(v))
  return m ? m[1]! : ''
}

/** A vendor's "unknown" / "Other" placeholders count as no value. */
export function meaningful(s: string): string {
  return /^(other|unknown|null|none|n\/a|-)$/i.test(s) ? '' : s
}

/**
 * Cuts every free-text field of a row input to the JSON Schema's lengths and derives the e-mail domain
 * within bounds. Returns null when the user key itself is unusable (empty or longer than the column).
 */
export function boundInput(input: RowInput): RowInput | null {
  const user = input.user_id.trim()
  if (!user || user.length > 512) return null
  const atIdx = user.lastIndexOf('@')
  const domain = atIdx > 0 ? user.slice(atIdx + 1).toLowerCase() : ''
  const out: RowInput = {
    ...input,
    user_id: user,
    user_domain: input.user_domain !== undefined ? clip(input.user_domain, 256) : domain.length <= 256 ? domain : '',
  }
  const cut: [keyof AuthEvent, number][] = [
    ['source_event_id', 512], ['app', 1024], ['flow_id', 512], ['ip', 64], ['country', 64], ['user_agent', 2048],
    ['browser', 128], ['browser_version', 64], ['os', 128], ['os_version', 64], ['device_type', 64],
    ['authenticator', 256], ['department', 256], ['product', 128],
  ]
  const rec = out as unknown as Record<string, unknown>
  for (const [k, max] of cut) {
    const v = rec[k]
    if (typeof v === 'string') rec[k] = clip(v, max)
  }
  if (typeof out.host === 'string') out.host = clip(out.host, 1024)
  if (out.latency_ms !== undefined && out.latency_ms !== null && !(out.latency_ms > 0 && out.latency_ms <= 4294967295)) {
    out.latency_ms = null
  }
  return out
}

/** Second factor named by a free-text authenticator / factor description (OneLogin, JumpCloud, PingFederate). */
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

/** A table lookup that never answers from Object.prototype (`constructor`, `__proto__`, `toString`…). */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined
}

/**
 * Runs a normaliser body so that no input can make it throw: JSON payloads cannot, but a caller handing over an
 * object with a BigInt or a cycle would make JSON.stringify (the `raw` column) throw. Such a payload is rejected.
 */
export function guarded(
  label: string,
  body: (payload: unknown, ctx: NormalizeContext) => NormalizeResult,
): (payload: unknown, ctx: NormalizeContext) => NormalizeResult {
  return (payload, ctx) => {
    try {
      return body(payload, ctx)
    } catch (err) {
      return { kind: 'rejected', code: 'invalid_shape', reason: `the ${label} payload could not be read: ${clip(String((err as Error)?.message ?? err), 200)}` }
    }
  }
}
