// `onelogin`: OneLogin Events API records (GET /api/1/events): { id, created_at, event_type_id, account_id,
// user_id, user_name, actor_user_id, actor_user_name, ipaddr, app_name, app_id, otp_device_name,
// authentication_factor_description, risk_score, error_description, notes, ... }.
//
// `event_type_id` decides (OneLogin's event type list): 5 logged into OneLogin, 6 failed, 8 logged into an app
// (SSO), RADIUS/LDAP/API/social/Mac logins, password requests and changes, lockouts, OTP device (de)registration.
// OneLogin does not log the primary credential of a portal login: method `unknown` unless the event type itself
// implies it (VLDAP bind and the API password login take a password; app access through OneLogin is `sso`;
// a social sign-in is `sso`). The OTP device / authentication factor named in the event gives the second factor.
// `user_name` is the person's display name, not a login: the user key is the e-mail when one is given, else
// OneLogin's immutable numeric user_id; a failure for an unknown user falls back to the attempted name.
import type { EventType, FailureReason, Method, SecondFactor } from '../../schemas/auth-event.js'
import { ignored, rejected, type NormalizeResult } from '../fate.js'
import {
  acceptRow, factorFromName, firstText, guarded, isEmail, isObj, lookup, num, own, text, timeOf,
} from './fields.js'
import type { Normalizer } from './registry.js'
import type { NormalizeContext, RowInput } from './row.js'

interface Kind {
  event: EventType
  success: boolean
  method?: Method
  /** Fixed app label where the event is about a OneLogin service rather than a named app. */
  app?: string
  failure?: FailureReason
  /** The subject may be acted on by an admin (actor_* fields): the key is still user_*. */
  note: string
}

/** OneLogin event types that are about authentication; every other id is ignored. */
const KINDS: Record<string, Kind> = {
  5: { event: 'login', success: true, app: 'OneLogin', note: 'user logged into OneLogin' },
  6: { event: 'login', success: false, app: 'OneLogin', note: 'user failed OneLogin authentication' },
  8: { event: 'login', success: true, method: 'sso', note: 'user logged into an app through OneLogin' },
  10: { event: 'password_reset', success: true, note: 'user requested a new password' },
  11: { event: 'password_changed', success: true, note: 'password changed' },
  19: { event: 'account_locked', success: true, note: 'user locked' },
  22: { event: 'mfa_enrolled', success: true, note: 'user registered an OTP device' },
  24: { event: 'mfa_removed', success: true, note: 'user deregistered an OTP device' },
  68: { event: 'login', success: true, app: 'RADIUS', note: 'user authenticated by RADIUS' },
  69: { event: 'login', success: false, app: 'RADIUS', note: 'user rejected by RADIUS' },
  77: { event: 'login', success: false, method: 'sso', note: 'user failed to log into an app via assertion proxy' },
  78: { event: 'login', success: true, method: 'sso', note: 'user logged into an app via assertion proxy' },
  86: { event: 'login', success: false, note: 'user failed remote (delegated) authentication' },
  122: { event: 'login', success: true, method: 'password', app: 'OneLogin API', note: 'user authenticated via API' },
  123: { event: 'login', success: false, method: 'password', app: 'OneLogin API', note: 'user authentication via API failed' },
  129: { event: 'login', success: false, method: 'password', app: 'VLDAP', note: 'VLDAP bind failed' },
  130: { event: 'login', success: true, method: 'password', app: 'VLDAP', note: 'VLDAP bind successful' },
  140: { event: 'login', success: true, method: 'sso', app: 'OneLogin', note: 'social sign-in successful' },
  141: { event: 'login', success: false, method: 'sso', app: 'OneLogin', note: 'social sign-in failed' },
  153: { event: 'login', success: true, app: 'OneLogin Desktop (Mac)', note: 'Mac login successful' },
  154: { event: 'login', success: false, app: 'OneLogin Desktop (Mac)', note: 'Mac login failed' },
  // "User deleted an authentication factor" (Panther's rule for OneLogin auth-factor removal uses 172 with 24).
  172: { event: 'mfa_removed', success: true, note: 'authentication factor removed' },
  // Admin changed another user's password.
  211: { event: 'password_changed', success: true, note: 'password changed by an admin' },
  527: { event: 'login', success: false, app: 'OneLogin API', failure: 'mfa_failed', note: 'verification of factor via API failed' },
  531: { event: 'account_locked', success: true, note: 'user locked via API' },
  553: { event: 'account_locked', success: true, note: 'user locked via API' },
}

/** Words of OneLogin's error descriptions / notes → failure reason. */
function failureFrom(textIn: string, fallback: FailureReason): FailureReason {
  const s = textIn.toLowerCase()
  if (!s) return fallback
  if (/locked/.test(s)) return 'locked_out'
  if (/(no|unknown|not found|does not exist|invalid) (such )?user|user (not found|does not exist|unknown)/.test(s)) return 'unknown_user'
  if (/password|credential|username/.test(s)) return 'invalid_credentials'
  if (/otp|mfa|factor|token|code/.test(s)) return 'mfa_failed'
  if (/denied|policy|not allowed|restricted|blocked|suspended|ip address/.test(s)) return 'policy_denied'
  if (/cancel/.test(s)) return 'user_cancelled'
  return fallback
}

function readOnelogin(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isObj(payload)) return rejected('invalid_shape', 'a OneLogin event must be a JSON object')
  const typeId = num(own(payload, 'event_type_id'))
  if (typeId === null) return rejected('missing_field', 'the OneLogin event has no numeric event_type_id')
  const kind = lookup(KINDS, String(typeId))
  if (!kind) return ignored(`OneLogin event type ${typeId} is not an authentication event`)

  const tsMs = timeOf(own(payload, 'created_at'), own(payload, 'p_event_time'))
  if (tsMs === null) return rejected('missing_field', `the OneLogin event (type ${typeId}: ${kind.note}) has no usable created_at`)

  const userName = text(own(payload, 'user_name'))
  const userId = text(own(payload, 'user_id'))
  const login = firstText(own(payload, 'user_email'), own(payload, 'email'), own(payload, 'login'), own(payload, 'username'))
  let user = ''
  if (isEmail(login)) user = login.toLowerCase()
  else if (isEmail(userName)) user = userName.toLowerCase()
  else if (userId && userId !== '0') user = userId
  else if (login) user = login.toLowerCase()
  else if (!kind.success && kind.event === 'login') user = userName.toLowerCase()
  if (!user) {
    // Factor-type configuration (172 without a user) is not about a person.
    if (typeId === 172) return ignored('OneLogin authentication factor configuration change (no user)')
    return rejected('missing_field', `the OneLogin event (type ${typeId}: ${kind.note}) names no user`)
  }

  const factorName = firstText(own(payload, 'otp_device_name'), own(payload, 'authentication_factor_description'))
  const factor = factorFromName(factorName)
  const appName = firstText(own(payload, 'app_name'), kind.app)
  const reasonText = firstText(own(payload, 'error_description'), own(payload, 'notes'), own(payload, 'custom_message'))

  let input: RowInput
  const base: Partial<RowInput> = {
    source_event_id: text(own(payload, 'id')) || text(own(payload, 'uuid')),
    app: appName,
    ip: text(own(payload, 'ipaddr')),
    vendor_tenant: text(own(payload, 'account_id')),
  }
  if (kind.event === 'login') {
    const method: Method = kind.method ?? 'unknown'
    let second: SecondFactor
    if (method === 'sso') second = 'none'
    else if (factor) second = factor.second
    else second = 'unknown'
    const fallback: FailureReason = kind.failure ?? (factor && !kind.success ? 'mfa_failed' : method === 'password' ? 'invalid_credentials' : 'other')
    input = {
      ...base,
      tsMs,
      event_type: 'login',
      outcome: kind.success ? 'success' : 'failure',
      failure_reason: kind.success ? '' : failureFrom(reasonText, fallback),
      user_id: user,
      method,
      second_factor: second,
      ...(factor?.webauthn && method !== 'sso' ? { passkey_type: 'unknown' as const } : {}),
    }
  } else {
    let event = kind.event
    if (factor?.webauthn && event === 'mfa_enrolled') event = 'passkey_registered'
    if (factor?.webauthn && event === 'mfa_removed') event = 'passkey_removed'
    input = { ...base, tsMs, event_type: event, outcome: 'success', user_id: user }
  }
  return acceptRow(input, 'onelogin', payload, ctx, 'the OneLogin user key is longer than 512 characters')
}

/** Pure: one payload → rows / flow steps, ignored or rejected with a reason; never throws. */
export const normalizeOnelogin = guarded('OneLogin', readOnelogin)

export const oneloginNormalizer: Normalizer = {
  source: 'onelogin',
  normalize: normalizeOnelogin,
  // The Events API record: a numeric event_type_id with OneLogin's user/account fields.
  detect: (p) => {
    if (num(own(p, 'event_type_id')) === null) return false
    return ['user_id', 'user_name', 'account_id', 'actor_user_id', 'actor_user_name', 'ipaddr', 'created_at', 'app_name']
      .some((k) => k in p) || /^OneLogin\./.test(text(own(p, 'p_log_type')))
  },
}
