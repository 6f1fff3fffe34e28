// `onepassword`: 1Password Events API sign-in attempts (POST /api/v2/signinattempts items): { uuid, session_uuid,
// timestamp, category, type, country, details{value}, target_user{uuid,name,email}, client{app_name, app_version,
// platform_name, platform_version, os_name, os_version, ip_address}, location{country,region,city} }.
// Item usages and audit events from the same API are recognised and ignored (not sign-ins).
//
// `category` gives the outcome, `type` the detail (1Password Events API reference, v1.4.1):
//  - credentials_ok: account password + Secret Key accepted, no second factor → method password, second none;
//  - mfa_ok: password + Secret Key and a second factor, whose kind the event does not say → second `other`;
//  - federated: Unlock with SSO through the identity provider → method sso;
//  - password_secret_bad → invalid_credentials; totp_* / u2f_* / duo_* / code_* → a failed second factor of that
//    kind (u2f = a WebAuthn security key or passkey → second factor webauthn); *_disabled → policy_denied;
//  - sso_failed (non_sso_user, sso_user_mismatch, service_account_sso_denied) → method sso;
//  - firewall_failed / firewall_reported_success (ip/country/continent/anonymous/all_blocked) → policy_denied,
//    or a success that the firewall only reported; modern_version_failed → policy_denied.
// The API documents no type for "unlock with a passkey"; such sign-ins cannot be told apart and are not guessed.
import type { FailureReason, Method, SecondFactor } from '../../schemas/auth-event.js'
import { ignored, rejected, type NormalizeResult } from '../fate.js'
import {
  acceptRow, at, firstText, guarded, isObj, lookup, major, meaningful, own, text, timeOf, userKey,
} from './fields.js'
import type { Normalizer } from './registry.js'
import type { NormalizeContext, RowInput } from './row.js'

const CATEGORIES = new Set([
  'success', 'credentials_failed', 'mfa_failed', 'sso_failed', 'modern_version_failed', 'firewall_failed',
  'firewall_reported_success',
])

interface TypeInfo { method: Method; second: SecondFactor; failure?: FailureReason; webauthn?: boolean }

const TYPES: Record<string, TypeInfo> = {
  credentials_ok: { method: 'password', second: 'none' },
  mfa_ok: { method: 'password', second: 'other' },
  federated: { method: 'sso', second: 'none' },
  password_secret_bad: { method: 'password', second: 'unknown', failure: 'invalid_credentials' },
  mfa_missing: { method: 'password', second: 'unknown', failure: 'mfa_failed' },
  totp_disabled: { method: 'password', second: 'totp', failure: 'policy_denied' },
  totp_bad: { method: 'password', second: 'totp', failure: 'mfa_failed' },
  totp_timeout: { method: 'password', second: 'totp', failure: 'mfa_failed' },
  u2f_disabled: { method: 'password', second: 'webauthn', failure: 'policy_denied', webauthn: true },
  u2f_bad: { method: 'password', second: 'webauthn', failure: 'mfa_failed', webauthn: true },
  u2f_timeout: { method: 'password', second: 'webauthn', failure: 'mfa_failed', webauthn: true },
  // Spelled so in the API specification.
  u2f_timout: { method: 'password', second: 'webauthn', failure: 'mfa_failed', webauthn: true },
  duo_disabled: { method: 'password', second: 'other', failure: 'policy_denied' },
  duo_bad: { method: 'password', second: 'other', failure: 'mfa_failed' },
  duo_timeout: { method: 'password', second: 'other', failure: 'mfa_failed' },
  duo_native_bad: { method: 'password', second: 'other', failure: 'mfa_failed' },
  code_disabled: { method: 'password', second: 'other', failure: 'policy_denied' },
  code_bad: { method: 'password', second: 'other', failure: 'mfa_failed' },
  code_timeout: { method: 'password', second: 'other', failure: 'mfa_failed' },
  non_sso_user: { method: 'sso', second: 'none', failure: 'policy_denied' },
  sso_user_mismatch: { method: 'sso', second: 'none', failure: 'invalid_credentials' },
  service_account_sso_denied: { method: 'sso', second: 'none', failure: 'policy_denied' },
  platform_secret_disabled: { method: 'unknown', second: 'unknown', failure: 'policy_denied' },
  platform_secret_bad: { method: 'unknown', second: 'unknown', failure: 'invalid_credentials' },
  platform_secret_proxy: { method: 'unknown', second: 'unknown', failure: 'policy_denied' },
  ip_blocked: { method: 'unknown', second: 'unknown', failure: 'policy_denied' },
  continent_blocked: { method: 'unknown', second: 'unknown', failure: 'policy_denied' },
  country_blocked: { method: 'unknown', second: 'unknown', failure: 'policy_denied' },
  anonymous_blocked: { method: 'unknown', second: 'unknown', failure: 'policy_denied' },
  all_blocked: { method: 'unknown', second: 'unknown', failure: 'policy_denied' },
  modern_version_missing: { method: 'unknown', second: 'unknown', failure: 'policy_denied' },
  modern_version_old: { method: 'unknown', second: 'unknown', failure: 'policy_denied' },
}

const CATEGORY_FAILURE: Record<string, FailureReason> = {
  credentials_failed: 'invalid_credentials',
  mfa_failed: 'mfa_failed',
  sso_failed: 'other',
  modern_version_failed: 'policy_denied',
  firewall_failed: 'policy_denied',
}

/** 1Password browser clients: their platform is the browser. */
function browserOf(client: unknown): { browser: string; browser_version: string } {
  const app = text(at(client, 'app_name')).toLowerCase()
  const platform = meaningful(text(at(client, 'platform_name')))
  if (!/browser|extension|1password\.com|web/.test(app) || !platform) return { browser: '', browser_version: '' }
  return { browser: platform.replace(/\s*extension$/i, ''), browser_version: major(at(client, 'platform_version')) }
}

function readOnepassword(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isObj(payload)) return rejected('invalid_shape', 'a 1Password Events API record must be a JSON object')
  const category = text(own(payload, 'category')).toLowerCase()
  if (!category) {
    if ('item_uuid' in payload || 'vault_uuid' in payload) return ignored('1Password item usage: not a sign-in attempt')
    if ('actor_uuid' in payload || 'object_type' in payload) return ignored('1Password audit event: not a sign-in attempt')
    return rejected('missing_field', 'the 1Password sign-in attempt has no category')
  }
  if (!CATEGORIES.has(category)) return rejected('invalid_value', `unknown 1Password sign-in category "${category.slice(0, 80)}"`)
  const type = text(own(payload, 'type')).toLowerCase()
  const info = lookup(TYPES, type)

  const tsMs = timeOf(own(payload, 'timestamp'), own(payload, 'p_event_time'))
  if (tsMs === null) return rejected('missing_field', 'the 1Password sign-in attempt has no usable timestamp')
  const target = own(payload, 'target_user')
  const user = userKey([at(target, 'email')], [at(target, 'uuid')])
  if (!user) return rejected('missing_field', 'the 1Password sign-in attempt names no target_user')

  const success = category === 'success' || category === 'firewall_reported_success'
  // A firewall rule in report-only mode names the rule (ip_blocked, …), not the method: unknown.
  const method: Method = info?.method ?? (category === 'sso_failed' ? 'sso' : 'unknown')
  const second: SecondFactor = info?.second ?? 'unknown'
  const failure: FailureReason = success ? '' : (info?.failure ?? lookup(CATEGORY_FAILURE, category) ?? 'other')

  const client = own(payload, 'client')
  const os = meaningful(text(at(client, 'os_name')))
  const input: RowInput = {
    tsMs,
    event_type: 'login',
    outcome: success ? 'success' : 'failure',
    failure_reason: failure,
    user_id: user,
    source_event_id: text(own(payload, 'uuid')),
    flow_id: text(own(payload, 'session_uuid')),
    app: firstText(at(client, 'app_name'), '1Password'),
    ip: text(at(client, 'ip_address')),
    country: firstText(own(payload, 'country'), at(payload, 'location', 'country')),
    method,
    second_factor: second,
    ...(info?.webauthn ? { passkey_type: 'unknown' as const } : {}),
    ...browserOf(client),
    os,
    os_version: os ? text(at(client, 'os_version')) : '',
    vendor_tenant: text(own(payload, 'account_uuid')),
  }
  return acceptRow(input, 'onepassword', payload, ctx, 'the 1Password user key is longer than 512 characters')
}

/** Pure: one payload → rows / flow steps, ignored or rejected with a reason; never throws. */
export const normalizeOnepassword = guarded('1Password', readOnepassword)

export const onepasswordNormalizer: Normalizer = {
  source: 'onepassword',
  normalize: normalizeOnepassword,
  // A sign-in attempt (category + target_user / session), or the same API's item usage / audit records.
  detect: (p) => {
    const category = own(p, 'category')
    if (typeof category === 'string' && CATEGORIES.has(category.toLowerCase())) {
      return 'target_user' in p || 'session_uuid' in p || isObj(own(p, 'client'))
    }
    if ('item_uuid' in p && 'vault_uuid' in p && 'used_version' in p) return true
    return 'actor_uuid' in p && 'object_type' in p && 'object_uuid' in p
  },
}
