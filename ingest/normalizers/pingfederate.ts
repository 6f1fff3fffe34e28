// `pingfederate`: the PingFederate security audit log (audit.log), as
//  - the default pipe-delimited line: `%d | trackingid | [transactionid |] event | subject | ip | app | connectionid |
//    protocol | host | role | status | adapterid | description | responsetime` (transactionid is a default field
//    from 11.3 on; the event column is located, not assumed);
//  - the same line inside an object's `message` / `log` field (syslog and file shippers);
//  - the JSON / database logging form, an object with those names as keys (`dt` or `%d` for the time);
//  - the CEF form (`CEF:0|Ping Identity|PingFederate|…|event|…|rt=… duid=… src=… msg=status cs2=connection …`).
//
// One sign-in is several audit events sharing the tracking id: AUTHN_ATTEMPT per adapter (HTML form, PingID, …),
// optionally AUTHN_REQUEST to an external IdP, then SSO (or an interactive OAuth authorization). AUTHN_ATTEMPT /
// AUTHN_REQUEST are flow steps (`accepted([], [step])`, flow_id = trackingid): a passed one contributes the method
// or second factor its adapter stands for; a failed one also carries the failed login row that stands for it if
// the flow never completes. SSO / interactive OAuth is the login row, with latency from `responsetime` (ms).
// Session bookkeeping (AUTHN_SESSION_*, SRI_REVOKED, SLO), token-endpoint OAuth calls and provisioning are ignored.
//
// The adapter id is chosen by the administrator: its kind is read from its name (HTML form / password / LDAP →
// password; PingID / MFA / OTP / SMS / push → a second factor; X.509 / certificate → certificate; Kerberos / IWA →
// sso; FIDO / WebAuthn / passkey → passkey). An adapter whose name says none of these leaves the method `unknown`.
import type { FailureReason, Method, SecondFactor } from '../../schemas/auth-event.js'
import { accepted, ignored, rejected, type FlowStep, type NormalizeResult } from '../fate.js'
import {
  acceptRow, boundInput, clip, firstText, guarded, isObj, num, own, text, timeOf, userKey, type Obj,
} from './fields.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

interface AuditRecord {
  time: unknown
  trackingid: string
  transactionid: string
  event: string
  subject: string
  ip: string
  app: string
  connectionid: string
  protocol: string
  host: string
  role: string
  status: string
  adapterid: string
  description: string
  responsetime: string
}

const EVENT_TOKEN = /^[A-Za-z][A-Za-z0-9_-]{1,63}$/
const KNOWN_EVENTS = new Set([
  'SSO', 'SLO', 'OAUTH', 'AUTHN_ATTEMPT', 'AUTHN_REQUEST', 'AUTHN_SESSION_CREATED', 'AUTHN_SESSION_USED',
  'AUTHN_SESSION_DELETED', 'AUTHN_SESSIONS_DELETED', 'SRI_REVOKED', 'USER_KEY_AND_SRI_ASSOCIATED', 'STS',
  'WS-TRUST', 'PROVISIONING', 'EMAIL_VERIFICATION', 'PROFILE_MANAGEMENT', 'PWD_RESET', 'PWD_CHANGE',
  'ACCOUNT_UNLOCK', 'USERNAME_RECOVERY', 'CIBA', 'DEVICE_AUTHZ',
])

const EMPTY: AuditRecord = {
  time: undefined, trackingid: '', transactionid: '', event: '', subject: '', ip: '', app: '', connectionid: '',
  protocol: '', host: '', role: '', status: '', adapterid: '', description: '', responsetime: '',
}

/** A pipe-delimited audit line, or null when it is not one. */
function parseLine(line: string): AuditRecord | null {
  if (line.length > 65536) return null
  const f = line.split('|').map((s) => s.trim())
  if (f.length < 12) return null
  // The event column follows the time and the tracking id (and the transaction id on 11.3+).
  let e = -1
  for (const i of [2, 3]) {
    if (KNOWN_EVENTS.has((f[i] ?? '').toUpperCase())) { e = i; break }
  }
  if (e < 0 && EVENT_TOKEN.test(f[2] ?? '')) e = 2
  if (e < 0 || f.length < e + 11) return null
  const last = f.length - 1
  const hasResponse = last > e + 10
  return {
    time: f[0],
    trackingid: f[1] ?? '',
    transactionid: e === 3 ? (f[2] ?? '') : '',
    event: f[e] ?? '',
    subject: f[e + 1] ?? '',
    ip: f[e + 2] ?? '',
    app: f[e + 3] ?? '',
    connectionid: f[e + 4] ?? '',
    protocol: f[e + 5] ?? '',
    host: f[e + 6] ?? '',
    role: f[e + 7] ?? '',
    status: f[e + 8] ?? '',
    adapterid: f[e + 9] ?? '',
    // A description holding "|" is rejoined; the response time is the last column.
    description: (hasResponse ? f.slice(e + 10, last) : f.slice(e + 10)).join(' | '),
    responsetime: hasResponse ? (f[last] ?? '') : '',
  }
}

/** CEF extension `key=value` pairs: a value runs to the next ` key=` (a "=" inside a value is escaped "\\="). */
function cefExtensions(ext: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  const keys: { key: string; start: number; valueStart: number }[] = []
  const re = /(?:^|\s)([A-Za-z0-9_.]{1,64})=/g
  let m: RegExpExecArray | null
  while ((m = re.exec(ext)) !== null) keys.push({ key: m[1]!, start: m.index, valueStart: m.index + m[0].length })
  keys.forEach((k, i) => {
    const end = i + 1 < keys.length ? keys[i + 1]!.start : ext.length
    out[k.key] = ext.slice(k.valueStart, end).replace(/\\(.)/g, '$1').trim()
  })
  return out
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

/** CEF `rt`: epoch ms, or "MMM dd yyyy HH:mm:ss[.SSS]" (UTC, as ArcSight defines it). */
function cefTime(rt: string): string {
  const m = /^([A-Za-z]{3}) (\d{1,2}) (\d{4}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(rt.trim())
  if (!m) return rt
  const month = MONTHS.indexOf(m[1]!.toLowerCase())
  if (month < 0) return rt
  return `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[2]!.padStart(2, '0')}T${m[4]}Z`
}

/** A CEF audit line (PingFederate's CEF logging option), or null. */
function parseCef(line: string): AuditRecord | null {
  if (line.length > 65536) return null
  const m = /CEF:\d+\|([^|]*)\|([^|]*)\|[^|]*\|([^|]*)\|[^|]*\|[^|]*\|(.*)$/.exec(line)
  if (!m || !/pingfederate/i.test(m[2] ?? '')) return null
  const ext = cefExtensions(m[4] ?? '')
  const labelled = (label: RegExp): string => {
    for (let i = 1; i <= 6; i++) if (label.test(ext[`cs${i}Label`] ?? '')) return ext[`cs${i}`] ?? ''
    return ''
  }
  return {
    ...EMPTY,
    time: cefTime(ext.rt ?? ext.end ?? ext.start ?? ''),
    trackingid: ext.externalId ?? '',
    event: m[3] ?? '',
    subject: ext.duid ?? ext.suser ?? '',
    ip: ext.src ?? '',
    app: labelled(/target application|^app/i),
    connectionid: labelled(/connection/i),
    protocol: labelled(/protocol/i),
    host: ext.dvchost ?? '',
    role: labelled(/role/i),
    status: ext.msg ?? '',
    adapterid: labelled(/adapter/i),
    description: labelled(/description/i),
    responsetime: labelled(/response ?time/i),
  }
}

function fromObject(o: Obj): AuditRecord | null {
  const line = firstText(own(o, 'message'), own(o, 'log'), own(o, 'line'))
  if (line && !text(own(o, 'event'))) {
    const parsed = line.startsWith('CEF:') || line.includes('CEF:0|') ? parseCef(line) : parseLine(line)
    if (parsed) return parsed
  }
  const event = text(own(o, 'event'))
  if (!event) return null
  const g = (...keys: string[]): string => firstText(...keys.map((k) => own(o, k)))
  return {
    time: own(o, 'dt') ?? own(o, '%d') ?? own(o, 'timestamp') ?? own(o, 'time') ?? own(o, '@timestamp') ?? own(o, 'p_event_time'),
    trackingid: g('trackingid', 'trackingId', 'tracking_id'),
    transactionid: g('transactionid', 'transactionId'),
    event,
    subject: g('subject'),
    ip: g('ip', 'ipaddress', 'sourceIp'),
    app: g('app', 'application'),
    connectionid: g('connectionid', 'connectionId', 'partnerid'),
    protocol: g('protocol'),
    host: g('host', 'pfhost'),
    role: g('role'),
    status: g('status'),
    adapterid: g('adapterid', 'adapterId', 'authenticationsourceid', 'authenticationSourceId'),
    description: g('description'),
    responsetime: g('responsetime', 'responseTime'),
  }
}

interface AdapterKind { method?: Method; second?: SecondFactor; passkey?: boolean }

/** What an adapter instance stands for, read from its id (and the description). */
function adapterKind(adapter: string, description: string): AdapterKind {
  const a = adapter.toLowerCase()
  const d = description.toLowerCase()
  if (!a) return {}
  if (/passkey|fido|webauthn/.test(a)) return { method: 'passkey', passkey: true }
  if (/x\.?509|cert/.test(a)) return { method: 'certificate' }
  if (/kerberos|\biwa\b|spnego|desktop.?sso|windows.?auth/.test(a)) return { method: 'sso' }
  if (/pingid|mfa|otp|totp|\bduo\b|duo.?adapter|sms|push|authenticator|securid|radius|2fa|second.?factor/.test(a)) {
    const hint = `${a} ${d}`
    if (/fido|webauthn|security key|passkey/.test(hint)) return { second: 'webauthn', passkey: true }
    if (/push/.test(hint)) return { second: 'push' }
    if (/sms|text message/.test(hint)) return { second: 'sms' }
    if (/voice/.test(hint)) return { second: 'voice' }
    if (/e-?mail/.test(hint)) return { second: 'email' }
    if (/otp|totp|code|authenticator|securid/.test(hint)) return { second: 'totp' }
    return { second: 'other' }
  }
  if (/html|form|password|pwd|ldap|username/.test(a)) return { method: 'password' }
  return {}
}

function failureFrom(description: string, kind: AdapterKind): FailureReason {
  const d = description.toLowerCase()
  if (/locked/.test(d)) return 'locked_out'
  if (/cancel/.test(d)) return 'user_cancelled'
  if (/user.*not found|unknown user|no such user/.test(d)) return 'unknown_user'
  if (/denied|reject/.test(d) && kind.second) return 'mfa_denied'
  if (/policy|not authorized|unauthorized|access denied/.test(d)) return 'policy_denied'
  if (/password|credential/.test(d)) return 'invalid_credentials'
  if (kind.second) return 'mfa_failed'
  if (kind.passkey) return 'passkey_failed'
  if (kind.method === 'password') return 'invalid_credentials'
  return 'other'
}

function recordOf(payload: unknown): AuditRecord | null {
  if (typeof payload === 'string') {
    const s = payload.trim()
    return s.includes('CEF:') ? parseCef(s) : parseLine(s)
  }
  if (isObj(payload)) return fromObject(payload)
  return null
}

function readPingfederate(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  const r = recordOf(payload)
  if (!r) {
    return rejected('invalid_shape', 'not a PingFederate audit record: expected a pipe-delimited audit.log line, a CEF line or an object with an "event" field')
  }
  const event = r.event.toUpperCase()
  const status = r.status.toLowerCase().replace(/[\s_-]/g, '')
  const isStep = event === 'AUTHN_ATTEMPT' || event === 'AUTHN_REQUEST'
  const isLogin = event === 'SSO' || event === 'OAUTH'
  if (!isStep && !isLogin) return ignored(`PingFederate ${r.event} event is session or protocol bookkeeping, not a sign-in`)
  if (event === 'OAUTH' && !r.adapterid) {
    return ignored('PingFederate OAuth event without an authentication adapter: a token request, not a sign-in')
  }
  if (status !== 'success' && status !== 'failure' && status !== 'inprogress') {
    return rejected('invalid_value', `PingFederate ${r.event} event has an unknown status "${clip(r.status, 80)}"`)
  }

  const tsMs = timeOf(r.time)
  if (tsMs === null) return rejected('missing_field', `the PingFederate ${r.event} event has no usable time`)
  const flowId = r.trackingid && r.trackingid !== '-' ? r.trackingid : ''
  const kind: AdapterKind = event === 'AUTHN_REQUEST' ? { method: 'sso' } : adapterKind(r.adapterid, r.description)

  if (status === 'inprogress') {
    if (!flowId) return ignored(`PingFederate ${r.event} in progress without a tracking id says nothing on its own`)
    // The start of a flow: its time pairs with the final event for latency.
    const step: FlowStep = { flow_id: clip(flowId, 512), tsMs, contributes: {}, standalone: null }
    return accepted([], [step])
  }

  const user = userKey([r.subject])
  if (!user) {
    if (isStep && status === 'success') return ignored(`PingFederate ${r.event} without a subject (identifier step)`)
    return rejected('missing_field', `the PingFederate ${r.event} event has no subject`)
  }
  const success = status === 'success'
  const base: RowInput = {
    tsMs,
    event_type: 'login',
    outcome: success ? 'success' : 'failure',
    failure_reason: success ? '' : failureFrom(r.description, kind),
    user_id: user,
    source_event_id: '',
    flow_id: flowId,
    app: firstText(r.app, r.connectionid),
    ip: r.ip,
    method: kind.method ?? 'unknown',
    second_factor: kind.second ?? 'unknown',
  }
  if (kind.passkey) base.passkey_type = 'unknown'

  if (isStep) {
    const contributes: FlowStep['contributes'] = {}
    if (kind.method) contributes.method = kind.method
    if (kind.second) contributes.second_factor = kind.second
    if (kind.passkey) contributes.passkey_type = 'unknown'
    if (!success) {
      contributes.outcome = 'failure'
      contributes.failure_reason = base.failure_reason as FailureReason
    }
    if (success && !flowId) {
      return ignored(`PingFederate ${r.event} passed without a tracking id: the SSO event logs the login`)
    }
    const bounded = boundInput(base)
    if (!bounded) return rejected('invalid_value', 'the PingFederate subject is longer than 512 characters')
    const standalone = success ? null : completeRow(bounded, 'pingfederate', payload, ctx)
    if (!flowId && standalone) return accepted([standalone])
    const step: FlowStep = { flow_id: clip(flowId, 512), tsMs, contributes, standalone }
    return accepted([], [step])
  }

  const rt = num(r.responsetime)
  base.latency_ms = rt !== null && rt > 0 ? rt : null
  return acceptRow(base, 'pingfederate', payload, ctx, 'the PingFederate subject is longer than 512 characters')
}

function looksLikeLine(s: string): boolean {
  return (s.includes('CEF:') && /\|PingFederate\|/i.test(s)) ||
    /\|\s*(AUTHN_ATTEMPT|AUTHN_REQUEST|AUTHN_SESSION_[A-Z]+|SSO|SLO|OAuth|SRI_REVOKED)\s*\|/.test(s)
}

/** Pure: one payload → rows / flow steps, ignored or rejected with a reason; never throws. */
export const normalizePingfederate = guarded('PingFederate', readPingfederate)

export const pingfederateNormalizer: Normalizer = {
  source: 'pingfederate',
  normalize: normalizePingfederate,
  // An audit record object (event + PingFederate's tracking/adapter/connection fields) or a shipped audit line.
  detect: (p) => {
    const event = own(p, 'event')
    if (typeof event === 'string') {
      return ['trackingid', 'adapterid', 'connectionid', 'responsetime', 'authenticationsourceid'].some((k) => k in p)
    }
    const line = own(p, 'message') ?? own(p, 'log')
    return typeof line === 'string' && line.length < 65536 && looksLikeLine(line)
  },
}
