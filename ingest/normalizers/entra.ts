// `entra`: Microsoft Entra ID sign-in and audit logs, in both shapes they are exported in:
//   - Microsoft Graph resources at the top level: `signIn` (/auditLogs/signIns) and `directoryAudit`
//     (/auditLogs/directoryAudits);
//   - Azure Monitor diagnostic records (Event Hub, storage, SIEM exports): an envelope with `time`,
//     `category` (SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs,
//     ManagedIdentitySignInLogs, AuditLogs), `resultType`, `durationMs` (may be a string),
//     `callerIpAddress`, `correlationId`, and the Graph record under `properties`. Some exporters lower-case
//     the envelope's keys (`resulttype`, `durationms`); Log Analytics stores nested columns as JSON text.
//
// One sign-in record is one login: its `authenticationDetails[]` steps are combined into the primary
// method and the second factor (entra-methods.ts). Records that end in an interrupt (50074 "strong
// authentication required", 50140 "keep me signed in", …) are not outcomes: they become flow steps
// keyed by correlationId, joined to the record that completes the sign-in.
import type { FailureReason, Method, SecondFactor } from '../../schemas/auth-event.js'
import { accepted, ignored, rejected, type FlowStep, type NormalizeResult } from '../fate.js'
import { parseTimestamp } from '../time.js'
import {
  combineSteps, credentialOf, entraKind, isPasskeyKind, readSteps, stepsFromMethodsUsed, syncedHintOf,
  type Credential, type MethodFacts, type Step,
} from './entra-methods.js'
import { arrAt, clip, deviceFields, field, guarded, ipText, isObj, num, objAt, scalarText, textAt, type Obj } from './fields.js'
import { known, subjectKey } from './okta-entra-shared.js'
import { normalizeAaguid } from './passkey.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

const SOURCE = 'entra'

// ------------------------------------------------------------------------------------------------
// Error codes (status.errorCode / resultType). 0 is success.

/** Sign-in interrupts: the user is asked for more (MFA, consent to stay signed in, account choice, …). */
export const INTERRUPT_CODES = new Set([
  16000, 16001, 50058, 50072, 50074, 50076, 50079, 50097, 50125, 50129, 50140, 50158, 50199,
])

const FAILURE_CODES: Record<number, FailureReason> = {
  50126: 'invalid_credentials', // invalid username or password
  50056: 'invalid_credentials', // invalid or null password
  50064: 'invalid_credentials', // credential validation failed
  7000215: 'invalid_credentials', // invalid client secret (service principals)
  7000222: 'invalid_credentials', // expired client secret
  700027: 'invalid_credentials', // client assertion failed signature validation
  50034: 'unknown_user', // the account does not exist in the directory
  500341: 'unknown_user', // the account has been deleted
  50053: 'locked_out', // account locked (smart lockout) or sign-in from a blocked IP
  500121: 'mfa_failed', // authentication failed during the strong authentication request
  50088: 'mfa_failed', // limit on telecom MFA calls reached
  50146: 'mfa_failed',
  53000: 'policy_denied', // device not compliant (Conditional Access)
  53001: 'policy_denied', // device not domain joined
  53002: 'policy_denied', // application not approved
  53003: 'policy_denied', // blocked by Conditional Access
  53004: 'policy_denied', // MFA registration required but blocked by policy
  530032: 'policy_denied', // blocked by security policy
  50105: 'policy_denied', // user not assigned to the application
  50131: 'policy_denied', // Conditional Access failed
}

export function entraFailureReason(code: number, facts: MethodFacts, failureText: string): FailureReason {
  const failed = facts.failedStep
  const detail = `${failed?.resultDetail ?? ''} ${failureText}`
  if (/cancel/i.test(detail)) return 'user_cancelled'
  if (failed && !isPrimaryKind(failed) && /denied|declined|fraud|reject/i.test(detail)) return 'mfa_denied'
  const byCode = FAILURE_CODES[code]
  if (failed && isPasskeyKind(failed.kind) && (byCode === undefined || byCode === 'mfa_failed')) return 'passkey_failed'
  if (byCode) return byCode
  if (failed?.kind === 'password') return 'invalid_credentials'
  return 'other'
}

function isPrimaryKind(s: Step): boolean {
  return s.requirement === 'primary' || s.kind === 'password' || s.kind === 'federated'
}

// ------------------------------------------------------------------------------------------------
// Shapes

interface Shape {
  /** The Graph record (signIn or directoryAudit): `properties` of an Azure Monitor envelope, or the payload. */
  rec: Obj
  /** The Azure Monitor envelope, when there is one. */
  env: Obj | undefined
  category: string
}

function shapeOf(p: Obj): Shape {
  const props = objAt(p, 'properties')
  const envelope = props !== undefined && (
    field(p, 'category') !== undefined || field(p, 'operationName') !== undefined || field(p, 'resultType') !== undefined ||
    field(p, 'time') !== undefined || field(p, 'resourceId') !== undefined
  )
  return {
    rec: envelope ? props! : p,
    env: envelope ? p : undefined,
    // Log Analytics rows name their table in `Type` (SigninLogs, AADNonInteractiveUserSignInLogs, …).
    category: textAt(p, 'category') || (envelope ? '' : textAt(p, 'Type')),
  }
}

const SIGNIN_CATEGORY = /signinlogs$/i
const SERVICE_CATEGORY = /^(serviceprincipalsigninlogs|managedidentitysigninlogs|aadserviceprincipalsigninlogs|aadmanagedidentitysigninlogs)$/i
const NON_INTERACTIVE_CATEGORY = /^(noninteractiveusersigninlogs|aadnoninteractiveusersigninlogs)$/i

function isSignIn(s: Shape): boolean {
  if (SIGNIN_CATEGORY.test(s.category)) return true
  if (/^sign-?in activity$/i.test(textAt(s.env, 'operationName'))) return true
  // Graph signIn at the top level: enough of its distinctive properties (one may be missing, so that
  // a record without its time or user is rejected with that reason rather than not recognised).
  const r = s.rec
  const has = (k: string) => field(r, k) !== undefined
  const signals = [
    has('createdDateTime'), has('userPrincipalName') || has('userId') || has('servicePrincipalId'), has('status'),
    has('authenticationDetails'), has('appId') || has('appDisplayName'), has('conditionalAccessStatus') || has('clientAppUsed'),
  ].filter(Boolean).length
  return signals >= 3 && (has('createdDateTime') || has('status') || has('authenticationDetails'))
}

function isAudit(s: Shape): boolean {
  if (/^auditlogs$/i.test(s.category)) return true
  const r = s.rec
  return field(r, 'activityDisplayName') !== undefined && (field(r, 'loggedByService') !== undefined || field(r, 'initiatedBy') !== undefined)
}

/** The first time present among `keys` ('rec.x' reads the Graph record, 'env.x' the envelope). */
function timeOf(s: Shape, keys: readonly string[]): number | string {
  for (const k of keys) {
    const dot = k.indexOf('.')
    const key = k.slice(dot + 1)
    const v = field(k.startsWith('rec') ? s.rec : s.env, key)
    if (v === undefined || v === null || v === '') continue
    const ms = parseTimestamp(v)
    return ms ?? `${key} is not a timestamp between 2000 and 2100: ${JSON.stringify(v).slice(0, 80)}`
  }
  return 'the record has no time (createdDateTime / time are missing)'
}

function rejectTime(t: string): NormalizeResult {
  return rejected(t.startsWith('the record has no time') ? 'missing_field' : 'invalid_value', t)
}

// ------------------------------------------------------------------------------------------------
// Sign-ins

/** 0 for success, the error code otherwise; undefined when the record says neither. */
function errorCodeOf(s: Shape): number | undefined {
  const status = objAt(s.rec, 'status')
  const code = num(field(status, 'errorCode'))
  if (code !== null) return code
  const rt = field(s.env, 'resultType') ?? field(s.rec, 'resultType')
  const n = num(rt)
  if (n !== null) return n
  const t = scalarText(rt).toLowerCase()
  if (t === 'success') return 0
  if (t === 'failure' || t === 'failed') return -1
  const sig = textAt(s.env, 'resultSignature').toLowerCase()
  if (sig === 'success') return 0
  return undefined
}

const LEGACY_CLIENTS = /^(authenticated smtp|imap4?|pop3?|exchange activesync|autodiscover|exchange web services|exchange online powershell|mapi over http|offline address book|outlook anywhere.*|reporting web services|universal outlook|other clients; (imap|pop|smtp).*)$/i

function methodFacts(rec: Obj): MethodFacts {
  const used = arrAt(rec, 'authenticationMethodsUsed')
  const syncedHint = syncedHintOf(used)
  let steps = readSteps(arrAt(rec, 'authenticationDetails'))
  if (steps.length === 0) steps = stepsFromMethodsUsed(used)
  if (steps.length === 0) {
    // Legacy MFA detail: the second factor alone.
    const mfaMethod = textAt(rec, 'mfaDetail', 'authMethod')
    if (mfaMethod) steps = [{ kind: entraKind(mfaMethod), succeeded: undefined, requirement: 'mfa', detail: '', resultDetail: '' }]
  }
  const facts = combineSteps(steps, syncedHint)
  if (facts.method === 'unknown') {
    // ROPC and legacy (basic-auth) protocols always present a password, and cannot do MFA.
    const protocol = textAt(rec, 'authenticationProtocol').toLowerCase()
    if (protocol === 'ropc' || LEGACY_CLIENTS.test(textAt(rec, 'clientAppUsed'))) {
      facts.method = 'password'
      if (facts.second_factor === 'unknown') facts.second_factor = 'none'
    }
  }
  return facts
}

function signInKind(s: Shape): 'service' | 'non_interactive' | 'interactive' {
  const types = arrAt(s.rec, 'signInEventTypes').map((t) => scalarText(t).toLowerCase())
  if (SERVICE_CATEGORY.test(s.category) || types.includes('serviceprincipal') || types.includes('managedidentity')) return 'service'
  const hasUser = known(textAt(s.rec, 'userPrincipalName')) || known(textAt(s.rec, 'userId'))
  if (!hasUser && (known(textAt(s.rec, 'servicePrincipalId')) || known(textAt(s.rec, 'servicePrincipalName')))) return 'service'
  if (NON_INTERACTIVE_CATEGORY.test(s.category)) return 'non_interactive'
  if (types.includes('noninteractiveuser') && !types.includes('interactiveuser')) return 'non_interactive'
  if (field(s.rec, 'isInteractive') === false || scalarText(field(s.rec, 'isInteractive')).toLowerCase() === 'false') return 'non_interactive'
  return 'interactive'
}

/** The row of a sign-in with every field in a fixed order, filled by assignment (spreads are slow). */
function signInInput(s: Shape, tsMs: number, who: { user_id: string; user_domain: string }): RowInput {
  const r = s.rec
  const ua = clip(textAt(r, 'userAgent'), 2048)
  const device = objAt(r, 'deviceDetail')
  const d = deviceFields(ua, known(textAt(device, 'browser')), known(textAt(device, 'operatingSystem')))
  const country = textAt(r, 'location', 'countryOrRegion') || (typeof field(s.env, 'location') === 'string' ? textAt(s.env, 'location') : '')
  const latency = num(field(s.env, 'durationMs'))
  const tenant = clip(textAt(r, 'tenantId') || textAt(s.env, 'tenantId'), 256)
  const input: RowInput = {
    tsMs,
    source_event_id: clip(textAt(r, 'id'), 512),
    event_type: 'login', outcome: 'success', failure_reason: '',
    user_id: who.user_id, user_domain: who.user_domain,
    app: clip(textAt(r, 'appDisplayName') || textAt(r, 'resourceDisplayName'), 1024),
    method: 'unknown', second_factor: 'none', passkey_type: '', authenticator: '', aaguid: '', phishing_resistant: 0,
    // Under half a millisecond rounds to 0, which SPEC §1 stores as NULL.
    latency_ms: latency !== null && latency >= 0.5 ? latency : null,
    flow_id: clip(textAt(r, 'correlationId') || textAt(s.env, 'correlationId'), 512),
    ip: ipText(field(r, 'ipAddress')) || ipText(field(s.env, 'callerIpAddress')),
    country: clip(known(country), 64),
    user_agent: ua,
    browser: d.browser, browser_version: d.browser_version, os: d.os, os_version: d.os_version, device_type: d.device_type,
  }
  if (tenant) input.vendor_tenant = tenant
  return input
}

/** What an interrupted record tells the sign-in it belongs to (e.g. the password was right). */
function interruptContribution(facts: MethodFacts, steps: Step[]): FlowStep['contributes'] {
  const c: FlowStep['contributes'] = {}
  const ok = steps.filter((st) => st.succeeded !== false)
  if (ok.length === 0) return c
  if (facts.method !== 'unknown') c.method = facts.method
  if (facts.second_factor !== 'unknown' && facts.second_factor !== 'none') c.second_factor = facts.second_factor
  if (facts.passkey_type) {
    c.passkey_type = facts.passkey_type
    c.authenticator = facts.authenticator
    c.aaguid = facts.aaguid
  }
  if (facts.phishing_resistant) c.phishing_resistant = 1
  return c
}

function signIn(p: Obj, s: Shape, ctx: NormalizeContext): NormalizeResult {
  const ts = timeOf(s, ['rec.createdDateTime', 'env.time', 'rec.TimeGenerated', 'env.TimeGenerated'])
  if (typeof ts === 'string') return rejectTime(ts)
  const kind = signInKind(s)
  const r = s.rec
  const who = kind === 'service'
    ? subjectKey(textAt(r, 'servicePrincipalName'), textAt(r, 'servicePrincipalId') || textAt(r, 'appId'))
    : subjectKey(textAt(r, 'userPrincipalName'), textAt(r, 'userId'))
  if (who === 'too_long') return rejected('invalid_value', 'userPrincipalName is longer than 512 characters')
  if (!who) return rejected('missing_field', 'the sign-in names no user (userPrincipalName and userId are missing)')
  const code = errorCodeOf(s)
  if (code === undefined) return rejected('missing_field', 'the sign-in has no status.errorCode or resultType: its outcome is unknown')
  const c = signInInput(s, ts, who)
  const facts = methodFacts(r)

  if (INTERRUPT_CODES.has(code)) {
    // Without a correlation id the interrupt cannot meet the sign-in it interrupted, and says nothing alone.
    if (!c.flow_id) return ignored('an interrupted sign-in without a correlationId: nothing to join it to')
    const steps = readSteps(arrAt(r, 'authenticationDetails'))
    return accepted([], [{ flow_id: c.flow_id, tsMs: ts, contributes: interruptContribution(facts, steps), standalone: null }])
  }

  const success = code === 0
  if (kind === 'service') {
    // Application credentials (secret, certificate, managed identity): not interactive, outside login KPIs.
    c.method = 'api_token'
    c.user_type = 'service'
  } else if (kind === 'non_interactive' && !presentsCredential(facts)) {
    // Token refreshes and other sign-ins riding an earlier session present no credential of their own.
    c.method = 'api_token'
  } else {
    c.method = facts.method
    c.second_factor = facts.second_factor
    c.passkey_type = facts.passkey_type
    c.authenticator = facts.authenticator
    c.aaguid = facts.aaguid
    c.phishing_resistant = facts.phishing_resistant
    // MFA satisfied by a claim in the token (earlier in the session), with a factor the record does not name.
    if (success && facts.hasSteps && c.second_factor === 'none' && (c.method === 'password' || c.method === 'sso') && mfaClaimed(r)) {
      c.second_factor = 'other'
    }
  }
  if (kind !== 'service' && /^guest$/i.test(textAt(r, 'userType'))) c.user_type = 'guest'
  if (!success) {
    c.outcome = 'failure'
    c.failure_reason = entraFailureReason(code, facts, textAt(r, 'status', 'failureReason') || textAt(s.env, 'resultDescription'))
  }
  return accepted([completeRow(c, SOURCE, p, ctx)])
}

function presentsCredential(f: MethodFacts): boolean {
  return f.method !== 'unknown' && f.method !== 'sso'
}

function mfaClaimed(r: Obj): boolean {
  return /mfa requirement satisfied by claim/i.test(textAt(r, 'status', 'additionalDetails')) ||
    /^multifactorauthentication$/i.test(textAt(r, 'authenticationRequirement'))
}

// ------------------------------------------------------------------------------------------------
// Audit: method registrations and removals, password resets and changes.

type AuditAction = 'register' | 'delete' | 'reset' | 'change'

// "User/Admin registered security info" is logged by the Authentication Methods service for every
// method; the FIDO service also logs "Add Passkey (device-bound)" / "Add FIDO2 security key" with the
// credential's AAGUID. Both are mapped (a passkey registration then has two rows, which the credential
// state of SPEC §2 does not mind; only the second names the authenticator).
const AUDIT_ACTIVITIES: [RegExp, AuditAction][] = [
  [/^(user|admin) registered security info$/i, 'register'],
  [/^(user|admin) deleted security info$/i, 'delete'],
  [/^add (passkey\b.*|fido2? security key)$/i, 'register'],
  [/^(delete|remove) (passkey\b.*|fido2? security key)$/i, 'delete'],
  [/^(reset password \(self-service\)|reset user password|reset password \(by admin\)|admin reset password)$/i, 'reset'],
  [/^(change password \(self-service\)|change user password)$/i, 'change'],
]

interface Registered {
  kind: 'passkey' | 'mfa' | 'skip'
  second_factor: SecondFactor
  credential: Credential
  why?: string
}

/** What the audit record says was registered or deleted (its resultReason names the method). */
function registeredMethod(rec: Obj, activity: string): Registered {
  const reason = textAt(rec, 'resultReason')
  const details = arrAt(rec, 'additionalDetails')
  let aaguid = ''
  // The FIDO service's activity names the credential itself ("Add Passkey (device-bound)").
  const words: string[] = /security info$/i.test(activity) ? [reason] : [activity, reason]
  for (const d of details) {
    if (!isObj(d)) continue
    const key = textAt(d, 'key')
    const value = textAt(d, 'value')
    if (/aaguid/i.test(key)) aaguid = aaguid || normalizeAaguid(value)
    if (/method|authenticat/i.test(key)) words.push(value)
  }
  const said = words.join(' ')
  const none: Credential = { passkey_type: '', authenticator: '', aaguid: '' }
  const skip = (why: string): Registered => ({ kind: 'skip', second_factor: 'none', credential: none, why })
  const mfa = (second_factor: SecondFactor): Registered => ({ kind: 'mfa', second_factor, credential: none })
  if (/fido|passkey|windows hello/i.test(said)) {
    const k = entraKind(said)
    const step: Step = { kind: isPasskeyKind(k) ? k : 'fido2', succeeded: true, requirement: '', detail: aaguid, resultDetail: '' }
    const credential = credentialOf(step, undefined)
    return { kind: 'passkey', second_factor: 'none', credential: { ...credential, passkey_type: credential.passkey_type || 'unknown' } }
  }
  if (/temporary access pass/i.test(said)) return skip('a Temporary Access Pass is a temporary credential, not an enrolment')
  if (/app password/i.test(said)) return skip('an app password is not an authentication method enrolment')
  if (/notification|authenticator app|microsoft authenticator|mobile app/i.test(said)) return mfa('push')
  if (/oath|software token|hardware token|verification code/i.test(said)) return mfa('totp')
  if (/alternate (mobile )?phone|office phone|voice|phone call/i.test(said)) return mfa('voice')
  if (/phone|sms|text message/i.test(said)) return mfa('sms')
  if (/e-?mail/i.test(said)) return mfa('email')
  if (/security question/i.test(said)) return mfa('other')
  if (/password/i.test(said)) return skip('a password is not an MFA enrolment')
  return mfa('unknown')
}

function auditSubject(rec: Obj): { user_id: string; user_domain: string } | string {
  for (const t of arrAt(rec, 'targetResources')) {
    if (!isObj(t) || !/^user$/i.test(textAt(t, 'type'))) continue
    const k = subjectKey(textAt(t, 'userPrincipalName'), textAt(t, 'id'))
    if (k === 'too_long') return 'the target user principal name is longer than 512 characters'
    if (k) return k
  }
  const k = subjectKey(textAt(rec, 'initiatedBy', 'user', 'userPrincipalName'), textAt(rec, 'initiatedBy', 'user', 'id'))
  if (k === 'too_long') return 'initiatedBy.user.userPrincipalName is longer than 512 characters'
  return k ?? 'the audit record names no user (targetResources and initiatedBy.user are missing)'
}

function audit(p: Obj, s: Shape, ctx: NormalizeContext): NormalizeResult {
  const rec = s.rec
  const activity = textAt(rec, 'activityDisplayName') || textAt(s.env, 'operationName') || textAt(rec, 'operationName')
  const action = AUDIT_ACTIVITIES.find(([re]) => re.test(activity))?.[1]
  if (!action) {
    if (/registered all required security info/i.test(activity)) {
      return ignored('"User registered all required security info" summarises the per-method registrations, which are counted one by one')
    }
    return ignored(`audit activity "${clip(activity || 'unnamed', 120)}" is not about authentication credentials`)
  }
  const result = (textAt(rec, 'result') || textAt(s.env, 'resultSignature') || textAt(s.env, 'resultType')).toLowerCase()
  if (result && !/^(success|0|none)$/.test(result)) return ignored(`"${activity}" did not succeed (${clip(result, 40)}): nothing changed`)
  const ts = timeOf(s, ['rec.activityDateTime', 'env.time', 'rec.TimeGenerated'])
  if (typeof ts === 'string') return rejectTime(ts)
  const who = auditSubject(rec)
  if (typeof who === 'string') return rejected(who.includes('longer') ? 'invalid_value' : 'missing_field', who)
  let ua = ''
  for (const d of arrAt(rec, 'additionalDetails')) if (/^user-?agent$/i.test(textAt(d, 'key'))) ua = clip(textAt(d, 'value'), 2048)
  let event_type: RowInput['event_type']
  let method: Method = 'password'
  let second_factor: SecondFactor = 'none'
  let credential: Credential = { passkey_type: '', authenticator: '', aaguid: '' }
  if (action === 'reset' || action === 'change') {
    event_type = action === 'reset' ? 'password_reset' : 'password_changed'
  } else {
    const m = registeredMethod(rec, activity)
    if (m.kind === 'skip') return ignored(`"${activity}": ${m.why}`)
    const added = action === 'register'
    if (m.kind === 'passkey') {
      event_type = added ? 'passkey_registered' : 'passkey_removed'
      method = 'passkey'
      credential = m.credential
    } else {
      event_type = added ? 'mfa_enrolled' : 'mfa_removed'
      method = 'unknown'
      second_factor = m.second_factor
    }
  }
  const d = deviceFields(ua, '', '')
  const tenant = clip(textAt(rec, 'tenantId') || textAt(s.env, 'tenantId'), 256)
  const input: RowInput = {
    tsMs: ts,
    source_event_id: clip(textAt(rec, 'id'), 512),
    event_type, outcome: 'success', failure_reason: '',
    user_id: who.user_id, user_domain: who.user_domain,
    method, second_factor, passkey_type: credential.passkey_type, authenticator: credential.authenticator, aaguid: credential.aaguid,
    ip: ipText(field(objAt(rec, 'initiatedBy', 'user'), 'ipAddress')) || ipText(field(s.env, 'callerIpAddress')),
    user_agent: ua,
    browser: d.browser, browser_version: d.browser_version, os: d.os, os_version: d.os_version, device_type: d.device_type,
  }
  if (tenant) input.vendor_tenant = tenant
  return accepted([completeRow(input, SOURCE, p, ctx)])
}

// ------------------------------------------------------------------------------------------------

function run(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isObj(payload)) return rejected('invalid_shape', 'an Entra ID log record must be a JSON object')
  const s = shapeOf(payload)
  if (isSignIn(s)) return signIn(payload, s, ctx)
  if (isAudit(s)) return audit(payload, s, ctx)
  const what = textAt(s.rec, 'activityDisplayName') || textAt(payload, 'operationName') || s.category
  if (what) return ignored(`Entra record "${clip(what, 120)}" is neither a sign-in nor a credential change`)
  return rejected('unrecognised', 'neither an Entra sign-in (createdDateTime, userPrincipalName, status) nor an audit record (activityDisplayName)')
}

// Defence in depth: the readers above do not throw, but a normaliser must never do so.
export const normalizeEntra = guarded('Entra', run, 'record')

/** Entra's shapes: an Azure Monitor record of the Entra log categories, or a Graph signIn / directoryAudit. */
export function detectEntra(p: Record<string, unknown>): boolean {
  const category = textAt(p, 'category')
  if (isObj(objAt(p, 'properties'))) {
    if (/^(signinlogs|noninteractiveusersigninlogs|serviceprincipalsigninlogs|managedidentitysigninlogs|auditlogs|provisioninglogs|adfssigninlogs|riskyusers|userriskevents|microsoftgraphactivitylogs)$/i.test(category)) return true
    if (/microsoft\.aadiam/i.test(textAt(p, 'resourceId'))) return true
    if (/^sign-?in activity$/i.test(textAt(p, 'operationName'))) return true
  }
  if (/^(signinlogs|aadnoninteractiveusersigninlogs|aadserviceprincipalsigninlogs|aadmanagedidentitysigninlogs|auditlogs)$/i.test(textAt(p, 'Type')) &&
    field(p, 'TimeGenerated') !== undefined) return true
  const s: Shape = { rec: p, env: undefined, category: '' }
  return isSignIn(s) || (isAudit(s) && field(p, 'activityDateTime') !== undefined)
}

export const entraNormalizer: Normalizer = {
  source: 'entra',
  normalize: normalizeEntra,
  detect: detectEntra,
}

