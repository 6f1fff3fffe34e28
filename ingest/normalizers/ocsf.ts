// `ocsf`: Open Cybersecurity Schema Framework records (schema.ocsf.io): Authentication (class_uid 3002) and
// Account Change (3001). Other classes are ignored.
//
// Mapping:
//   3002 activity_id 1 Logon   login; status_id 1 → success, 2 → failure (status 0 / 99 is no final outcome:
//                              ignored); activities 2 Logoff, 3–6 Kerberos tickets / preauth, 7 account switch
//                              → ignored
//   auth_factors[]             factor_type_id (or factor_type): 11 Password → method password; 10 WebAuthn /
//                              9 U2F → passkey when no password, else second factor webauthn (U2F is a
//                              hardware key: device_bound); 5 Push → push (alone: authenticator_app);
//                              7 OTP / 6 Hardware Token → totp (alone: otp); 1 SMS → sms, 3 Phone Call → voice,
//                              8 Email → email (alone: otp); 2 Security Question, 4 Biometric, 99 Other → other
//   no auth_factors            auth_protocol_id 4 OpenID / 5 SAML / 6 OAuth 2.0 → sso; 1 NTLM, 3 Digest,
//                              7 PAP, 8 CHAP, 11 Basic, 12 LDAP → password (password-based protocols); Kerberos,
//                              EAP, RADIUS, other → unknown. is_mfa true with no factor named → second factor other
//   failure_reason             from status_code / status_detail text (Windows NTSTATUS codes included)
//   3001 activity_id           3 Password Change → password_changed, 4 Password Reset → password_reset,
//                              9 Lock → account_locked, 10 MFA Factor Enable → mfa_enrolled (passkey_registered
//                              for a WebAuthn / U2F factor), 11 MFA Factor Disable → mfa_removed / passkey_removed;
//                              others (create, enable, disable, delete, policies) → ignored; failures ignored
//   user                       the subject: user.email_addr, else user.name, else user.uid (lower-cased names);
//                              actor.user only when the record has no user. type_id 2 Admin → privileged,
//                              3 System → user_type service
//   time                       `time` (epoch ms or s, detected), else time_dt; latency = duration (ms)
import type { FailureReason, Method, PasskeyType, SecondFactor, UserType } from '../../schemas/auth-event.js'
import { accepted, ignored, rejected, type NormalizeResult } from '../fate.js'
import { parseTimestamp } from '../time.js'
import { arr, isObj, num, obj, str, type Obj } from './fields.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

type Factor = 'password' | 'webauthn' | 'u2f' | 'push' | 'otp' | 'hardware_token' | 'sms' | 'voice' | 'email' | 'other'
const FACTOR_IDS = new Map<number, Factor>([
  [1, 'sms'], [2, 'other'], [3, 'voice'], [4, 'other'], [5, 'push'], [6, 'hardware_token'], [7, 'otp'],
  [8, 'email'], [9, 'u2f'], [10, 'webauthn'], [11, 'password'], [99, 'other'],
])
const FACTOR_NAMES: [RegExp, Factor][] = [
  [/password/i, 'password'], [/webauthn|fido|passkey/i, 'webauthn'], [/u2f|security key/i, 'u2f'], [/push/i, 'push'],
  [/hardware/i, 'hardware_token'], [/otp|totp|authenticator/i, 'otp'], [/sms|text/i, 'sms'], [/phone|call|voice/i, 'voice'],
  [/e-?mail/i, 'email'],
]

function factorOf(f: Obj): Factor | null {
  const id = num(f.factor_type_id)
  if (id !== null && id !== 0) return FACTOR_IDS.get(id) ?? 'other'
  const name = str(f.factor_type, 100)
  if (!name || /^unknown$/i.test(name)) return null
  for (const [re, factor] of FACTOR_NAMES) if (re.test(name)) return factor
  return 'other'
}

const SECOND: Record<Factor, SecondFactor> = {
  password: 'none', webauthn: 'webauthn', u2f: 'webauthn', push: 'push', otp: 'totp', hardware_token: 'totp',
  sms: 'sms', voice: 'voice', email: 'email', other: 'other',
}
const RANK: SecondFactor[] = ['webauthn', 'push', 'totp', 'sms', 'voice', 'email', 'recovery_code', 'other']
const SSO_PROTOCOLS = new Set([4, 5, 6])
const PASSWORD_PROTOCOLS = new Set([1, 3, 7, 8, 11, 12])
const PROTOCOL_NAMES: [RegExp, number][] = [
  [/^ntlm/i, 1], [/kerberos/i, 2], [/digest/i, 3], [/openid|oidc/i, 4], [/saml/i, 5], [/oauth/i, 6], [/^pap$/i, 7],
  [/^chap$/i, 8], [/^eap/i, 9], [/radius/i, 10], [/basic/i, 11], [/ldap/i, 12],
]

interface Facts {
  method: Method
  second_factor: SecondFactor
  passkey_type: PasskeyType
}

/** Method, second factor and passkey type from auth_factors[], auth_protocol and is_mfa. */
export function ocsfMethod(e: Obj): Facts {
  const factors = arr(e.auth_factors).filter(isObj).slice(0, 20).map(factorOf).filter((f): f is Factor => f !== null)
  const webauthn = factors.filter((f) => f === 'webauthn' || f === 'u2f')
  const passkey_type: PasskeyType = webauthn.length === 0 ? '' : webauthn.every((f) => f === 'u2f') ? 'device_bound' : 'unknown'
  let method: Method = 'unknown'
  let second: SecondFactor = 'none'
  if (factors.length > 0) {
    const others = factors.filter((f) => f !== 'password')
    if (factors.includes('password')) {
      method = 'password'
      for (const r of RANK) if (others.some((f) => SECOND[f] === r)) { second = r; break }
    } else if (webauthn.length > 0) {
      method = 'passkey'
    } else {
      const only = others[0]!
      method = only === 'push' ? 'authenticator_app' : only === 'other' ? 'unknown' : 'otp'
      if (others.length > 1) for (const r of RANK) if (others.slice(1).some((f) => SECOND[f] === r)) { second = r; break }
    }
  } else {
    let protocol = num(e.auth_protocol_id)
    if (protocol === null || protocol === 0 || protocol === 99) {
      const name = str(e.auth_protocol, 100)
      protocol = PROTOCOL_NAMES.find(([re]) => re.test(name))?.[1] ?? null
    }
    if (protocol !== null && SSO_PROTOCOLS.has(protocol)) method = 'sso'
    else if (protocol !== null && PASSWORD_PROTOCOLS.has(protocol)) method = 'password'
  }
  if (second === 'none' && (e.is_mfa === true || e.is_mfa === 'true') && method !== 'passkey' && method !== 'sso') second = 'other'
  return { method, second_factor: second, passkey_type: method === 'passkey' || second === 'webauthn' ? passkey_type || 'unknown' : '' }
}

const NTSTATUS = new Map<string, FailureReason>([
  ['0xc000006a', 'invalid_credentials'], ['0xc000006d', 'invalid_credentials'], ['0xc0000064', 'unknown_user'],
  ['0xc0000234', 'locked_out'], ['0xc0000072', 'policy_denied'], ['0xc000006f', 'policy_denied'],
  ['0xc0000070', 'policy_denied'], ['0xc0000193', 'policy_denied'], ['0xc0000071', 'invalid_credentials'],
  ['0xc0000224', 'invalid_credentials'], ['0xc000015b', 'policy_denied'],
])

function failureReason(e: Obj, facts: Facts): FailureReason {
  const code = str(e.status_code, 100).toLowerCase()
  const known = NTSTATUS.get(code)
  if (known) return known
  const t = `${code} ${str(e.status_detail, 500)} ${str(e.message, 300)}`.toLowerCase()
  if (/phish/.test(t)) return 'phishing_blocked'
  if (/unknown user|user not found|no such user|user_not_found|unknown_user|invalid user(name)?\b/.test(t)) return 'unknown_user'
  if (/\b(locked|lockout)\b/.test(t)) return 'locked_out'
  if (/cancel/.test(t)) return 'user_cancelled'
  if (/mfa|factor|otp|verification|push/.test(t)) return /reject|deny|denied/.test(t) ? 'mfa_denied' : 'mfa_failed'
  if (/password|credential|invalid_credentials|bad (user|pass)|authentication failed/.test(t)) return 'invalid_credentials'
  if (/denied|deny|policy|not allowed|blocked|disabled|expired|forbidden/.test(t)) return 'policy_denied'
  return facts.method === 'passkey' ? 'passkey_failed' : 'other'
}

interface Subject {
  key: string
  user_type?: UserType
  privileged?: 0 | 1
  groups: string[]
}

function subjectOf(u: Obj): Subject {
  const key = str(u.email_addr, 256).toLowerCase() || str(u.name, 256).toLowerCase() || str(u.uid, 256)
  const typeId = num(u.type_id)
  const groups = arr(u.groups).map((g) => str(obj(g).name, 256) || str(g, 256)).filter(Boolean).slice(0, 100)
  return {
    key,
    ...(typeId === 3 ? { user_type: 'service' as const } : {}),
    ...(typeId === 2 ? { privileged: 1 as const } : {}),
    groups,
  }
}

/** class_uid and activity_id, falling back to type_uid (= class_uid × 100 + activity_id). */
function classOf(e: Obj): { cls: number | null; activity: number | null } {
  let cls = num(e.class_uid)
  let activity = num(e.activity_id)
  const typeUid = num(e.type_uid)
  if (typeUid !== null && typeUid > 0) {
    cls ??= Math.floor(typeUid / 100)
    activity ??= typeUid % 100
  }
  return { cls, activity }
}

export function normalizeOcsf(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isObj(payload)) return rejected('invalid_shape', 'an OCSF record must be a JSON object')
  const { cls, activity } = classOf(payload)
  if (cls === null) return rejected('missing_field', 'the OCSF record has no class_uid (or type_uid)')
  if (cls !== 3002 && cls !== 3001) return ignored(`OCSF class ${cls}: not an authentication or account-change record`)

  const metadata = obj(payload.metadata)
  const tsMs = parseTimestamp(payload.time) ?? parseTimestamp(payload.time_dt)
  const user = obj(payload.user)
  const subject = subjectOf(Object.keys(user).length > 0 ? user : obj(obj(payload.actor).user))
  const src = obj(payload.src_endpoint)
  const dst = obj(payload.dst_endpoint)
  const service = obj(payload.service)
  const http = obj(payload.http_request)
  const statusId = num(payload.status_id)
  const status = statusId === 1 || /^success/i.test(str(payload.status)) ? 'success'
    : statusId === 2 || /^fail/i.test(str(payload.status)) ? 'failure' : null
  const base: Omit<RowInput, 'event_type' | 'outcome' | 'user_id' | 'tsMs'> = {
    source_event_id: str(metadata.uid, 512),
    app: str(service.name, 1024) || str(dst.svc_name, 1024) || str(payload.app_name, 1024),
    host: str(dst.hostname, 256) || str(obj(http.url).hostname, 256),
    ip: str(src.ip, 64),
    country: str(obj(src.location).country, 64),
    user_agent: str(http.user_agent, 2048),
    vendor_tenant: str(metadata.tenant_uid, 256) || str(obj(payload.cloud).account_uid, 256) || str(obj(obj(payload.cloud).account).uid, 256) || undefined,
    ...(subject.user_type ? { user_type: subject.user_type } : {}),
    ...(subject.privileged ? { privileged: subject.privileged } : {}),
    groups: subject.groups,
  }
  const need = (what: string): NormalizeResult | null => {
    if (tsMs === null) return rejected('missing_field', `OCSF ${what} has no valid time / time_dt`)
    if (!subject.key) return rejected('missing_field', `OCSF ${what} names no user (user.email_addr / name / uid)`)
    return null
  }
  const one = (input: Omit<RowInput, 'tsMs' | 'user_id'>): NormalizeResult =>
    accepted([completeRow(Object.assign({}, base, input, { tsMs: tsMs!, user_id: subject.key }) as RowInput, 'ocsf', payload, ctx)])

  if (cls === 3002) {
    if (activity !== 1) {
      const names = new Map([[2, 'logoff'], [3, 'Kerberos ticket request'], [4, 'Kerberos service ticket'], [5, 'Kerberos ticket renewal'], [6, 'preauthentication step'], [7, 'account switch']])
      return ignored(`OCSF Authentication activity ${activity ?? 'missing'} (${names.get(activity ?? -1) ?? 'not a logon'}): not a sign-in`)
    }
    if (!status) return ignored('OCSF Logon with status unknown or other: not a final outcome')
    const bad = need('Logon')
    if (bad) return bad
    const facts = ocsfMethod(payload)
    const ok = status === 'success'
    const session = obj(payload.session)
    return one({
      event_type: 'login', outcome: status,
      failure_reason: ok ? '' : failureReason(payload, facts),
      ...facts,
      latency_ms: ok ? num(payload.duration) : null,
      flow_id: str(metadata.correlation_uid, 512) || str(session.uid, 512),
    })
  }

  // Account Change (3001)
  if (status === 'failure') return ignored(`OCSF Account Change activity ${activity}: failed, nothing changed`)
  const names = new Map<number, string>([[1, 'account created'], [2, 'account enabled'], [5, 'account disabled'], [6, 'account deleted'],
    [7, 'policy attached'], [8, 'policy detached'], [12, 'account unlocked']])
  switch (activity) {
    case 3:
    case 4:
    case 9: {
      const bad = need('Account Change')
      if (bad) return bad
      return one({ event_type: activity === 3 ? 'password_changed' : activity === 4 ? 'password_reset' : 'account_locked', outcome: 'success', method: 'password', second_factor: 'none' })
    }
    case 10:
    case 11: {
      const bad = need('Account Change (MFA factor)')
      if (bad) return bad
      const factors = arr(payload.auth_factors).filter(isObj).map(factorOf).filter((f): f is Factor => f !== null)
      const added = activity === 10
      if (factors.some((f) => f === 'webauthn' || f === 'u2f')) {
        return one({ event_type: added ? 'passkey_registered' : 'passkey_removed', outcome: 'success', method: 'passkey', second_factor: 'none',
          passkey_type: factors.every((f) => f === 'u2f' || f === 'password') ? 'device_bound' : 'unknown' })
      }
      const f = factors.find((x) => x !== 'password')
      return one({ event_type: added ? 'mfa_enrolled' : 'mfa_removed', outcome: 'success', method: 'unknown', second_factor: f ? SECOND[f] : 'unknown' })
    }
  }
  return ignored(`OCSF Account Change activity ${activity ?? 'missing'} (${names.get(activity ?? -1) ?? 'other'}): not a credential event`)
}

export const ocsfNormalizer: Normalizer = {
  source: 'ocsf',
  normalize: normalizeOcsf,
  // OCSF records carry class_uid (or type_uid) with a metadata object naming the schema version or product.
  detect: (p) => (num(p.class_uid) !== null || num(p.type_uid) !== null) && isObj(p.metadata) && ('version' in p.metadata || 'product' in p.metadata),
}
