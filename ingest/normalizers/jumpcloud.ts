// `jumpcloud`: JumpCloud Directory Insights events (POST /insights/directory/v1/events), bare or as a JSON string
// in a shipper's `message` field: { id, timestamp, event_type, service, success | sso_token_success,
// initiated_by{id,username,email,type}, jc_initiated_by_email, username, client_ip, geoip{country_code},
// useragent{name,major,version,os,os_name,os_version,device}, mfa, mfa_meta{type}, auth_context{auth_methods,
// system,policies_applied}, application{display_label,name,sso_type}, auth_meta, eap_type, error_message }.
//
// Sign-ins: user_login_attempt / admin_login_attempt (User and Admin Portal), sso_auth (JumpCloud as IdP issuing
// an assertion to an app: `sso` unless the event lists the methods used in this flow), radius_auth_attempt
// (EAP-TLS → certificate, password-based EAP/PAP → password), ldap_bind (password), login_attempt on devices.
// Directory Insights has no field naming the primary credential of a portal login: `auth_context.auth_methods`
// keys are used when present, else the method is `unknown` (never guessed); `mfa` / `mfa_meta.type` give the
// second factor. Password, lockout and MFA/WebAuthn enrolment events are recognised by their event_type words.
// Admin and configuration changes (user_update, association_change, …) are ignored.
import type { EventType, FailureReason, Method, SecondFactor } from '../../schemas/auth-event.js'
import { accepted, ignored, rejected, type NormalizeResult } from '../fate.js'
import {
  acceptRow, at, boundInput, factorFromName, firstText, flag, guarded, isObj, lookup, major, meaningful, own, text, timeOf,
  userKey, type Obj,
} from './fields.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

const SERVICES = new Set([
  'directory', 'sso', 'radius', 'ldap', 'systems', 'mdm', 'password_manager', 'software', 'alerts', 'notifications',
  'saas_app_management', 'object_storage', 'access_management', 'msp', 'all',
])

/** What a sign-in without an application record signed in to. */
const SERVICE_APPS: Record<string, string> = {
  user_login_attempt: 'JumpCloud User Portal',
  admin_login_attempt: 'JumpCloud Admin Portal',
  radius_auth_attempt: 'RADIUS',
  ldap_bind: 'LDAP',
}

function unwrap(payload: unknown): Obj | null {
  if (!isObj(payload)) return null
  if (typeof own(payload, 'event_type') === 'string') return payload
  const msg = own(payload, 'message')
  if (typeof msg === 'string' && msg.length < 1_000_000 && msg.trimStart().startsWith('{')) {
    try {
      const inner: unknown = JSON.parse(msg)
      if (isObj(inner) && typeof own(inner, 'event_type') === 'string') return inner
    } catch {
      // not JSON: not a shipped JumpCloud event
    }
  }
  return payload
}

/** Method and second factor from `auth_context.auth_methods` keys (e.g. { password: {...}, totp: {...} }). */
function fromAuthMethods(methods: unknown): { method?: Method; second?: SecondFactor; webauthn?: boolean; go?: boolean } {
  if (!isObj(methods)) return {}
  const keys = Object.keys(methods).map((k) => k.toLowerCase())
  if (keys.length === 0) return {}
  const has = (re: RegExp) => keys.some((k) => re.test(k))
  const webauthn = has(/webauthn|fido|passkey|security_key|u2f/)
  const go = has(/^(jumpcloud_)?go$|jc_go/)
  let method: Method | undefined
  if (has(/password/)) method = 'password'
  else if (go) method = 'passkey'
  else if (webauthn) method = 'passkey'
  else if (has(/cert/)) method = 'certificate'
  else if (has(/idp|federat|saml|oidc/)) method = 'sso'
  let second: SecondFactor | undefined
  if (method === 'password') {
    if (webauthn) second = 'webauthn'
    else if (has(/push|protect/)) second = 'push'
    else if (has(/totp|otp/)) second = 'totp'
    else if (has(/duo|mfa/)) second = 'other'
    else second = 'none'
  }
  return { method, second, webauthn: webauthn || go, go: go && method === 'passkey' }
}

function failureFrom(message: string, fallback: FailureReason): FailureReason {
  const s = message.toLowerCase()
  if (!s) return fallback
  if (/locked/.test(s)) return 'locked_out'
  if (/user (not found|does not exist|unknown)|unknown user|no such user/.test(s)) return 'unknown_user'
  if (/mfa|totp|otp|push|factor|webauthn|verification/.test(s)) return /denied|reject/.test(s) ? 'mfa_denied' : 'mfa_failed'
  if (/password|credential|mschap|response is incorrect|bind failed|invalid/.test(s)) return 'invalid_credentials'
  if (/not authorized|unauthorized|denied|policy|not allowed|restricted|blocked|suspended/.test(s)) return 'policy_denied'
  if (/cancel/.test(s)) return 'user_cancelled'
  return 'other'
}

/** Account events named by event_type words (Directory Insights has hundreds of event types). */
function accountEvent(t: string): EventType | undefined {
  if (/unlock/.test(t)) return undefined
  if (/lockout|locked_out|user_locked|account_locked/.test(t)) return 'account_locked'
  if (/password/.test(t) && !/policy|expir|manager|_settings/.test(t)) {
    if (/reset/.test(t)) return 'password_reset'
    if (/change|update|set/.test(t)) return 'password_changed'
  }
  const factor = /(totp|mfa|webauthn|fido|passkey|security_key|u2f|push|protect|authenticator)/.exec(t)
  if (factor && !/config|policy|setting|required|prompt|attempt/.test(t)) {
    const webauthn = /webauthn|fido|passkey|security_key|u2f/.test(t)
    if (/enrol|register|setup|create|add|activate/.test(t)) return webauthn ? 'passkey_registered' : 'mfa_enrolled'
    if (/remove|delete|unenrol|unregister|reset|deactivate|disable/.test(t)) return webauthn ? 'passkey_removed' : 'mfa_removed'
  }
  return undefined
}

function readJumpcloud(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  const e = unwrap(payload)
  if (!e) return rejected('invalid_shape', 'a JumpCloud Directory Insights event must be a JSON object')
  const type = text(own(e, 'event_type')).toLowerCase()
  if (!type) return rejected('missing_field', 'the JumpCloud event has no event_type')
  const service = text(own(e, 'service')).toLowerCase()

  const isLogin = ['sso_auth', 'user_login_attempt', 'admin_login_attempt', 'radius_auth_attempt', 'ldap_bind', 'login_attempt']
    .includes(type) || (service === 'systems' && /login/.test(type))
  const account = isLogin ? undefined : accountEvent(type)
  if (!isLogin && !account) return ignored(`JumpCloud ${type} is not an authentication event`)

  const tsMs = timeOf(own(e, 'timestamp'), own(e, '@timestamp'), own(e, 'p_event_time'))
  if (tsMs === null) return rejected('missing_field', `the JumpCloud ${type} event has no usable timestamp`)

  const by = own(e, 'initiated_by')
  const resource = own(e, 'resource')
  // Account events acted on by an admin are about the target user (resource), not the admin.
  const byAdmin = text(at(by, 'type')).toLowerCase() === 'admin'
  const user = account && byAdmin && isObj(resource)
    ? userKey([at(resource, 'email'), at(resource, 'username')], [at(resource, 'id')])
    : userKey(
        [own(e, 'jc_initiated_by_email'), at(by, 'email'), at(by, 'username'), own(e, 'username'), at(e, 'outer', 'username')],
        [at(by, 'id')],
      )
  if (!user) return rejected('missing_field', `the JumpCloud ${type} event names no user (initiated_by / username)`)

  const ua = own(e, 'useragent')
  const browser = meaningful(text(at(ua, 'name')))
  const os = meaningful(firstText(at(ua, 'os_name'), at(ua, 'os')))
  const appLabel = firstText(at(e, 'application', 'display_label'), at(e, 'application', 'name'))
  const app = appLabel || lookup(SERVICE_APPS, type) || (service === 'systems' ? firstText(at(e, 'system', 'hostname'), 'Device login') : '')
  const base: Partial<RowInput> = {
    source_event_id: text(own(e, 'id')),
    app,
    ip: firstText(own(e, 'client_ip'), own(e, 'src_ip')),
    country: firstText(at(e, 'geoip', 'country_code'), at(e, 'geoip', 'country')),
    vendor_tenant: text(own(e, 'organization')),
    browser,
    browser_version: browser ? firstText(major(at(ua, 'major')), major(at(ua, 'version'))) : '',
    os,
    os_version: os ? meaningful(text(at(ua, 'os_version'))) : '',
  }
  if (type === 'admin_login_attempt' || text(at(by, 'administrator')) === 'true' || at(by, 'administrator') === true) base.privileged = 1

  if (account) {
    const bounded = boundInput({ ...base, tsMs, event_type: account, outcome: 'success', user_id: user })
    if (!bounded) return rejected('invalid_value', 'the JumpCloud user key is longer than 512 characters')
    if (flag(own(e, 'success')) === false) return ignored(`JumpCloud ${type} did not succeed: nothing changed`)
    return accepted([completeRow(bounded, 'jumpcloud', payload, ctx)])
  }

  const ok = type === 'sso_auth'
    ? flag(own(e, 'sso_token_success')) ?? flag(own(e, 'success'))
    : flag(own(e, 'success')) ?? flag(own(e, 'sso_token_success'))
  if (ok === undefined) return rejected('missing_field', `the JumpCloud ${type} event has no success flag`)

  // The primary credential.
  const listed = fromAuthMethods(at(e, 'auth_context', 'auth_methods'))
  let method: Method = listed.method ?? 'unknown'
  let second: SecondFactor | undefined = listed.second
  let certificate = false
  if (!listed.method) {
    if (type === 'sso_auth') method = 'sso'
    else if (type === 'ldap_bind') method = 'password'
    else if (type === 'radius_auth_attempt') {
      const eap = `${text(own(e, 'eap_type'))} ${text(at(e, 'outer', 'eap_type'))} ${text(own(e, 'auth_type'))}`.toLowerCase()
      const meta = own(e, 'auth_meta')
      if (/tls/.test(eap) && !/ttls/.test(eap)) certificate = true
      else if (/mschap|pap|chap|gtc|peap|ttls|md5/.test(eap)) method = 'password'
      else if (flag(at(meta, 'user_cert_enabled')) === true && flag(at(meta, 'user_password_enabled')) !== true) certificate = true
      else if (flag(at(meta, 'user_password_enabled')) === true && flag(at(meta, 'user_cert_enabled')) !== true) method = 'password'
      if (certificate) method = 'certificate'
    }
  }
  // The second factor.
  const mfa = flag(own(e, 'mfa'))
  const mfaType = text(at(e, 'mfa_meta', 'type'))
  let webauthn = !!listed.webauthn
  if (second === undefined || (mfaType && second === 'other')) {
    if (mfaType) {
      const f = factorFromName(mfaType)
      if (f) { second = f.second; webauthn = webauthn || f.webauthn }
    } else if (mfa === true) second = 'other'
    else if (mfa === false) second = 'none'
    else second = 'unknown'
  }
  if (method === 'sso' && !listed.method) second = mfa === true ? (second ?? 'other') : 'none'
  if (method === 'passkey') second = 'none'

  const message = firstText(own(e, 'error_message'), at(e, 'outer', 'error_message'))
  const fallback: FailureReason = method === 'password' ? 'invalid_credentials' : method === 'certificate' ? 'invalid_credentials' : 'other'
  const input: RowInput = {
    ...base,
    tsMs,
    event_type: 'login',
    outcome: ok ? 'success' : 'failure',
    failure_reason: ok ? '' : failureFrom(message, fallback),
    user_id: user,
    method,
    second_factor: second ?? 'unknown',
    ...(webauthn ? { passkey_type: 'unknown' as const } : {}),
  }
  if (listed.go) {
    // JumpCloud Go: a device-bound platform credential.
    input.passkey_type = 'device_bound'
    input.authenticator = 'JumpCloud Go'
  }
  return acceptRow(input, 'jumpcloud', payload, ctx, 'the JumpCloud user key is longer than 512 characters')
}

/** Pure: one payload → rows / flow steps, ignored or rejected with a reason; never throws. */
export const normalizeJumpcloud = guarded('JumpCloud', readJumpcloud)

export const jumpcloudNormalizer: Normalizer = {
  source: 'jumpcloud',
  normalize: normalizeJumpcloud,
  // Directory Insights: an event_type with a JumpCloud service and its initiator/organisation fields,
  // bare or as JSON in a shipper's `message`.
  detect: (p) => {
    let e: Obj = p
    const msg = own(p, 'message')
    if (typeof own(p, 'event_type') !== 'string' && typeof msg === 'string' && msg.includes('"event_type"') && msg.includes('"service"')) {
      const inner = unwrap(p)
      if (!inner) return false
      e = inner
    }
    if (typeof own(e, 'event_type') !== 'string') return false
    return SERVICES.has(text(own(e, 'service')).toLowerCase()) &&
      ('initiated_by' in e || 'organization' in e || 'client_ip' in e || 'jc_initiated_by_email' in e)
  },
}
