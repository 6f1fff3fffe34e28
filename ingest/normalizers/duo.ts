// `duo`: Duo Admin API authentication logs, v2 (/admin/v2/logs/authentication: txid, isotimestamp, factor,
// result, reason, user{name,key,groups}, application, access_device, auth_device, email) and the legacy v1 shape
// (timestamp, username, factor "Duo Push", result "SUCCESS", ip, integration, new_enrollment).
//
// Duo logs the Duo step of a sign-in: usually the second factor after a primary credential checked by the
// application or IdP, which Duo never sees. So a Duo row has method `unknown` (SPEC: never guess) and the
// Duo factor as second factor; the IdP's own log, where ingested, says what the primary was. The exception is
// Duo Passwordless, where the Duo factor is the primary credential: a WebAuthn authenticator → method passkey,
// Duo Mobile → authenticator_app. Policy grants without a live factor (bypass user, remembered device,
// trusted network, unenrolled user allowed) are second factor `none`. `event_type: enrollment` → mfa_enrolled
// (passkey_registered for a WebAuthn authenticator).
import type { FailureReason, SecondFactor } from '../../schemas/auth-event.js'
import { accepted, ignored, rejected, type NormalizeResult } from '../fate.js'
import {
  at, boundInput, firstText, flag, guarded, isObj, lookup, major, meaningful, own, text, timeOf, userKey,
} from './fields.js'
import { classifyPasskey } from './passkey.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

interface FactorInfo {
  second: SecondFactor
  /** A WebAuthn credential (security key, platform authenticator, passkey). */
  webauthn: boolean
  /** U2F / hardware security keys are device-bound by construction. */
  hardwareKey?: boolean
}

/** Duo factor values (v2 snake_case, v1 display names lower-cased). */
const FACTORS: Record<string, FactorInfo> = {
  duo_push: { second: 'push', webauthn: false },
  'duo push': { second: 'push', webauthn: false },
  verified_duo_push: { second: 'push', webauthn: false },
  'verified duo push': { second: 'push', webauthn: false },
  phone_call: { second: 'voice', webauthn: false },
  'phone call': { second: 'voice', webauthn: false },
  sms_passcode: { second: 'sms', webauthn: false },
  'sms passcode': { second: 'sms', webauthn: false },
  sms_refresh: { second: 'sms', webauthn: false },
  'sms refresh': { second: 'sms', webauthn: false },
  duo_mobile_passcode: { second: 'totp', webauthn: false },
  'duo mobile passcode': { second: 'totp', webauthn: false },
  duo_mobile_passcode_hotp: { second: 'totp', webauthn: false },
  duo_mobile_passcode_totp: { second: 'totp', webauthn: false },
  hardware_token: { second: 'totp', webauthn: false },
  'hardware token': { second: 'totp', webauthn: false },
  yubikey_passcode: { second: 'totp', webauthn: false },
  yubikey_code: { second: 'totp', webauthn: false },
  'yubikey passcode': { second: 'totp', webauthn: false },
  digipass_go_7_token: { second: 'totp', webauthn: false },
  // A passcode whose kind Duo does not say (Duo Mobile, token, SMS, or bypass): a second factor, kind unknown.
  passcode: { second: 'other', webauthn: false },
  bypass_code: { second: 'recovery_code', webauthn: false },
  'bypass code': { second: 'recovery_code', webauthn: false },
  u2f_token: { second: 'webauthn', webauthn: true, hardwareKey: true },
  'u2f token': { second: 'webauthn', webauthn: true, hardwareKey: true },
  webauthn_credential: { second: 'webauthn', webauthn: true },
  webauthn_security_key: { second: 'webauthn', webauthn: true },
  webauthn_chrome_touchid: { second: 'webauthn', webauthn: true },
  webauthn_platform: { second: 'webauthn', webauthn: true },
  webauthn: { second: 'webauthn', webauthn: true },
  'security key': { second: 'webauthn', webauthn: true },
  'touch id': { second: 'webauthn', webauthn: true },
  remembered_device: { second: 'none', webauthn: false },
  'remembered device': { second: 'none', webauthn: false },
  trusted_network: { second: 'none', webauthn: false },
  'trusted network': { second: 'none', webauthn: false },
  trusted_location: { second: 'none', webauthn: false },
  not_available: { second: 'none', webauthn: false },
}

/** Reasons that grant access without a live second factor. */
const NO_FACTOR_REASONS = new Set([
  'bypass_user', 'allow_unenrolled_user', 'allow_unenrolled_user_on_trusted_network', 'allowed_by_policy',
  'remembered_device', 'trusted_network', 'trusted_location',
])

const FAILURE_REASONS: Record<string, FailureReason> = {
  user_marked_fraud: 'mfa_denied',
  user_mistake: 'mfa_denied',
  user_cancelled: 'user_cancelled',
  invalid_passcode: 'mfa_failed',
  no_response: 'mfa_failed',
  call_timed_out: 'mfa_failed',
  no_keys_pressed: 'mfa_failed',
  locked_out: 'locked_out',
  error: 'other',
}

/** What Duo refused by configuration rather than because the person failed a factor. */
const POLICY_REASONS = /^(anonymous_ip|anomalous_push|could_not_determine_if_endpoint_was_trusted|denied_by_policy|denied_network|deny_unenrolled_user|endpoint_|factor_restricted|frequent_attempts|invalid_device|invalid_management_certificate_collection_state|invalid_referring_hostname_provided|location_restricted|no_activated_duo_mobile_account|no_disk_encryption|no_duo_certificate_present|no_referring_hostname_provided|no_screen_lock|no_web_referer_match|out_of_date|platform_restricted|push_harassment|rooted_device|software_restricted|touch_?id_disabled|user_disabled|user_not_in_permitted_group|user_provided_invalid_certificate|version_restricted|no_user_allowed)/

function factorInfo(raw: string): FactorInfo | null {
  const f = raw.trim().toLowerCase()
  if (!f) return null
  const known = lookup(FACTORS, f)
  if (known) return known
  if (/webauthn|security.?key|u2f|touch.?id|face.?id|platform|passkey|windows.?hello|biometric/.test(f)) {
    return { second: 'webauthn', webauthn: true }
  }
  if (/push/.test(f)) return { second: 'push', webauthn: false }
  if (/sms/.test(f)) return { second: 'sms', webauthn: false }
  if (/phone|call|voice/.test(f)) return { second: 'voice', webauthn: false }
  if (/passcode|token|otp/.test(f)) return { second: 'totp', webauthn: false }
  if (/bypass/.test(f)) return { second: 'recovery_code', webauthn: false }
  return { second: 'other', webauthn: false }
}

function failureReason(reason: string, result: string): FailureReason {
  const r = reason.toLowerCase()
  const known = lookup(FAILURE_REASONS, r)
  if (known) return known
  if (POLICY_REASONS.test(r)) return 'policy_denied'
  if (result === 'fraud') return 'mfa_denied'
  return 'other'
}

function readDuo(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isObj(payload)) return rejected('invalid_shape', 'a Duo authentication log entry must be a JSON object')
  const eventType = text(own(payload, 'event_type') ?? own(payload, 'eventtype')).toLowerCase()
  if (eventType && eventType !== 'authentication' && eventType !== 'enrollment') {
    return ignored(`Duo event_type "${eventType}" is not an authentication or enrolment`)
  }
  const resultRaw = text(own(payload, 'result')).toLowerCase()
  if (!resultRaw && !('factor' in payload)) {
    // The Admin API's other logs: administrator actions, telephony, offline enrolment.
    if ('action' in payload && ('object' in payload || 'username' in payload || 'description' in payload)) {
      return ignored(`Duo administrator/offline-enrolment log entry (${text(own(payload, 'action')).slice(0, 60) || 'action'}): not an authentication`)
    }
    if ('credits' in payload || ('context' in payload && 'phone' in payload)) return ignored('Duo telephony log entry: not an authentication')
  }
  if (!resultRaw) return rejected('missing_field', 'the Duo authentication log entry has no result')
  const success = resultRaw === 'success' || resultRaw === 'allow' || resultRaw === 'allowed'
  const tsMs = timeOf(own(payload, 'isotimestamp'), own(payload, 'timestamp'), own(payload, 'ts'), own(payload, 'p_event_time'))
  if (tsMs === null) return rejected('missing_field', 'the Duo authentication log entry has no usable isotimestamp/timestamp')

  const userObj = own(payload, 'user')
  const user = userKey(
    [own(payload, 'email'), isObj(userObj) ? own(userObj, 'name') : userObj, own(payload, 'username'), own(payload, 'alias')],
    [at(userObj, 'key')],
  )
  if (!user) return rejected('missing_field', 'the Duo authentication log entry names no user (user.name / username)')

  const factorRaw = text(own(payload, 'factor'))
  const reason = text(own(payload, 'reason')).toLowerCase()
  const factor = factorInfo(factorRaw)
  const passwordless = /passwordless/i.test(factorRaw) || /passwordless/i.test(reason)
  const policyGrant = NO_FACTOR_REASONS.has(reason)

  const access = own(payload, 'access_device')
  const app = firstText(at(payload, 'application', 'name'), own(payload, 'integration'))
  const groupsRaw = at(userObj, 'groups')
  const groups = Array.isArray(groupsRaw) ? groupsRaw.map(text).filter(Boolean) : undefined
  const browser = meaningful(text(at(access, 'browser')))
  const os = meaningful(text(at(access, 'os')))
  const txid = text(own(payload, 'txid'))

  const enrolment = eventType === 'enrollment'
  // Duo Passwordless: the Duo factor is the primary credential.
  const primary = !enrolment && passwordless && factor !== null && !policyGrant
  const webauthn = !!factor?.webauthn && !policyGrant
  const input: RowInput = {
    tsMs,
    event_type: enrolment ? (webauthn ? 'passkey_registered' : 'mfa_enrolled') : 'login',
    outcome: success ? 'success' : 'failure',
    failure_reason: success ? '' : primary && webauthn ? 'passkey_failed' : failureReason(reason, resultRaw),
    user_id: user,
    source_event_id: txid,
    flow_id: txid,
    app,
    ip: firstText(at(access, 'ip'), own(payload, 'ip')),
    country: firstText(at(access, 'location', 'country')),
    browser,
    browser_version: browser ? major(at(access, 'browser_version')) : '',
    os,
    os_version: os ? text(at(access, 'os_version')) : '',
  }
  if (!enrolment) {
    input.method = primary ? (webauthn ? 'passkey' : 'authenticator_app') : 'unknown'
    input.second_factor = primary || policyGrant ? 'none' : factor ? factor.second : 'unknown'
  }
  if (groups) input.groups = groups
  if (webauthn) {
    const c = classifyPasskey({ aaguid: text(at(payload, 'auth_device', 'aaguid')) })
    input.passkey_type = c.passkeyType === 'unknown' && factor?.hardwareKey ? 'device_bound' : c.passkeyType
    input.authenticator = c.authenticator
    input.aaguid = c.aaguid
  }

  const bounded = boundInput(input)
  if (!bounded) return rejected('invalid_value', 'the Duo user name is longer than 512 characters')
  const rows = [completeRow(bounded, 'duo', payload, ctx)]
  // v1: a first authentication that also enrolled the device logs the enrolment in the same entry.
  if (!enrolment && flag(own(payload, 'new_enrollment')) === true && success && factor && factor.second !== 'none') {
    const enrol = boundInput(Object.assign({}, input, { event_type: webauthn ? 'passkey_registered' : 'mfa_enrolled', method: undefined, second_factor: undefined }))
    if (enrol) rows.push(completeRow(enrol, 'duo', payload, ctx, 1))
  }
  return accepted(rows)
}

/** Pure: one payload → rows / flow steps, ignored or rejected with a reason; never throws. */
export const normalizeDuo = guarded('Duo', readDuo)

export const duoNormalizer: Normalizer = {
  source: 'duo',
  normalize: normalizeDuo,
  // Duo's authentication log: a factor and a result, with Duo's device/transaction fields or v1's integration.
  detect: (p) => {
    // The Admin API's administrator / telephony logs (ignored by the normaliser, but Duo's).
    if ('isotimestamp' in p && (('action' in p && 'object' in p) || ('credits' in p && 'phone' in p))) return true
    if (!('factor' in p) || !('result' in p)) return false
    return 'txid' in p || 'access_device' in p || 'auth_device' in p || 'isotimestamp' in p || 'integration' in p ||
      (isObj(own(p, 'application')) && isObj(own(p, 'user')))
  },
}
