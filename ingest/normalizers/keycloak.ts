// `keycloak`: Keycloak user events as JSON (admin REST /admin/realms/{realm}/events, event-listener SPIs:
// { id?, time, type, realmId, clientId, userId, sessionId, ipAddress, error, details: {…} }), as the
// jboss-logging listener writes them (`type=LOGIN, realmId=…, username=…` or, since Keycloak 26,
// `type="LOGIN", realmId="…"`), either as a plain line or inside a JSON log record's `message` with
// `@timestamp` at the top, and admin events for a user's password reset.
//
// Mapping (event types from org.keycloak.events.EventType; details from Details / WebAuthnConstants):
//   LOGIN                    success. The standard event does not name the credential: method from
//                            details.identity_provider (sso), credential_type (webauthn-passwordless → passkey,
//                            password → password, webauthn → second factor webauthn, otp → totp,
//                            recovery-authn-codes → recovery_code, kerberos → sso), x509 certificate details
//                            (certificate), grant_type=password (direct grant: password), a custom
//                            `authenticator` detail naming a Keycloak authenticator; otherwise unknown — never a guess.
//   LOGIN_ERROR              failure: invalid_user_credentials → invalid_credentials (mfa_failed for an
//                            otp / webauthn step, passkey_failed for webauthn-passwordless), user_not_found →
//                            unknown_user (the attempted username is the user), user_temporarily_disabled /
//                            user_disabled → locked_out, rejected_by_user / consent_denied → user_cancelled,
//                            not_allowed / access_denied / client_disabled → policy_denied, else other
//   UPDATE_CREDENTIAL        credential_type webauthn / webauthn-passwordless → passkey_registered (AAGUID from
//                            public_key_credential_aaguid), otp → mfa_enrolled (totp), recovery-authn-codes →
//                            mfa_enrolled (recovery_code), password → password_changed
//   REMOVE_CREDENTIAL        passkey_removed / mfa_removed (a password removal is ignored)
//   UPDATE_PASSWORD, UPDATE_TOTP, REMOVE_TOTP, CUSTOM_REQUIRED_ACTION webauthn-register*
//                            the pre-26 events: mapped like the above; Keycloak 26 still sends them as copies of
//                            UPDATE_/REMOVE_CREDENTIAL (carrying credential_type), and those copies are ignored
//   RESET_PASSWORD           password_reset (the reset-credentials flow completed)
//   USER_DISABLED_BY_TEMPORARY_LOCKOUT / _PERMANENT_LOCKOUT   account_locked
//   admin event ACTION on users/{id}/reset-password   password_reset (an administrator set the password)
//   REGISTER                 ignored: a sign-up; its credentials and login are logged as their own events
//   CODE_TO_TOKEN, REFRESH_TOKEN, CLIENT_LOGIN, TOKEN_EXCHANGE, LOGOUT, SEND_RESET_PASSWORD, … ignored
import type { FailureReason, Method, PasskeyType, SecondFactor } from '../../schemas/auth-event.js'
import { accepted, ignored, rejected, type NormalizeResult } from '../fate.js'
import { parseTimestamp } from '../time.js'
import { isObj, str, type Obj } from './fields.js'
import { classifyPasskey } from './passkey.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

/** Keycloak prints absent values as the word null. */
const val = (v: unknown, max = 512): string => {
  const s = str(v, max)
  return s === 'null' ? '' : s
}

interface KcEvent {
  type: string
  fields: Map<string, string>
  details: Map<string, string>
  time: unknown
  admin: Obj | null
}

const TOP_LEVEL = new Set(['type', 'realmId', 'realmName', 'clientId', 'userId', 'sessionId', 'ipAddress', 'error', 'id', 'time'])
const KV_LINE = /(?:^|[\s,(])type="?[A-Z_]+"?,\s*realmId=/
const MAX_LINE = 64 * 1024

/** Parses `key=value, key="value", …` as the jboss-logging listener writes it. */
export function parseKeyValues(line: string): Map<string, string> {
  const out = new Map<string, string>()
  const start = line.search(/(?:^|[\s,(])type=/)
  if (start < 0) return out
  const re = /([A-Za-z_][\w.-]{0,100})=("((?:[^"\\]|\\.)*)"|[^,]*)(?:,\s*|$)/y
  re.lastIndex = start + (line[start] === 't' ? 0 : 1)
  let guard = 0
  while (re.lastIndex < line.length && guard++ < 500) {
    const m = re.exec(line)
    if (!m) break
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!.trim()
    if (!out.has(m[1]!)) out.set(m[1]!, value.slice(0, 4096))
  }
  return out
}

/** Timestamp at the head of a log line: ISO (syslog) or `2024-08-21 08:14:33,591`. */
function lineTime(line: string): number | null {
  const m = /(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/.exec(line.slice(0, 200))
  return m ? parseTimestamp(m[1]!.replace(',', '.')) : null
}

function fromKeyValues(kv: Map<string, string>, time: unknown): KcEvent {
  const fields = new Map<string, string>()
  const details = new Map<string, string>()
  for (const [k, v] of kv) {
    const value = v === 'null' ? '' : v
    if (TOP_LEVEL.has(k)) fields.set(k, value)
    else details.set(k, value)
  }
  return { type: fields.get('type') ?? '', fields, details, time, admin: null }
}

function readEvent(payload: unknown): KcEvent | string {
  if (typeof payload === 'string') {
    const line = payload.slice(0, MAX_LINE)
    if (!KV_LINE.test(line)) return 'the text is not a Keycloak event line (type=…, realmId=…)'
    return fromKeyValues(parseKeyValues(line), lineTime(line))
  }
  if (!isObj(payload)) return 'a Keycloak event must be a JSON object or a log line'
  if (typeof payload.message === 'string' && !('type' in payload && 'realmId' in payload)) {
    const line = payload.message.slice(0, MAX_LINE)
    if (!KV_LINE.test(line)) return 'the log record\'s message is not a Keycloak event (type=…, realmId=…)'
    const time = payload['@timestamp'] ?? payload.timestamp ?? payload.time ?? lineTime(line)
    return fromKeyValues(parseKeyValues(line), time)
  }
  if (typeof payload.operationType === 'string' && ('resourcePath' in payload || 'resourceType' in payload)) {
    return { type: `ADMIN_${str(payload.operationType, 40)}`, fields: new Map(), details: new Map(), time: payload.time, admin: payload }
  }
  const fields = new Map<string, string>()
  for (const k of TOP_LEVEL) if (k !== 'time') fields.set(k, val(payload[k]))
  const details = new Map<string, string>()
  if (isObj(payload.details)) for (const [k, v] of Object.entries(payload.details)) details.set(k, val(v, 4096))
  return { type: fields.get('type') ?? '', fields, details, time: payload.time ?? payload['@timestamp'], admin: null }
}

interface Facts {
  method: Method
  second_factor: SecondFactor
  passkey_type: PasskeyType
}

// Keycloak authenticator provider ids (a `authenticator` detail some listeners add).
const AUTHENTICATORS = new Map<string, Partial<Facts>>([
  ['auth-username-password-form', { method: 'password' }], ['auth-password-form', { method: 'password' }],
  ['direct-grant-validate-password', { method: 'password' }],
  ['webauthn-authenticator-passwordless', { method: 'passkey' }], ['webauthn-authenticator', { second_factor: 'webauthn' }],
  ['auth-otp-form', { second_factor: 'totp' }], ['direct-grant-validate-otp', { second_factor: 'totp' }],
  ['auth-recovery-authn-code-form', { second_factor: 'recovery_code' }],
  ['identity-provider-redirector', { method: 'sso' }], ['auth-spnego', { method: 'sso' }],
  ['auth-x509-client-username-form', { method: 'certificate' }], ['direct-grant-auth-x509-username', { method: 'certificate' }],
])

function loginFacts(ev: KcEvent): Facts {
  const d = ev.details
  let method: Method = 'unknown'
  let second: SecondFactor = 'none'
  const credential = (d.get('credential_type') ?? '').toLowerCase()
  if (d.get('identity_provider')) method = 'sso'
  else if ([...d.keys()].some((k) => k.startsWith('x509_cert'))) method = 'certificate'
  switch (credential) {
    case 'webauthn-passwordless': method = 'passkey'; break
    case 'password': if (method === 'unknown') method = 'password'; break
    case 'webauthn': second = 'webauthn'; break
    case 'otp': second = 'totp'; break
    case 'recovery-authn-codes': second = 'recovery_code'; break
    case 'kerberos': if (method === 'unknown') method = 'sso'; break
  }
  const auth = AUTHENTICATORS.get((d.get('authenticator') ?? '').toLowerCase())
  if (auth?.method && method === 'unknown') method = auth.method
  if (auth?.second_factor && second === 'none') second = auth.second_factor
  if (method === 'unknown' && (d.get('grant_type') ?? '') === 'password') method = 'password'
  // A second step was logged but the first was not named: the second factor is known, the method is not.
  const passkey_type: PasskeyType = method === 'passkey' || second === 'webauthn' ? 'unknown' : ''
  return { method, second_factor: second, passkey_type }
}

function loginErrorReason(error: string, facts: Facts): FailureReason {
  switch (error) {
    case 'invalid_user_credentials':
    case 'invalid_user':
    case 'password_missing':
      return facts.method === 'passkey' ? 'passkey_failed' : facts.second_factor !== 'none' ? 'mfa_failed' : 'invalid_credentials'
    case 'user_not_found':
    case 'username_missing':
      return 'unknown_user'
    case 'user_temporarily_disabled':
    case 'user_disabled':
      return 'locked_out'
    case 'rejected_by_user':
    case 'consent_denied':
      return 'user_cancelled'
    case 'not_allowed':
    case 'access_denied':
    case 'client_disabled':
    case 'realm_disabled':
      return 'policy_denied'
  }
  if (/webauthn/.test(error)) return facts.method === 'passkey' ? 'passkey_failed' : 'mfa_failed'
  if (/otp|totp/.test(error)) return 'mfa_failed'
  return facts.method === 'passkey' ? 'passkey_failed' : 'other'
}

const IGNORED = new Map<string, string>([
  ['REGISTER', 'a sign-up creates the account; its credentials and login are logged as their own events'],
  ['REGISTER_ERROR', 'a failed sign-up'],
  ['LOGOUT', 'logout'], ['LOGOUT_ERROR', 'failed logout'],
  ['CODE_TO_TOKEN', 'authorization-code exchange: the login it completes is logged as LOGIN'],
  ['CODE_TO_TOKEN_ERROR', 'failed authorization-code exchange: a token request, not a sign-in'],
  ['REFRESH_TOKEN', 'token refresh: no credential presented'], ['REFRESH_TOKEN_ERROR', 'failed token refresh: no credential presented'],
  ['CLIENT_LOGIN', 'client-credentials login of a service account, not a person'],
  ['CLIENT_LOGIN_ERROR', 'failed client-credentials login of a service account, not a person'],
  ['TOKEN_EXCHANGE', 'token exchange: no credential presented'], ['TOKEN_EXCHANGE_ERROR', 'failed token exchange'],
  ['INTROSPECT_TOKEN', 'token introspection'], ['USER_INFO_REQUEST', 'userinfo request'],
  ['SEND_RESET_PASSWORD', 'reset e-mail sent: the completed reset is logged as RESET_PASSWORD'],
  ['SEND_RESET_PASSWORD_ERROR', 'reset e-mail could not be sent'],
  ['RESET_PASSWORD_ERROR', 'failed password reset: nothing changed'],
  ['UPDATE_PASSWORD_ERROR', 'failed password change: nothing changed'], ['UPDATE_CREDENTIAL_ERROR', 'failed credential update: nothing changed'],
  ['UPDATE_TOTP_ERROR', 'failed OTP set-up: nothing enrolled'], ['REMOVE_CREDENTIAL_ERROR', 'failed credential removal: nothing changed'],
  ['REMOVE_TOTP_ERROR', 'failed OTP removal: nothing changed'],
  ['IDENTITY_PROVIDER_LOGIN', 'brokered login step: the login is logged as LOGIN'],
  ['IDENTITY_PROVIDER_FIRST_LOGIN', 'brokered first-login step: the login is logged as LOGIN'],
  ['IDENTITY_PROVIDER_POST_LOGIN', 'brokered post-login step: the login is logged as LOGIN'],
  ['IMPERSONATE', 'an administrator impersonated a user'],
])

export function normalizeKeycloak(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  const ev = readEvent(payload)
  if (typeof ev === 'string') return rejected('invalid_shape', ev)
  const type = ev.type.toUpperCase().slice(0, 80)
  if (!type) return rejected('missing_field', 'the Keycloak event has no type')
  const tsMs = parseTimestamp(ev.time)
  const f = (k: string, max = 512) => (ev.fields.get(k) ?? '').slice(0, max)
  const d = (k: string, max = 512) => (ev.details.get(k) ?? '').slice(0, max)
  const credential = d('credential_type').toLowerCase()

  const base: Omit<RowInput, 'event_type' | 'outcome' | 'user_id' | 'tsMs'> = {
    source_event_id: f('id'),
    app: f('clientId', 1024),
    ip: f('ipAddress', 64),
    vendor_tenant: f('realmName', 256) || f('realmId', 256) || undefined,
    flow_id: d('code_id') || d('authSessionParentId'),
  }
  const user = (d('username', 256) || d('email', 256)).toLowerCase() || f('userId', 256)
  const need = (what: string): NormalizeResult | null => {
    if (tsMs === null) return rejected('missing_field', `Keycloak ${type} (${what}) has no valid time`)
    if (!user) return rejected('missing_field', `Keycloak ${type} (${what}) names no user (username / userId)`)
    return null
  }
  const one = (input: Omit<RowInput, 'tsMs' | 'user_id'>, subject = user): NormalizeResult =>
    accepted([completeRow(Object.assign({}, base, input, { tsMs: tsMs!, user_id: subject }) as RowInput, 'keycloak', payload, ctx)])

  if (ev.admin) {
    const path = str(ev.admin.resourcePath, 1024)
    const m = /^users\/([^/]{1,200})\/reset-password$/.exec(path)
    if (str(ev.admin.operationType) === 'ACTION' && m) {
      if (tsMs === null) return rejected('missing_field', 'Keycloak admin event (password reset) has no valid time')
      return one({ event_type: 'password_reset', outcome: 'success', method: 'password', second_factor: 'none', app: '', flow_id: '',
        vendor_tenant: str(ev.admin.realmId, 256) || undefined }, m[1]!)
    }
    return ignored(`Keycloak admin event ${str(ev.admin.operationType, 40)} ${str(ev.admin.resourceType, 60)}: not about a user's sign-in or credentials`)
  }

  const reason = IGNORED.get(type)
  if (reason) return ignored(`Keycloak ${type}: ${reason}`)

  switch (type) {
    case 'LOGIN':
    case 'LOGIN_ERROR': {
      const bad = need('a login')
      if (bad) return bad
      const facts = loginFacts(ev)
      const ok = type === 'LOGIN'
      return one({
        event_type: 'login', outcome: ok ? 'success' : 'failure',
        failure_reason: ok ? '' : loginErrorReason(f('error').toLowerCase(), facts),
        ...facts,
      })
    }
    case 'UPDATE_CREDENTIAL':
    case 'REMOVE_CREDENTIAL':
    case 'UPDATE_PASSWORD':
    case 'UPDATE_TOTP':
    case 'REMOVE_TOTP':
    case 'CUSTOM_REQUIRED_ACTION': {
      const legacy = type !== 'UPDATE_CREDENTIAL' && type !== 'REMOVE_CREDENTIAL'
      let kind = credential
      if (type === 'UPDATE_PASSWORD') kind = 'password'
      if (type === 'UPDATE_TOTP' || type === 'REMOVE_TOTP') kind = 'otp'
      if (type === 'CUSTOM_REQUIRED_ACTION') {
        const action = d('custom_required_action').toLowerCase()
        kind = action === 'webauthn-register-passwordless' ? 'webauthn-passwordless' : action === 'webauthn-register' ? 'webauthn' : ''
        if (!kind) return ignored(`Keycloak CUSTOM_REQUIRED_ACTION ${action || '(unnamed)'}: not a credential registration`)
      }
      if (legacy && credential) return ignored(`Keycloak ${type}: Keycloak 26+ copy of the UPDATE_/REMOVE_CREDENTIAL event, which is counted instead`)
      const removed = type === 'REMOVE_CREDENTIAL' || type === 'REMOVE_TOTP'
      const bad = need('a credential change')
      if (bad) return bad
      if (kind === 'webauthn' || kind === 'webauthn-passwordless') {
        const p = classifyPasskey({ aaguid: d('public_key_credential_aaguid', 64) })
        return one({ event_type: removed ? 'passkey_removed' : 'passkey_registered', outcome: 'success', method: 'passkey', second_factor: 'none',
          passkey_type: p.passkeyType, authenticator: p.authenticator, aaguid: p.aaguid })
      }
      if (kind === 'password') {
        if (removed) return ignored('Keycloak REMOVE_CREDENTIAL password: a password removal is no enrolment change we track')
        return one({ event_type: 'password_changed', outcome: 'success', method: 'password', second_factor: 'none' })
      }
      const second: SecondFactor = kind === 'otp' ? 'totp' : kind === 'recovery-authn-codes' ? 'recovery_code' : kind ? 'other' : 'unknown'
      return one({ event_type: removed ? 'mfa_removed' : 'mfa_enrolled', outcome: 'success', method: 'unknown', second_factor: second })
    }
    case 'RESET_PASSWORD': {
      const bad = need('a password reset')
      if (bad) return bad
      return one({ event_type: 'password_reset', outcome: 'success', method: 'password', second_factor: 'none' })
    }
    case 'USER_DISABLED_BY_TEMPORARY_LOCKOUT':
    case 'USER_DISABLED_BY_PERMANENT_LOCKOUT': {
      const bad = need('a lockout')
      if (bad) return bad
      return one({ event_type: 'account_locked', outcome: 'success', method: 'password', second_factor: 'none' })
    }
  }
  return ignored(`Keycloak ${type}: not an authentication event`)
}

export const keycloakNormalizer: Normalizer = {
  source: 'keycloak',
  normalize: normalizeKeycloak,
  detect: (p) => {
    if (typeof p.type === 'string' && /^[A-Z_]{3,60}$/.test(p.type) && ('realmId' in p || 'realmName' in p)) return true
    if (typeof p.message === 'string' && KV_LINE.test(p.message.slice(0, 4096))) return true
    return typeof p.operationType === 'string' && 'realmId' in p && ('resourcePath' in p || 'authDetails' in p)
  },
}
