// `google_workspace`: Admin SDK Reports API activities (applicationName login, user_accounts, saml), as the
// API returns them ({ kind, id, actor, ipAddress, events: [{ type, name, parameters: [{ name, value |
// multiValue | boolValue | intValue }] }] }) and flattened one event per record with `parameters` as an
// object (the shape log pipelines such as Panther's GSuite.ActivityEvent store).
//
// Mapping (Login Audit activity events, developers.google.com/workspace/admin/reports/v1/appendix/activity/login):
//   login_success / login_failure   one login row per activity; every login_challenge_method of the activity
//                                   (value or multiValue) is combined: `password` → method password; `passkey`
//                                   or `security_key` alone → method passkey, after a password → second factor
//                                   webauthn; internal_two_factor / google_prompt → push; google_authenticator /
//                                   totp / offline_otp → totp; idv_preregistered_phone / idv_any_phone → sms;
//                                   backup_code → recovery_code; email → email; knowledge_* / login_location /
//                                   security_key_otp / other → other. login_type saml → sso; google_password →
//                                   password when no method says otherwise; exchange / reauth / unknown →
//                                   what the methods say, else unknown.
//   login_failure_type              invalid_password → invalid_credentials, invalid_second_factor /
//                                   missing_second_factor → mfa_failed, account_disabled / access_code_disallowed
//                                   → policy_denied, else other (passkey_failed when a passkey was the method)
//   login_challenge / login_verification   intermediate; Google logs no flow id to join them, so a passed one is
//                                   ignored (the login_success carries its methods) and a failed second-factor
//                                   or passkey challenge stands as a failed login (Google logs no login_failure
//                                   for it). A failed password-only challenge is ignored: login_failure logs it.
//   saml app login_success/failure  login to a SAML application with Google as the IdP: method sso, app =
//                                   application_name
//   2sv_enroll / 2sv_disable        mfa_enrolled / mfa_removed (second factor unknown: the event names none)
//   passkey_enrolled / passkey_removed (account_warning)   passkey_registered / passkey_removed
//   password_edit                   password_changed
//   account_disabled_password_leak / _hijacked   account_locked (Google disabled the account)
//   admin app CHANGE_PASSWORD       password_reset of USER_EMAIL (an administrator set the user's password)
//   everything else                 ignored (logout, suspicious-login warnings, recovery info, other apps)
import type { FailureReason, Method, PasskeyType, SecondFactor } from '../../schemas/auth-event.js'
import { accepted, ignored, rejected, type NormalizeResult } from '../fate.js'
import { parseTimestamp } from '../time.js'
import { isObj, obj, str, type Obj } from './fields.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

interface GEvent {
  name: string
  type: string
  params: Map<string, unknown>
}

/** Parameters as a Map (never an object: names such as "__proto__" must stay plain keys). */
function paramsOf(v: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>()
  if (Array.isArray(v)) {
    for (const p of v) {
      if (!isObj(p)) continue
      const name = str(p.name, 200)
      if (!name) continue
      const value = 'multiValue' in p ? p.multiValue : 'value' in p ? p.value : 'boolValue' in p ? p.boolValue
        : 'intValue' in p ? p.intValue : 'multiIntValue' in p ? p.multiIntValue : 'messageValue' in p ? p.messageValue : undefined
      out.set(name, value)
    }
  } else if (isObj(v)) {
    for (const [k, value] of Object.entries(v)) out.set(k, value)
  }
  return out
}

function eventsOf(p: Obj): GEvent[] {
  const list = Array.isArray(p.events) ? p.events : typeof p.name === 'string' ? [p] : []
  return list.filter(isObj).slice(0, 100).map((e) => ({
    name: str(e.name, 200).toLowerCase(),
    type: str(e.type, 200).toLowerCase(),
    params: paramsOf(e.parameters),
  }))
}

const values = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v])
    .map((x) => str(x, 100).toLowerCase()).filter(Boolean).slice(0, 50)
const param = (e: GEvent, name: string): string => str(e.params.get(name), 512)

const SECOND_FACTOR_OF = new Map<string, SecondFactor>([
  ['internal_two_factor', 'push'], ['google_prompt', 'push'], ['device_prompt', 'push'],
  ['google_authenticator', 'totp'], ['totp', 'totp'], ['idv_totp', 'totp'], ['offline_otp', 'totp'],
  ['idv_preregistered_phone', 'sms'], ['idv_any_phone', 'sms'], ['idv_backup_phone', 'sms'], ['sms', 'sms'],
  ['backup_code', 'recovery_code'], ['email', 'email'],
  ['security_key_otp', 'other'], ['login_location', 'other'], ['other', 'other'],
  ['knowledge_employee_id', 'other'], ['knowledge_preregistered_email', 'other'], ['knowledge_preregistered_phone', 'other'],
  ['idv_secret_qa', 'other'],
])
const RANK: SecondFactor[] = ['webauthn', 'push', 'totp', 'sms', 'voice', 'email', 'recovery_code', 'other']
const WEBAUTHN = new Set(['passkey', 'security_key'])

interface Facts {
  method: Method
  second_factor: SecondFactor
  passkey_type: PasskeyType
}

/** One login's primary method and second factor from all its challenge methods and its login_type. */
export function combineMethods(methods: readonly string[], loginType: string): Facts {
  const set = new Set(methods)
  const webauthn = methods.filter((m) => WEBAUTHN.has(m))
  // A security key is a hardware authenticator; a `passkey` may be synced or not: the log does not say.
  const passkey_type: PasskeyType = webauthn.length === 0 ? '' : webauthn.includes('passkey') ? 'unknown' : 'device_bound'
  const seconds = methods.map((m) => SECOND_FACTOR_OF.get(m) ?? (m.startsWith('knowledge_') ? 'other' : null)).filter((f): f is SecondFactor => f !== null)
  let method: Method
  if (set.has('password')) method = 'password'
  else if (webauthn.length > 0) method = 'passkey'
  else if (loginType === 'saml') method = 'sso'
  else if (loginType === 'google_password') method = 'password'
  else method = 'unknown'
  if (method === 'password' && webauthn.length > 0) seconds.push('webauthn')
  let second_factor: SecondFactor = 'none'
  for (const f of RANK) if (seconds.includes(f)) { second_factor = f; break }
  if (method === 'sso' && second_factor === 'none') return { method, second_factor, passkey_type: '' }
  return { method, second_factor, passkey_type }
}

const FAILURE_TYPES = new Map<string, FailureReason>([
  ['login_failure_invalid_password', 'invalid_credentials'],
  ['login_failure_invalid_second_factor', 'mfa_failed'],
  ['login_failure_missing_second_factor', 'mfa_failed'],
  ['login_failure_account_disabled', 'policy_denied'],
  ['login_failure_access_code_disallowed', 'policy_denied'],
  ['login_failure_unknown', 'other'],
])

const IGNORED_EVENTS = new Map<string, string>([
  ['logout', 'logout'],
  ['titanium_enroll', 'Advanced Protection enrolment: a policy state, the security keys are registered separately'],
  ['titanium_unenroll', 'Advanced Protection unenrolment: a policy state, not a credential removal'],
  ['recovery_email_edit', 'account recovery e-mail changed'], ['recovery_phone_edit', 'account recovery phone changed'],
  ['recovery_secret_qa_edit', 'account recovery question changed'],
  ['suspicious_login', 'suspicious-login warning: the attempt itself is logged as login_success / login_failure'],
  ['suspicious_login_less_secure_app', 'suspicious-login warning: the attempt itself is logged separately'],
  ['suspicious_programmatic_login', 'suspicious-login warning: the attempt itself is logged separately'],
  ['gov_attack_warning', 'government-backed attack warning'], ['government_attack_warning', 'government-backed attack warning'],
  ['user_signed_out_due_to_suspicious_session_cookie', 'session ended by Google'],
  ['account_disabled_generic', 'account disabled for a policy reason, not a credential lockout'],
  ['account_disabled_spamming', 'account disabled for spamming, not a credential lockout'],
  ['account_disabled_spamming_through_relay', 'account disabled for spamming, not a credential lockout'],
  ['risky_sensitive_action_allowed', 'risky sensitive action notice'], ['risky_sensitive_action_blocked', 'risky sensitive action notice'],
])
const LOGIN_APPS = new Set(['login', 'user_accounts'])

export function normalizeGoogleWorkspace(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isObj(payload)) return rejected('invalid_shape', 'a Google Workspace activity must be a JSON object')
  const id = obj(payload.id)
  const app = str(id.applicationName, 100).toLowerCase()
  if (!app) return rejected('missing_field', 'the activity has no id.applicationName: not a Reports API activity')
  const events = eventsOf(payload)
  if (!LOGIN_APPS.has(app) && app !== 'saml' && !(app === 'admin' && events.some((e) => e.name === 'change_password'))) {
    return ignored(`Google Workspace ${app} activity: not about authentication`)
  }
  if (events.length === 0) return rejected('missing_field', `the ${app} activity has no events`)

  const tsMs = parseTimestamp(id.time) ?? parseTimestamp(payload.p_event_time)
  const actor = obj(payload.actor)
  const actorKey = str(actor.email, 256).toLowerCase() || str(actor.profileId, 256)
  const uq = str(id.uniqueQualifier, 200)
  const base = {
    source_event_id: uq && tsMs !== null ? `${uq}@${tsMs}` : '',
    ip: str(payload.ipAddress, 64),
    vendor_tenant: str(id.customerId, 256) || undefined,
  }
  const rows: ReturnType<typeof completeRow>[] = []
  const reasons: string[] = []
  let missing = ''
  const emit = (user: string, input: Omit<RowInput, 'tsMs' | 'user_id'>) => {
    if (tsMs === null) { missing ||= `the ${app} activity has no valid id.time`; return }
    if (!user) { missing ||= `the ${app} activity names no user (actor.email / affected_email_address)`; return }
    rows.push(completeRow(Object.assign({}, base, input, { tsMs, user_id: user }) as RowInput, 'google_workspace', payload, ctx, rows.length))
  }

  // --- logins (one per activity) -------------------------------------------------------------------
  const loginEvents = events.filter((e) => e.name === 'login_success' || e.name === 'login_failure' || e.name === 'login_challenge' || e.name === 'login_verification')
  if (loginEvents.length > 0) {
    const methods = [...new Set(loginEvents.flatMap((e) => values(e.params.get('login_challenge_method'))))].filter((m) => m !== 'none')
    const final = loginEvents.find((e) => e.name === 'login_success') ?? loginEvents.find((e) => e.name === 'login_failure')
    const user = actorKey || str(loginEvents[0]!.params.get('affected_email_address'), 256).toLowerCase()
    if (app === 'saml') {
      const e = final ?? loginEvents[0]!
      const ok = e.name === 'login_success'
      const failure = param(e, 'failure_type').toLowerCase()
      emit(user, {
        event_type: 'login', outcome: ok ? 'success' : 'failure',
        failure_reason: ok ? '' : /not_configured|disabled|denied|not_allowed/.test(failure) ? 'policy_denied' : 'other',
        method: 'sso', second_factor: 'none', app: param(e, 'application_name').slice(0, 1024) || 'SAML application',
      })
    } else if (final) {
      const loginType = param(final, 'login_type').toLowerCase()
      const facts = combineMethods(methods, loginType)
      const ok = final.name === 'login_success'
      let reason: FailureReason = ''
      if (!ok) {
        reason = FAILURE_TYPES.get(param(final, 'login_failure_type').toLowerCase()) ?? 'other'
        if (reason === 'other' && facts.method === 'passkey') reason = 'passkey_failed'
      }
      emit(user, { event_type: 'login', outcome: ok ? 'success' : 'failure', failure_reason: reason, app: 'Google Workspace', ...facts })
    } else {
      // Only intermediate challenges in this activity.
      const failed = loginEvents.filter((e) => /fail/i.test(param(e, 'login_challenge_status')))
      if (failed.length === 0) {
        reasons.push('a passed login challenge: the login_success event of the sign-in carries its methods')
      } else {
        const fm = [...new Set(failed.flatMap((e) => values(e.params.get('login_challenge_method'))))].filter((m) => m !== 'none')
        const facts = combineMethods(fm, '')
        const secondStep = failed.some((e) => e.params.get('is_second_factor') === true || str(e.params.get('is_second_factor')) === 'true')
        if (facts.second_factor === 'none' && facts.method === 'password') {
          reasons.push('a failed password challenge: the login_failure event logs the attempt')
        } else {
          const passkeyFirst = facts.method === 'passkey' && !secondStep
          emit(user, {
            event_type: 'login', outcome: 'failure', app: 'Google Workspace',
            failure_reason: passkeyFirst ? 'passkey_failed' : 'mfa_failed',
            method: passkeyFirst ? 'passkey' : facts.method === 'passkey' ? 'unknown' : facts.method,
            second_factor: passkeyFirst ? 'none' : facts.method === 'passkey' ? 'webauthn' : facts.second_factor === 'none' ? 'unknown' : facts.second_factor,
            passkey_type: facts.passkey_type,
          })
        }
      }
    }
  }

  // --- credential and account changes --------------------------------------------------------------
  for (const e of events) {
    if (loginEvents.includes(e)) continue
    const affected = str(e.params.get('affected_email_address'), 256).toLowerCase()
    switch (e.name) {
      case '2sv_enroll':
      case '2sv_disable':
        emit(actorKey || affected, { event_type: e.name === '2sv_enroll' ? 'mfa_enrolled' : 'mfa_removed', outcome: 'success', method: 'unknown', second_factor: 'unknown', app: 'Google Workspace' })
        break
      case 'passkey_enrolled':
      case 'passkey_removed':
        emit(affected || actorKey, { event_type: e.name === 'passkey_enrolled' ? 'passkey_registered' : 'passkey_removed', outcome: 'success', method: 'passkey', second_factor: 'none', passkey_type: 'unknown', app: 'Google Workspace' })
        break
      case 'password_edit':
        emit(actorKey || affected, { event_type: 'password_changed', outcome: 'success', method: 'password', second_factor: 'none', app: 'Google Workspace' })
        break
      case 'account_disabled_password_leak':
      case 'account_disabled_hijacked':
        emit(affected || actorKey, { event_type: 'account_locked', outcome: 'success', method: 'password', second_factor: 'none', app: 'Google Workspace' })
        break
      case 'change_password':
        if (app === 'admin') {
          emit(str(e.params.get('USER_EMAIL'), 256).toLowerCase(), { event_type: 'password_reset', outcome: 'success', method: 'password', second_factor: 'none', app: 'Google Workspace' })
        } else reasons.push(`${e.name}: not an authentication event`)
        break
      default:
        reasons.push(`${e.name || e.type || 'unnamed event'}: ${IGNORED_EVENTS.get(e.name) ?? 'not an authentication event'}`)
    }
  }

  if (rows.length > 0) return accepted(rows)
  if (missing) return rejected('missing_field', missing)
  return ignored(`Google Workspace ${app}: ${reasons.join('; ').slice(0, 500)}`)
}

export const googleWorkspaceNormalizer: Normalizer = {
  source: 'google_workspace',
  normalize: normalizeGoogleWorkspace,
  // The Reports API says so in `kind`; flattened exports keep id.applicationName with the actor or events.
  detect: (p) => {
    if (p.kind === 'admin#reports#activity') return true
    const id = p.id
    return isObj(id) && typeof id.applicationName === 'string' && (Array.isArray(p.events) || isObj(p.actor) || typeof p.name === 'string')
  },
}
