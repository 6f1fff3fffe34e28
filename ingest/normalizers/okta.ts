// `okta`: Okta System Log events (/api/v1/logs), Classic and Identity Engine (OIE), also as exported by
// SIEMs that lower-case some keys (`eventtype`, `debugcontext`). One sign-in is spread over several
// events: OIE logs every authenticator it verifies as `user.authentication.auth_via_mfa` (password
// included), then `user.session.start`. The verification events become flow steps (SPEC §1 "one login
// per completed flow"), joined to the session's login row by the authentication session id.
//
// Mapping (SPEC §1 and its mapping rules):
//   user.session.start                     → login (final event of a flow)
//   user.authentication.sso                → login, method sso (an app reached through the Okta session)
//   user.authentication.auth_via_mfa/verify → step (password → method; push/code/SMS/… → second factor;
//                                             WebAuthn → second factor webauthn + credential; FastPass →
//                                             method authenticator_app, phishing-resistant)
//   auth_via_IDP / _social / _AD_agent / _LDAP_agent / _radius / _richclient / authenticate
//                                          → step naming the primary credential; stands for a login when
//                                             no session follows
//   system.push.send_factor_verify_push    → step without facts (flow start time)
//   user.mfa.okta_verify.deny_push         → step: failure mfa_denied
//   user.mfa.factor.activate / deactivate  → passkey_registered / passkey_removed for WebAuthn, else
//                                             mfa_enrolled / mfa_removed
//   user.mfa.factor.reset_all              → mfa_removed and passkey_removed (every factor is gone)
//   user.account.reset_password / update_password / lock → password_reset / password_changed / account_locked
//   policy.evaluate_sign_on, app.*, everything else → ignored (not a login, or not about authentication)
import type { AuthEvent, FailureReason, Method, SecondFactor } from '../../schemas/auth-event.js'
import { accepted, ignored, rejected, type FlowStep, type NormalizeResult } from '../fate.js'
import { parseTimestamp } from '../time.js'
import {
  factorFacts, isSecondFactorKind, pushDenied, secondFactorOf, targetsInclude,
  type FactorFacts, type FactorKind,
} from './okta-factors.js'
import { arrAt, clip, deviceFields, field, guarded, ipText, isObj, lookup, objAt, scalarText, textAt, type Obj } from './fields.js'
import { known, subjectKey } from './okta-entra-shared.js'
import { classifyPasskey } from './passkey.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

const SOURCE = 'okta'

const STEP_EVENTS = new Set([
  'user.authentication.auth_via_mfa',
  'user.authentication.verify',
])
// Primary-credential events: a step of the flow, and a login of their own when no session follows.
const PRIMARY_EVENTS: Record<string, Method> = {
  'user.authentication.auth_via_idp': 'sso',
  'user.authentication.auth_via_social': 'sso',
  'user.authentication.auth_via_inbound_saml': 'sso',
  'user.authentication.auth_via_iwa': 'sso',
  'user.authentication.authenticate': 'password',
  'user.authentication.auth_via_ad_agent': 'password',
  'user.authentication.auth_via_ldap_agent': 'password',
  'user.authentication.auth_via_radius': 'password',
  'user.authentication.auth_via_richclient': 'password',
}

type Outcome = 'success' | 'failure' | 'pending'

/** For final events: a missing outcome makes the event incomplete, not merely undecided. */
function missingOutcome(p: unknown, eventType: string): NormalizeResult | null {
  return textAt(p, 'outcome', 'result')
    ? null
    : rejected('missing_field', `${eventType} has no outcome.result: whether the sign-in succeeded is unknown`)
}

function outcomeOf(p: unknown): Outcome {
  const r = textAt(p, 'outcome', 'result').toUpperCase()
  if (r === 'SUCCESS' || r === 'ALLOW') return 'success'
  if (r === 'FAILURE' || r === 'DENY') return 'failure'
  return 'pending'
}

/** Okta's outcome.reason (and the factor involved) → SPEC failure_reason. */
export function oktaFailureReason(p: unknown, kind: FactorKind): FailureReason {
  const reason = textAt(p, 'outcome', 'reason').toUpperCase()
  const result = textAt(p, 'outcome', 'result').toUpperCase()
  const actorId = textAt(p, 'actor', 'id').toLowerCase()
  const mfa = isSecondFactorKind(kind) && kind !== 'webauthn'
  if (/PHISHING/.test(reason)) return 'phishing_blocked'
  if (/LOCKED/.test(reason)) return 'locked_out'
  if (pushDenied(p) || /DENIED|DENY|REJECT/.test(reason) && mfa) return 'mfa_denied'
  if (/UNKNOWN_USER|USER_NOT_FOUND|USER NOT FOUND/.test(reason)) return 'unknown_user'
  // Okta logs sign-ins of names it does not know as VERIFICATION_ERROR with actor id "unknown".
  if (/VERIFICATION_ERROR/.test(reason) && (!actorId || actorId === 'unknown')) return 'unknown_user'
  if (/CANCEL/.test(reason)) return 'user_cancelled'
  if (/POLICY|DISALLOWED|NOT_ALLOWED|NOT ALLOWED|ACCESS_DENIED|NOT ASSIGNED/.test(reason) || (result === 'DENY' && !reason)) return 'policy_denied'
  if (kind === 'webauthn') return 'passkey_failed'
  if (mfa) return 'mfa_failed'
  if (/INVALID_CREDENTIALS|VERIFICATION_ERROR|INVALID_PASSWORD|PASSWORD/.test(reason)) return 'invalid_credentials'
  return 'other'
}

/** What every row of one Okta event shares. */
interface Common extends Pick<AuthEvent,
  'source_event_id' | 'ip' | 'country' | 'user_agent' | 'browser' | 'browser_version' | 'os' | 'os_version' |
  'device_type' | 'app' | 'flow_id'> {
  tsMs: number
}

function appName(p: unknown): string {
  for (const t of arrAt(p, 'target')) {
    if (isObj(t) && scalarText(field(t, 'type')) === 'AppInstance') {
      const name = known(textAt(t, 'displayName')) || known(textAt(t, 'alternateId'))
      if (name) return clip(name, 1024)
    }
  }
  return ''
}

/** The authentication session that ties an OIE flow's events together. */
function flowIdOf(p: unknown): string {
  return clip(
    known(textAt(p, 'authenticationContext', 'externalSessionId')) ||
    known(textAt(p, 'authenticationContext', 'rootSessionId')) ||
    known(textAt(p, 'transaction', 'id')),
    512,
  )
}

function common(p: Obj, tsMs: number): Common {
  const ua = clip(textAt(p, 'client', 'userAgent', 'rawUserAgent'), 2048)
  const d = deviceFields(
    ua, known(textAt(p, 'client', 'userAgent', 'browser')), known(textAt(p, 'client', 'userAgent', 'os')), textAt(p, 'client', 'device'),
  )
  const chain = arrAt(p, 'request', 'ipChain')[0]
  return {
    tsMs,
    source_event_id: clip(known(textAt(p, 'uuid')), 512),
    ip: ipText(textAt(p, 'client', 'ipAddress')) || ipText(field(chain, 'ip')),
    country: clip(textAt(p, 'client', 'geographicalContext', 'country'), 64),
    user_agent: ua,
    browser: d.browser, browser_version: d.browser_version, os: d.os, os_version: d.os_version, device_type: d.device_type,
    app: appName(p),
    flow_id: flowIdOf(p),
  }
}

type Subject = { user_id: string; user_domain: string }

/** The person signing in: the actor (for failures of unknown users, the login name they typed). */
function actorSubject(p: unknown): Subject | string {
  const k = subjectKey(textAt(p, 'actor', 'alternateId'), textAt(p, 'actor', 'id'))
  if (k === 'too_long') return 'actor.alternateId is longer than 512 characters'
  if (!k) return 'the event names no user (actor.alternateId and actor.id are missing)'
  return k
}

/** The person whose credential or password changed: the User target, else the actor. */
function targetSubject(p: unknown): Subject | string {
  for (const t of arrAt(p, 'target')) {
    if (!isObj(t) || scalarText(field(t, 'type')) !== 'User') continue
    const k = subjectKey(textAt(t, 'alternateId'), textAt(t, 'id'))
    if (k === 'too_long') return 'target.alternateId is longer than 512 characters'
    if (k) return k
  }
  return actorSubject(p)
}

function timeOf(p: Obj): number | string {
  const published = field(p, 'published')
  if (published !== undefined && published !== null && published !== '') {
    const ms = parseTimestamp(published)
    return ms ?? `published is not a timestamp between 2000 and 2100: ${JSON.stringify(published).slice(0, 80)}`
  }
  // Panther's copy of the event time, for exports that dropped `published`.
  const pTime = field(p, 'p_event_time')
  if (pTime !== undefined && pTime !== null && pTime !== '') {
    const ms = parseTimestamp(pTime)
    return ms ?? `p_event_time is not a timestamp between 2000 and 2100: ${JSON.stringify(pTime).slice(0, 80)}`
  }
  return 'the event has no time (published is missing)'
}

interface Credential {
  passkey_type: AuthEvent['passkey_type']
  authenticator: string
  aaguid: string
}

function credentialOf(f: FactorFacts): Credential {
  const c = classifyPasskey({ aaguid: f.aaguid })
  return { passkey_type: c.passkeyType, authenticator: c.authenticator, aaguid: c.aaguid }
}

/** A factor used on its own (no password before it): what it is as the primary credential. */
function aloneAs(kind: FactorKind): { method: Method; second_factor: SecondFactor } {
  switch (kind) {
    case 'password': return { method: 'password', second_factor: 'none' }
    case 'fastpass':
    case 'push':
    case 'totp':
    case 'okta_verify': return { method: 'authenticator_app', second_factor: 'none' }
    case 'webauthn': return { method: 'passkey', second_factor: 'none' }
    case 'sms':
    case 'voice':
    case 'email': return { method: 'otp', second_factor: 'none' }
    case 'certificate': return { method: 'certificate', second_factor: 'none' }
    case 'idp': return { method: 'sso', second_factor: 'none' }
    default: return { method: 'unknown', second_factor: 'unknown' }
  }
}

/** Primary credential named by the event itself (authenticationContext, targets, request). */
function primaryOf(p: unknown, f: FactorFacts): Method {
  if (f.kind === 'fastpass') return 'authenticator_app'
  if (targetsInclude(p, 'password') || f.kind === 'password') return 'password'
  if (targetsInclude(p, 'idp') || f.kind === 'idp') return 'sso'
  if (targetsInclude(p, 'certificate') || f.kind === 'certificate') return 'certificate'
  const credentialType = textAt(p, 'authenticationContext', 'credentialType').toUpperCase()
  const provider = textAt(p, 'authenticationContext', 'authenticationProvider').toUpperCase()
  if (credentialType === 'PASSWORD' || provider === 'ACTIVE_DIRECTORY' || provider === 'LDAP') return 'password'
  if (credentialType === 'ASSERTION' || credentialType === 'IWA' || provider === 'FEDERATION' || provider === 'SOCIAL') return 'sso'
  if (credentialType === 'CERTIFICATE') return 'certificate'
  // Classic Engine primary authentication endpoints take a user name and password.
  const uri = textAt(p, 'debugContext', 'debugData', 'requestUri')
  if (/^\/(api\/v1\/authn|login\/do-login)\b/.test(uri)) return 'password'
  return 'unknown'
}

function build(input: RowInput, p: unknown, ctx: NormalizeContext, part = 0): AuthEvent {
  return completeRow(input, SOURCE, p, ctx, part)
}

/**
 * A row input with every field in a fixed order, to be filled by assignment: spreading a twenty-field
 * object into a literal costs microseconds per event, which the ingest rate cannot afford.
 */
function rowInput(c: Common, who: Subject, event_type: AuthEvent['event_type']): RowInput {
  return {
    tsMs: c.tsMs, source_event_id: c.source_event_id, event_type, outcome: 'success', failure_reason: '',
    user_id: who.user_id, user_domain: who.user_domain, app: c.app,
    method: 'unknown', second_factor: 'none', passkey_type: '', authenticator: '', aaguid: '', phishing_resistant: 0,
    flow_id: event_type === 'login' ? c.flow_id : '', ip: c.ip, country: c.country, user_agent: c.user_agent,
    browser: c.browser, browser_version: c.browser_version, os: c.os, os_version: c.os_version, device_type: c.device_type,
  }
}

function setCredential(r: RowInput, cr: Credential): void {
  r.passkey_type = cr.passkey_type
  r.authenticator = cr.authenticator
  r.aaguid = cr.aaguid
}

function setOutcome(r: RowInput, p: unknown, outcome: Outcome, kind: FactorKind): void {
  if (outcome === 'success') return
  r.outcome = 'failure'
  r.failure_reason = oktaFailureReason(p, kind)
}

/** user.session.start: the final event of a sign-in flow. */
function sessionStart(p: Obj, c: Common, who: Subject, ctx: NormalizeContext): NormalizeResult {
  const missing = missingOutcome(p, 'user.session.start')
  if (missing) return missing
  const outcome = outcomeOf(p)
  if (outcome === 'pending') return ignored(`user.session.start with outcome "${textAt(p, 'outcome', 'result') || 'none'}" is not a final outcome`)
  const f = factorFacts(p)
  const r = rowInput(c, who, 'login')
  setOutcome(r, p, outcome, f.kind)
  let method = primaryOf(p, f)
  let second_factor: SecondFactor = method === 'password' || method === 'unknown' ? 'unknown' : 'none'
  if ((method === 'password' || method === 'unknown') && isSecondFactorKind(f.kind)) {
    second_factor = secondFactorOf(f.kind)
    if (f.kind === 'webauthn') setCredential(r, credentialOf(f))
    // Without a flow to join, a lone factor is the primary credential (SPEC: Okta Verify alone is
    // authenticator_app); within a flow the steps decide (see the report on flow assembly).
    if (method === 'unknown' && !c.flow_id) ({ method, second_factor } = aloneAs(f.kind))
  }
  r.method = method
  r.second_factor = second_factor
  r.phishing_resistant = f.phishingResistant ? 1 : 0
  return accepted([build(r, p, ctx)])
}

/** user.authentication.sso: the user reached an app through the Okta session. */
function appSso(p: Obj, c: Common, who: Subject, ctx: NormalizeContext): NormalizeResult {
  const missing = missingOutcome(p, 'user.authentication.sso')
  if (missing) return missing
  const outcome = outcomeOf(p)
  if (outcome === 'pending') return ignored(`user.authentication.sso with outcome "${textAt(p, 'outcome', 'result') || 'none'}" is not a final outcome`)
  const r = rowInput(c, who, 'login')
  // Its own request id, not the session id: the app sign-in is not the session's first login.
  r.flow_id = clip(known(textAt(p, 'transaction', 'id')), 512)
  r.method = 'sso'
  setOutcome(r, p, outcome, '')
  return accepted([build(r, p, ctx)])
}

/** What a verification step tells the login it belongs to. */
function stepContribution(f: FactorFacts): FlowStep['contributes'] {
  switch (f.kind) {
    case 'password': return { method: 'password' }
    case 'fastpass': return { method: 'authenticator_app', phishing_resistant: 1 }
    case 'certificate': return { method: 'certificate' }
    case 'idp': return { method: 'sso' }
    case 'webauthn': {
      const cr = credentialOf(f)
      return { second_factor: 'webauthn', passkey_type: cr.passkey_type, authenticator: cr.authenticator, aaguid: cr.aaguid, phishing_resistant: 1 }
    }
    case 'okta_verify':
    case '': return {}
    default: return { second_factor: secondFactorOf(f.kind) }
  }
}

/**
 * One step of a flow. Without a session or transaction id no login can take the step: its standalone
 * row is stored now (rather than after the flow window), and a step that says nothing alone is ignored.
 */
function step(c: Common, contributes: FlowStep['contributes'], standalone: AuthEvent | null): NormalizeResult {
  if (!c.flow_id) return standalone ? accepted([standalone]) : ignored('a step of a sign-in flow without a session or transaction id: nothing to join it to')
  return accepted([], [{ flow_id: c.flow_id, tsMs: c.tsMs, contributes, standalone }])
}

/** auth_via_mfa / verify / deny_push / push sent: one step of a flow; a failure stands for a failed login. */
function verificationStep(p: Obj, c: Common, who: Subject, ctx: NormalizeContext, eventType: string): NormalizeResult {
  if (eventType === 'system.push.send_factor_verify_push') {
    // The push was only sent: the step marks when the flow started, nothing more.
    return step(c, {}, null)
  }
  const f = factorFacts(p)
  let outcome = outcomeOf(p)
  if (eventType === 'user.mfa.okta_verify.deny_push') {
    outcome = 'failure'
    if (!f.kind || f.kind === 'okta_verify') f.kind = 'push'
  }
  if (outcome === 'pending') return step(c, {}, null)
  const contributes = stepContribution(f)
  let standalone: AuthEvent | null = null
  if (outcome === 'failure') {
    const failure_reason = eventType === 'user.mfa.okta_verify.deny_push' ? 'mfa_denied' : oktaFailureReason(p, f.kind)
    contributes.outcome = 'failure'
    contributes.failure_reason = failure_reason
    // Alone (no session follows), the failed step is a failed login: the primary is known only when
    // the step was the primary credential or FastPass; a failed second factor keeps method unknown.
    const r = rowInput(c, who, 'login')
    r.outcome = 'failure'
    r.failure_reason = failure_reason
    if (isSecondFactorKind(f.kind)) {
      r.second_factor = secondFactorOf(f.kind)
    } else {
      const m = aloneAs(f.kind)
      r.method = m.method
      r.second_factor = m.second_factor
    }
    if (f.kind === 'webauthn') setCredential(r, credentialOf(f))
    r.phishing_resistant = f.phishingResistant ? 1 : 0
    standalone = build(r, p, ctx)
  }
  return step(c, contributes, standalone)
}

/** Primary-credential events (IdP, AD/LDAP agent, RADIUS, …): a step, and a login when no session follows. */
function primaryStep(p: Obj, c: Common, who: Subject, ctx: NormalizeContext, method: Method): NormalizeResult {
  const outcome = outcomeOf(p)
  if (outcome === 'pending') return step(c, {}, null)
  const r = rowInput(c, who, 'login')
  r.method = method
  r.second_factor = method === 'sso' ? 'none' : 'unknown'
  setOutcome(r, p, outcome, method === 'sso' ? 'idp' : 'password')
  const contributes: FlowStep['contributes'] = outcome === 'failure'
    ? { method, outcome: 'failure', failure_reason: r.failure_reason }
    : { method }
  return step(c, contributes, build(r, p, ctx))
}

/** Factor activation / deactivation / reset: registrations and removals. */
function factorChange(p: Obj, c: Common, ctx: NormalizeContext, eventType: string): NormalizeResult {
  if (outcomeOf(p) !== 'success') return ignored(`${eventType} did not succeed: no credential changed`)
  const who = targetSubject(p)
  if (typeof who === 'string') return rejected('missing_field', who)
  if (eventType === 'user.mfa.factor.reset_all') {
    // Every factor of the user is reset, WebAuthn credentials included.
    const mfa = rowInput(c, who, 'mfa_removed')
    mfa.second_factor = 'unknown'
    const passkey = rowInput(c, who, 'passkey_removed')
    passkey.method = 'passkey'
    passkey.passkey_type = 'unknown'
    return accepted([build(mfa, p, ctx, 0), build(passkey, p, ctx, 1)])
  }
  const added = eventType === 'user.mfa.factor.activate'
  const f = factorFacts(p)
  if (f.kind === 'password') return ignored(`${eventType} for the password is not an MFA enrolment`)
  if (f.kind === 'idp') return ignored(`${eventType} for an identity provider is not an MFA enrolment`)
  if (f.kind === 'webauthn') {
    const r = rowInput(c, who, added ? 'passkey_registered' : 'passkey_removed')
    r.method = 'passkey'
    setCredential(r, credentialOf(f))
    return accepted([build(r, p, ctx)])
  }
  const r = rowInput(c, who, added ? 'mfa_enrolled' : 'mfa_removed')
  r.second_factor = f.kind === 'okta_verify' ? 'push' : f.kind === 'fastpass' ? 'other' : secondFactorOf(f.kind)
  return accepted([build(r, p, ctx)])
}

function accountEvent(p: Obj, c: Common, ctx: NormalizeContext, eventType: string, event_type: AuthEvent['event_type']): NormalizeResult {
  // A lock is logged as a FAILURE (LOCKED_OUT) but the account did get locked: that is the event.
  if (event_type !== 'account_locked' && outcomeOf(p) !== 'success') return ignored(`${eventType} did not succeed: nothing changed`)
  const who = targetSubject(p)
  if (typeof who === 'string') return rejected('missing_field', who)
  const r = rowInput(c, who, event_type)
  r.method = 'password'
  return accepted([build(r, p, ctx)])
}

function run(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isObj(payload)) return rejected('invalid_shape', 'an Okta System Log event must be a JSON object')
  const p = payload
  const rawType = textAt(p, 'eventType')
  if (!rawType) return rejected('missing_field', 'eventType is missing: not an Okta System Log event')
  const eventType = rawType.toLowerCase()

  const primaryMethod = lookup(PRIMARY_EVENTS, eventType)
  let kind: 'login' | 'sso' | 'step' | 'primary' | 'factor' | 'account' | null = null
  let accountType: AuthEvent['event_type'] = 'password_reset'
  if (eventType === 'user.session.start') kind = 'login'
  else if (eventType === 'user.authentication.sso') kind = 'sso'
  else if (STEP_EVENTS.has(eventType) || eventType === 'user.mfa.okta_verify.deny_push' || eventType === 'system.push.send_factor_verify_push') kind = 'step'
  else if (primaryMethod) kind = 'primary'
  else if (eventType === 'user.mfa.factor.activate' || eventType === 'user.mfa.factor.deactivate' || eventType === 'user.mfa.factor.reset_all') kind = 'factor'
  else if (eventType === 'user.account.reset_password') kind = 'account'
  else if (eventType === 'user.account.update_password') { kind = 'account'; accountType = 'password_changed' }
  else if (eventType === 'user.account.lock' || eventType === 'user.account.lock.limit') { kind = 'account'; accountType = 'account_locked' }

  if (kind === null) {
    if (eventType === 'policy.evaluate_sign_on') return ignored('policy.evaluate_sign_on is a policy evaluation, not a login')
    if (eventType.startsWith('user.mfa.factor.')) return ignored(`${rawType} does not register or remove a credential`)
    return ignored(`${rawType} is not about authentication`)
  }

  const ts = timeOf(p)
  if (typeof ts === 'string') return rejected(ts.startsWith('the event has no time') ? 'missing_field' : 'invalid_value', ts)
  const c = common(p, ts)

  if (kind === 'factor') return factorChange(p, c, ctx, eventType)
  if (kind === 'account') return accountEvent(p, c, ctx, eventType, accountType)

  const who = actorSubject(p)
  if (typeof who === 'string') return rejected(who.includes('longer') ? 'invalid_value' : 'missing_field', who)
  if (kind === 'login') return sessionStart(p, c, who, ctx)
  if (kind === 'sso') return appSso(p, c, who, ctx)
  if (kind === 'primary') return primaryStep(p, c, who, ctx, primaryMethod!)
  return verificationStep(p, c, who, ctx, eventType)
}

// Defence in depth: the readers above do not throw, but a normaliser must never do so.
export const normalizeOkta = guarded('Okta', run, 'event')

/** Okta's shape: a dotted `eventType` (e.g. user.session.start) with its actor / published / uuid. */
export function detectOkta(p: Record<string, unknown>): boolean {
  const t = scalarText(field(p, 'eventType'))
  if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/i.test(t)) return false
  return isObj(field(p, 'actor')) || field(p, 'published') !== undefined || field(p, 'legacyEventType') !== undefined ||
    isObj(objAt(p, 'authenticationContext')) || isObj(objAt(p, 'debugContext'))
}

export const oktaNormalizer: Normalizer = {
  source: 'okta',
  normalize: normalizeOkta,
  detect: detectOkta,
}

