// `auth0`: Auth0 tenant logs (GET /api/v2/logs objects), log-stream envelopes ({ log_id, data }) and the
// EventBridge partner envelope ({ detail: { log_id, data } }). Event meanings follow Auth0's published log
// schemas (github.com/auth0/auth0-log-schemas) and "Monitor passkey events in tenant logs".
//
// Mapping (type code → row):
//   s                       login success; method and second factor from details.prompts[] (performed_amr
//                           `phr` = passkey; `federated-authenticate` = sso; a password prompt = password;
//                           flow `mfa` = second factor), else from strategy / strategy_type
//   f, fcoa, fc, fens       login failure; reason from the error text
//   fp / fu                 login failure, password, invalid_credentials / unknown_user (attempted name)
//   pwd_leak                login failure, password, policy_denied (breached-password detection blocked it)
//   sepft, seotpft, seoobft, sercft, sepotpft (and their failures) — credentials exchanged directly for tokens
//                           (resource-owner password grant and its MFA variants): logins
//   ss                      passkey_registered when details.authentication_methods has "passkey"; a sign-up
//                           with a password is not a credential enrolment and is ignored (its session logs its
//                           own login)
//   gd_enrollment_complete  passkey_registered (webauthn / passkey authenticators) or mfa_enrolled
//   gd_unenroll             passkey_removed / mfa_removed
//   gd_auth_succeed etc.    intermediate MFA steps: a FlowStep when the event names its transaction, else a
//                           passed challenge is ignored and a failed one stands as a failed login
//   limit_wc                account_locked (brute-force protection blocked the account from that IP)
//   scpr / scp              password_reset (the reset was requested) / password_changed
//   everything else         ignored with the reason (management API, token exchanges, logouts, notices…)
import type { FailureReason, Method, SecondFactor } from '../../schemas/auth-event.js'
import { accepted, ignored, rejected, type FlowStep, type NormalizeResult } from '../fate.js'
import { parseTimestamp } from '../time.js'
import { arr, isObj, num, obj, str, type Obj } from './fields.js'
import { classifyPasskey } from './passkey.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase())

/** Unwraps the log-stream and EventBridge envelopes; null when the payload is no Auth0 log at all. */
function unwrap(payload: unknown): { log: Obj; logId: string; outer: Obj } | null {
  if (!isObj(payload)) return null
  let outer = payload
  if (isObj(outer.detail) && isObj(outer.detail.data)) outer = outer.detail
  if (isObj(outer.data) && (typeof outer.data.type === 'string' || 'log_id' in outer)) {
    const log = outer.data
    return { log, logId: str(log.log_id) || str(outer.log_id) || str(log._id), outer: payload }
  }
  return { log: outer, logId: str(outer.log_id) || str(outer._id), outer: payload }
}

// Every code Auth0 documents that we decide on explicitly; used by detect() and to word ignore reasons.
const LOGIN_SUCCESS = new Set(['s', 'sens'])
const LOGIN_FAILURE = new Set(['f', 'fp', 'fu', 'fc', 'fcoa', 'fco', 'fens', 'pwd_leak'])
// Direct credential exchanges for tokens: [method, second factor] of the grant.
const EXCHANGES = new Map<string, [Method, SecondFactor, boolean]>([
  ['sepft', ['password', 'none', true]], ['fepft', ['password', 'none', false]],
  ['seotpft', ['password', 'totp', true]], ['feotpft', ['password', 'totp', false]],
  ['seoobft', ['password', 'other', true]], ['feoobft', ['password', 'other', false]],
  ['sercft', ['password', 'recovery_code', true]], ['fercft', ['password', 'recovery_code', false]],
  ['sepotpft', ['otp', 'none', true]], ['fepotpft', ['otp', 'none', false]],
])
const MFA_STEPS = new Set([
  'gd_auth_succeed', 'gd_auth_failed', 'gd_auth_rejected', 'gd_webauthn_challenge_failed', 'gd_otp_rate_limit_exceed',
  'gd_recovery_succeed', 'gd_recovery_failed', 'gd_recovery_rate_limit_exceed',
])
const IGNORED = new Map<string, string>([
  ['sapi', 'Management API operation, not a sign-in'], ['fapi', 'failed Management API operation, not a sign-in'],
  ['mgmt_api_read', 'Management API read, not a sign-in'],
  ['seacft', 'authorization-code exchange: the sign-in it completes is logged as `s`'],
  ['feacft', 'failed authorization-code exchange: a token request, not a sign-in'],
  ['seccft', 'client-credentials exchange: a machine token, not a person signing in'],
  ['feccft', 'failed client-credentials exchange: a machine token, not a person signing in'],
  ['sertft', 'refresh-token exchange: no credential presented'], ['fertft', 'failed refresh-token exchange: no credential presented'],
  ['ferrt', 'refresh-token reuse detected: a token event, not a sign-in'],
  ['ssa', 'silent authentication reuses an existing session: no credential presented'],
  ['fsa', 'failed silent authentication: no credential presented'],
  ['scoa', 'cross-origin authentication step: the sign-in it belongs to is logged as `s`'],
  ['slo', 'logout'], ['flo', 'failed logout'], ['w', 'warning during login'],
  ['fs', 'failed sign-up: no account or credential was created'],
  ['signup_pwd_leak', 'sign-up attempt with a breached password: a sign-up, not a sign-in'],
  ['reset_pwd_leak', 'password reset attempt with a breached password was refused: nothing changed'],
  ['fcp', 'failed password change: nothing changed'], ['fcpr', 'failed password reset request: nothing was sent'],
  ['limit_mu', 'an IP address was blocked (too many attempts across accounts), not a user account'],
  ['limit_sul', 'per-IP login rate limit for a user: throttling, not an account lockout'],
  ['ublkdu', 'a login block was released'], ['mfar', 'MFA was required: the sign-in it belongs to is logged as `s`'],
  ['gd_send_pn', 'MFA push notification sent: the challenge result is logged separately'],
  ['gd_send_sms', 'MFA SMS sent: the challenge result is logged separately'],
  ['gd_send_voice', 'MFA voice call placed: the challenge result is logged separately'],
  ['gd_send_email', 'MFA e-mail sent: the challenge result is logged separately'],
  ['gd_start_auth', 'MFA challenge started: its result is logged separately'],
  ['gd_start_enroll', 'MFA enrolment started: its completion is logged separately'],
  ['gd_start_enroll_failed', 'MFA enrolment could not start: nothing was enrolled'],
  ['gd_webauthn_enrollment_failed', 'failed WebAuthn enrolment: nothing was registered'],
  ['gd_tenant_update', 'Guardian settings changed'], ['gd_module_switch', 'Guardian settings changed'],
  ['gd_update_device_account', 'Guardian device account updated'], ['gd_user_delete', 'user deleted'],
  ['cs', 'passwordless code sent: the sign-in is logged as `s`'], ['cls', 'passwordless code or link sent: the sign-in is logged as `s`'],
  ['sv', 'e-mail verified'], ['fv', 'failed e-mail verification'], ['svr', 'verification e-mail requested'],
  ['fvr', 'failed verification e-mail request'], ['sce', 'e-mail changed'], ['fce', 'failed e-mail change'],
  ['scu', 'username changed'], ['fcu', 'failed username change'], ['scpn', 'phone number changed'],
  ['fcpn', 'failed phone number change'], ['du', 'user deleted'], ['sdu', 'user deleted'], ['fdu', 'failed user deletion'],
  ['api_limit', 'rate limit notice'], ['depnote', 'deprecation notice'],
])

const WEBAUTHN_TYPES = /^(passkey|webauthn|webauthn-roaming|webauthn-platform|security[-_ ]?key|fido2?)$/
/** Second factor named by a Guardian authenticator type (or the "(sms)" of the description). */
function factorOf(type: string): SecondFactor {
  const t = type.toLowerCase()
  if (!t) return 'unknown'
  if (WEBAUTHN_TYPES.test(t)) return 'webauthn'
  if (t === 'otp' || t === 'totp') return 'totp'
  if (t === 'sms') return 'sms'
  if (t === 'voice') return 'voice'
  if (t === 'push' || t === 'push-notification' || t === 'guardian') return 'push'
  if (t === 'email') return 'email'
  if (t === 'recovery-code' || t === 'recovery_code') return 'recovery_code'
  return 'other'
}

/** Authenticator type of a Guardian event: details.authenticator.type, else "(sms)" in the description. */
function guardianType(log: Obj): string {
  const a = obj(obj(log.details).authenticator)
  const t = str(a.type, 64)
  if (t) return t
  const m = /\(([\w-]{2,40})\)\s*$/.exec(str(log.description, 300))
  return m ? m[1]! : ''
}

const SHORT_UA = /^(.+?) (\d+(?:\.\d+)*) \/ (.+?) (\d+(?:\.\d+)*)$/
const BROWSER_NAMES = new Map([['Chrome Mobile', 'Chrome'], ['Chrome Mobile iOS', 'Chrome'], ['Firefox Mobile', 'Firefox'], ['Other', '']])
const OS_NAMES = new Map([['Mac OS X', 'Mac OS'], ['Other', '']])
const DESKTOP_OS = /^(Windows|Mac OS|Linux|Ubuntu|Fedora|Debian|Chrome OS|FreeBSD)/

/** Auth0 often stores its own parse of the UA ("Chrome 134.0.0 / Windows 10.0.0"): read it, it is the vendor's. */
export function parseAuth0ShortUserAgent(ua: string): Pick<RowInput, 'browser' | 'browser_version' | 'os' | 'os_version' | 'device_type'> | null {
  const m = SHORT_UA.exec(ua)
  if (!m) return null
  const browser = BROWSER_NAMES.get(m[1]!) ?? m[1]!
  const os = OS_NAMES.get(m[3]!) ?? m[3]!
  const osVersion = m[4]!.replace(/(\.0)+$/, '')
  const mobile = /Mobile|iOS|Android|iPhone|iPad/.test(`${m[1]} ${m[3]}`)
  return {
    browser: browser.slice(0, 128),
    browser_version: browser ? m[2]!.split('.')[0]!.slice(0, 64) : '',
    os: os.slice(0, 128),
    os_version: os && osVersion !== '0' ? osVersion.slice(0, 64) : '',
    device_type: mobile ? 'mobile' : DESKTOP_OS.test(os) ? 'desktop' : '',
  }
}

/** Failure reason from Auth0's error text (details.error.message, description). */
function reasonFromText(text: string): FailureReason {
  const t = text.toLowerCase()
  if (!t) return 'other'
  if (/wrong (email|username|phone)|invalid (email|username)|user does not exist|unknown user|no such user/.test(t) && !/or password/.test(t)) return 'unknown_user'
  if (/wrong (email or )?password|invalid_user_password|wrong username or password|invalid credentials|incorrect password/.test(t)) return 'invalid_credentials'
  if (/blocked|locked|too many/.test(t)) return 'locked_out'
  if (/mfa|multifactor|multi-factor|second factor|otp/.test(t)) return 'mfa_failed'
  if (/cancel|user did not|denied by user|consent/.test(t)) return 'user_cancelled'
  if (/access[_ ]denied|not allowed|unauthorized|forbidden|not enabled|disabled/.test(t)) return 'policy_denied'
  return 'other'
}

interface MethodFacts {
  method: Method
  second_factor: SecondFactor
  webauthnUsed: boolean
}

const SSO_STRATEGY_TYPES = new Set(['social', 'enterprise'])
// Enterprise strategies where the person types a password into Auth0 (AD/LDAP connector, databases).
const PASSWORD_STRATEGIES = new Set(['auth0', 'ad', 'auth0-adldap', 'auth0-oidc'])

function methodFromStrategy(log: Obj): Method {
  const strategy = str(log.strategy, 64).toLowerCase()
  const type = str(log.strategy_type, 64).toLowerCase()
  if (strategy === 'email' || strategy === 'sms' || type === 'passwordless') return 'otp'
  if (PASSWORD_STRATEGIES.has(strategy) || type === 'database') return 'password'
  if (SSO_STRATEGY_TYPES.has(type) || (strategy && strategy !== 'ip')) return strategy ? 'sso' : 'unknown'
  return 'unknown'
}

function secondFactorFromAmr(amr: string[]): SecondFactor {
  if (amr.some((a) => a === 'phr' || a === 'phrh' || a === 'hwk' || a === 'webauthn')) return 'webauthn'
  if (amr.includes('otp')) return 'totp'
  if (amr.includes('sms')) return 'sms'
  if (amr.includes('tel')) return 'voice'
  if (amr.includes('email')) return 'email'
  if (amr.includes('push')) return 'push'
  // performed_amr ["mfa"] says a second factor was passed but not which one (Guardian, Duo…): 'other', so
  // that the login still counts as password + MFA (method_class treats 'unknown' as possibly none).
  return 'other'
}

/** Method and second factor of an `s` / `f` event from its prompts, then from its connection strategy. */
function loginMethod(log: Obj): MethodFacts {
  const details = obj(log.details)
  const prompts = arr(details.prompts).filter(isObj)
  let method: Method | null = null
  let second: SecondFactor = 'none'
  let webauthnUsed = false
  for (const p of prompts) {
    const name = str(p.name, 100).toLowerCase()
    const flow = str(p.flow, 100).toLowerCase()
    const amr = strings(p.performed_amr)
    if (flow === 'mfa' || name === 'mfa') {
      const f = secondFactorFromAmr(amr)
      if (f === 'webauthn') webauthnUsed = true
      if (second === 'none' || second === 'other') second = f
      continue
    }
    if (amr.includes('phr') || /passkey/.test(name)) {
      method = 'passkey'
      webauthnUsed = true
    } else if (name === 'federated-authenticate') {
      method ??= 'sso'
    } else if (/password/.test(name) || amr.includes('pwd')) {
      method ??= 'password'
    } else if (/passwordless|otp|magic/.test(name) || str(p.passwordless_amr)) {
      method ??= 'otp'
    } else if (name === 'prompt-authenticate') {
      const strategy = str(p.strategy, 64).toLowerCase()
      method ??= strategy === 'email' || strategy === 'sms' ? 'otp' : PASSWORD_STRATEGIES.has(strategy) ? 'password' : strategy ? 'sso' : null
    }
  }
  if (!method) {
    // An empty prompts list is the SSO session being reused: no credential was presented in this flow.
    method = Array.isArray(details.prompts) && prompts.length === 0 ? 'unknown' : methodFromStrategy(log)
  }
  if (method === 'passkey' && second === 'webauthn') second = 'none'
  return { method, second_factor: second, webauthnUsed }
}

function latencyOf(details: Obj): number | null {
  const elapsed = num(details.elapsedTime)
  if (elapsed !== null && elapsed > 0) return elapsed
  const start = num(details.initiatedAt)
  const end = num(details.completedAt)
  return start !== null && end !== null && end > start ? end - start : null
}

function subjectOf(log: Obj): string {
  const name = str(log.user_name, 256).toLowerCase()
  if (name) return name
  const id = str(log.user_id, 256)
  if (id) return id
  for (const p of arr(obj(log.details).prompts)) {
    const n = str(obj(p).user_name, 256).toLowerCase()
    if (n) return n
  }
  return ''
}

export function normalizeAuth0(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  const u = unwrap(payload)
  if (!u) return rejected('invalid_shape', 'an Auth0 log event must be a JSON object')
  const { log, logId, outer } = u
  const type = str(log.type, 64)
  if (!type) return rejected('missing_field', 'the Auth0 log has no type code')
  const details = obj(log.details)

  const ignoredReason = IGNORED.get(type)
  if (ignoredReason) return ignored(`Auth0 ${type}: ${ignoredReason}`)

  const tsMs = parseTimestamp(log.date) ?? parseTimestamp(outer.p_event_time)
  const user = subjectOf(log)
  const ua = str(log.user_agent, 2048)
  const short = parseAuth0ShortUserAgent(ua)
  const base: Omit<RowInput, 'event_type' | 'outcome' | 'user_id' | 'tsMs'> = {
    source_event_id: logId,
    app: str(log.client_name, 1024) || str(log.client_id, 1024),
    ip: str(log.ip, 64),
    country: str(obj(log.location_info).country_code, 64),
    user_agent: ua,
    ...(short ?? {}),
    vendor_tenant: str(log.tenant_name, 256) || undefined,
  }
  const need = (what: string): NormalizeResult | null => {
    if (tsMs === null) return rejected('missing_field', `Auth0 ${type} (${what}) has no valid date`)
    if (!user) return rejected('missing_field', `Auth0 ${type} (${what}) names no user (user_name / user_id)`)
    return null
  }
  // Object.assign, not object spread: V8 spreads these wide objects on a slow path (4× slower overall).
  const row = (input: Omit<RowInput, 'tsMs' | 'user_id'>) =>
    completeRow(Object.assign({}, base, input, { tsMs: tsMs!, user_id: user }) as RowInput, 'auth0', payload, ctx)

  // --- logins --------------------------------------------------------------------------------------
  if (LOGIN_SUCCESS.has(type) || LOGIN_FAILURE.has(type)) {
    const bad = need('a login')
    if (bad) return bad
    const success = LOGIN_SUCCESS.has(type)
    let facts: MethodFacts
    if (type === 'fp' || type === 'fu' || type === 'pwd_leak' || type === 'fc') facts = { method: 'password', second_factor: 'none', webauthnUsed: false }
    else if (type === 'sens' || type === 'fens') facts = { method: 'sso', second_factor: 'none', webauthnUsed: false }
    else facts = loginMethod(log)
    if (type === 'fcoa' && facts.method === 'unknown') facts.method = 'password' // /co/authenticate takes a password
    let reason: FailureReason = ''
    if (!success) {
      const text = `${str(obj(details.error).message, 500)} ${str(obj(details.error).oauthError, 500)} ${str(log.description, 500)}`
      reason = type === 'fp' ? 'invalid_credentials' : type === 'fu' ? 'unknown_user' : type === 'pwd_leak' ? 'policy_denied' : reasonFromText(text.trim())
      if (reason === 'other' && facts.method === 'passkey') reason = 'passkey_failed'
    }
    return accepted([row({
      event_type: 'login',
      outcome: success ? 'success' : 'failure',
      failure_reason: reason,
      method: facts.method,
      second_factor: facts.second_factor,
      passkey_type: facts.webauthnUsed ? 'unknown' : '',
      latency_ms: success ? latencyOf(details) : null,
      flow_id: str(details.transaction_id, 512),
    })])
  }

  const exchange = EXCHANGES.get(type)
  if (exchange) {
    const bad = need('a token exchange with credentials')
    if (bad) return bad
    const [method, second_factor, success] = exchange
    const text = `${str(obj(details.error).message, 500)} ${str(log.description, 500)}`
    return accepted([row({
      event_type: 'login', outcome: success ? 'success' : 'failure',
      failure_reason: success ? '' : second_factor !== 'none' ? 'mfa_failed' : reasonFromText(text.trim()) === 'other' ? 'invalid_credentials' : reasonFromText(text.trim()),
      method, second_factor,
    })])
  }

  // --- MFA steps of a sign-in ----------------------------------------------------------------------
  if (MFA_STEPS.has(type)) {
    const passed = type === 'gd_auth_succeed' || type === 'gd_recovery_succeed'
    const second: SecondFactor = type.startsWith('gd_recovery') ? 'recovery_code'
      : type === 'gd_webauthn_challenge_failed' ? 'webauthn' : factorOf(guardianType(log))
    const reason: FailureReason = passed ? '' : type === 'gd_auth_rejected' ? 'mfa_denied' : /rate_limit/.test(type) ? 'locked_out' : 'mfa_failed'
    const flowId = str(details.transaction_id, 512)
    if (passed && !flowId) return ignored(`Auth0 ${type}: a passed MFA challenge; the sign-in it belongs to is logged as \`s\``)
    const bad = need('an MFA challenge')
    if (bad) return bad
    const standalone = passed ? null : row({
      event_type: 'login', outcome: 'failure', failure_reason: reason, method: 'unknown', second_factor: second,
      passkey_type: second === 'webauthn' ? 'unknown' : '', flow_id: flowId,
    })
    if (!flowId) return accepted([standalone!])
    const step: FlowStep = {
      flow_id: flowId,
      tsMs: tsMs!,
      contributes: passed
        ? { second_factor: second, ...(second === 'webauthn' ? { passkey_type: 'unknown' as const, phishing_resistant: 1 as const } : {}) }
        : { second_factor: second, outcome: 'failure', failure_reason: reason },
      standalone,
    }
    return accepted([], [step])
  }

  // --- credential lifecycle ------------------------------------------------------------------------
  if (type === 'gd_enrollment_complete' || type === 'gd_unenroll') {
    const bad = need('an MFA enrolment change')
    if (bad) return bad
    const authType = guardianType(log)
    const factor = factorOf(authType)
    const added = type === 'gd_enrollment_complete'
    if (factor === 'webauthn') {
      const a = obj(details.authenticator)
      const deviceType = str(a.credential_device_type, 32)
      const facts = classifyPasskey({
        aaguid: str(a.aaguid, 64),
        credentialDeviceType: deviceType === 'multi_device' ? 'multiDevice' : deviceType === 'single_device' ? 'singleDevice' : deviceType || undefined,
        backedUp: typeof a.credential_backed_up === 'boolean' ? a.credential_backed_up : undefined,
      })
      return accepted([row({
        event_type: added ? 'passkey_registered' : 'passkey_removed', outcome: 'success', method: 'passkey', second_factor: 'none',
        passkey_type: facts.passkeyType, authenticator: facts.authenticator, aaguid: facts.aaguid,
      })])
    }
    return accepted([row({ event_type: added ? 'mfa_enrolled' : 'mfa_removed', outcome: 'success', method: 'unknown', second_factor: factor })])
  }

  if (type === 'ss') {
    const methods = strings(details.authentication_methods)
    if (!methods.includes('passkey')) {
      return ignored('Auth0 ss: a sign-up with a password creates an account, not a credential enrolment; its session logs its own login')
    }
    const bad = need('a passkey sign-up')
    if (bad) return bad
    return accepted([row({ event_type: 'passkey_registered', outcome: 'success', method: 'passkey', second_factor: 'none', passkey_type: 'unknown' })])
  }

  if (type === 'limit_wc') {
    const bad = need('an account block')
    if (bad) return bad
    return accepted([row({ event_type: 'account_locked', outcome: 'success', method: 'password', second_factor: 'none' })])
  }
  if (type === 'scpr' || type === 'scp') {
    const bad = need(type === 'scpr' ? 'a password reset request' : 'a password change')
    if (bad) return bad
    return accepted([row({ event_type: type === 'scpr' ? 'password_reset' : 'password_changed', outcome: 'success', method: 'password', second_factor: 'none' })])
  }

  if (type.startsWith('gd_')) return ignored(`Auth0 ${type}: a Guardian notice that is not a sign-in or an enrolment`)
  return ignored(`Auth0 ${type}: not an authentication event`)
}

const KNOWN = new Set([...LOGIN_SUCCESS, ...LOGIN_FAILURE, ...EXCHANGES.keys(), ...MFA_STEPS, ...IGNORED.keys(),
  'gd_enrollment_complete', 'gd_unenroll', 'ss', 'limit_wc', 'scpr', 'scp'])

export const auth0Normalizer: Normalizer = {
  source: 'auth0',
  normalize: normalizeAuth0,
  // Auth0 log ids are long digit strings; otherwise a known type code with Auth0's `date`.
  detect: (p) => {
    const u = unwrap(p)
    if (!u) return false
    const { log, logId } = u
    if (typeof log.type !== 'string' || 'class_uid' in log || 'eventType' in log) return false
    if (/^\d{20,}$/.test(logId)) return true
    return KNOWN.has(log.type) && typeof log.date === 'string' && ('client_id' in log || 'details' in log || 'user_id' in log)
  },
}
