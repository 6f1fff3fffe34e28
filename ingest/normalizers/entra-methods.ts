// Entra ID authentication methods: the display strings of `authenticationDetails[].authenticationMethod`
// (sign-in logs), the enum values of Graph `authenticationMethodsUsed` / the authentication-methods
// reports (`passKeyDeviceBound`, `passKeySynced`, `windowsHelloForBusiness`, …), and how a sign-in's
// steps combine into one primary method and one second factor (SPEC §1).
import type { AuthEvent, Method, SecondFactor } from '../../schemas/auth-event.js'
import { bool, field, isObj, scalarText } from './fields.js'
import { classifyPasskey, normalizeAaguid } from './passkey.js'

export type EntraKind =
  | 'password' | 'federated' | 'previously_satisfied'
  | 'fido2' | 'passkey_device_bound' | 'passkey_synced' | 'passkey_authenticator' | 'passkey_windows_hello'
  | 'whfb' | 'platform_sso' | 'certificate' | 'authenticator_passwordless'
  | 'push' | 'totp' | 'sms' | 'voice' | 'email' | 'tap' | 'qr' | 'other' | ''

// Ordered: the first pattern that matches decides ("Passwordless phone sign-in" is not a password,
// "Email OTP" is e-mail, "Mobile app verification code" is a code, not a push).
const PATTERNS: [RegExp, EntraKind][] = [
  [/previously satisfied|satisfied by (token|claim)|claim in the token/i, 'previously_satisfied'],
  [/passkey\s*\(\s*microsoft authenticator\s*\)|passkeydeviceboundauthenticator/i, 'passkey_authenticator'],
  [/passkey\s*\(\s*windows hello\s*\)|passkeydeviceboundwindowshello/i, 'passkey_windows_hello'],
  [/passkey\s*\(\s*synced\s*\)|passkeysynced/i, 'passkey_synced'],
  [/passkey\s*\(\s*(other\s+)?device[-\s]?bound\s*\)|passkeydevicebound/i, 'passkey_device_bound'],
  [/windows hello for business|windowshelloforbusiness/i, 'whfb'],
  [/platform (sso|credential)|secure enclave|macossecureenclavekey/i, 'platform_sso'],
  [/passkey|fido|security key/i, 'fido2'],
  [/x\.?509|certificate/i, 'certificate'],
  [/passwordless|phone sign-?in/i, 'authenticator_passwordless'],
  [/e-?mail/i, 'email'],
  [/temporary access pass|temporaryaccesspass|^tap$/i, 'tap'],
  [/verification code|oath|one-?time ?passcode|softwareonetimepasscode|hardwareonetimepasscode|app code|\botp\b/i, 'totp'],
  [/text message|\bsms\b|mobilesms/i, 'sms'],
  [/phone call|voice|mobilecall|officephone|alternatemobilephone|^mobilephone$/i, 'voice'],
  [/notification|microsoftauthenticatorpush|microsoft authenticator|authenticator app|^mobile app$/i, 'push'],
  [/qr ?code/i, 'qr'],
  [/password/i, 'password'],
]

/** Kind of one authentication method string (display text or Graph enum value). */
export function entraKind(method: string, detail = ''): EntraKind {
  const m = method.trim()
  if (!m) return ''
  for (const [re, kind] of PATTERNS) {
    if (re.test(m)) {
      // A password checked by a federated IdP (AD FS, a third-party IdP) is an SSO sign-in to Entra.
      if (kind === 'password' && /federat|ad ?fs/i.test(detail)) return 'federated'
      return kind
    }
  }
  return 'other'
}

const PASSKEY_KINDS = new Set<EntraKind>([
  'fido2', 'passkey_device_bound', 'passkey_synced', 'passkey_authenticator', 'passkey_windows_hello', 'whfb', 'platform_sso',
])

export function isPasskeyKind(k: EntraKind): boolean {
  return PASSKEY_KINDS.has(k)
}

export interface Step {
  kind: EntraKind
  /** undefined when the log does not say. */
  succeeded: boolean | undefined
  requirement: 'primary' | 'mfa' | ''
  detail: string
  resultDetail: string
}

export function readSteps(details: unknown[]): Step[] {
  const steps: Step[] = []
  for (const d of details) {
    if (!isObj(d)) continue
    const method = scalarText(field(d, 'authenticationMethod'))
    const detail = scalarText(field(d, 'authenticationMethodDetail'))
    const kind = entraKind(method, detail)
    if (!kind) continue
    const req = scalarText(field(d, 'authenticationStepRequirement'))
    steps.push({
      kind,
      succeeded: bool(field(d, 'succeeded')),
      requirement: /primary/i.test(req) ? 'primary' : /multi|mfa|second/i.test(req) ? 'mfa' : '',
      detail,
      resultDetail: scalarText(field(d, 'authenticationStepResultDetail')),
    })
  }
  return steps
}

export interface Credential {
  passkey_type: AuthEvent['passkey_type']
  authenticator: string
  aaguid: string
}

const NO_CREDENTIAL: Credential = { passkey_type: '', authenticator: '', aaguid: '' }

// Microsoft Authenticator's passkey AAGUIDs (Microsoft Learn, "Enable passkeys in Microsoft
// Authenticator"); not in the FIDO metadata list. Its passkeys are device-bound (SPEC mapping rules).
const MICROSOFT_AUTHENTICATOR = new Map([
  ['90a3ccdf-635c-4729-a248-9b709135078f', 'Microsoft Authenticator (iOS)'],
  ['de1e552d-db1d-4423-a619-566b625cdc84', 'Microsoft Authenticator (Android)'],
])

/**
 * The WebAuthn credential a passkey-kind step used. Explicit flags first (the method says synced or
 * device-bound, or Graph's passKeySynced / passKeyDeviceBound), then the AAGUID embedded in
 * authenticationMethodDetail ("<key name> - <AAGUID>"), else unknown.
 */
export function credentialOf(step: Step, syncedHint: boolean | undefined): Credential {
  const aaguid = normalizeAaguid(step.detail)
  const msAuthenticator = MICROSOFT_AUTHENTICATOR.get(aaguid)
  if (msAuthenticator && isPasskeyKind(step.kind)) return { passkey_type: 'device_bound', authenticator: msAuthenticator, aaguid }
  switch (step.kind) {
    case 'whfb': return { passkey_type: 'device_bound', authenticator: 'Windows Hello for Business', aaguid: '' }
    case 'platform_sso': return { passkey_type: 'device_bound', authenticator: 'Platform SSO', aaguid: '' }
    case 'passkey_authenticator': {
      const c = classifyPasskey({ aaguid, synced: false })
      return { passkey_type: c.passkeyType, authenticator: c.authenticator || 'Microsoft Authenticator', aaguid: c.aaguid }
    }
    case 'passkey_windows_hello': {
      const c = classifyPasskey({ aaguid, synced: false })
      return { passkey_type: c.passkeyType, authenticator: c.authenticator || 'Windows Hello', aaguid: c.aaguid }
    }
    case 'passkey_synced':
    case 'passkey_device_bound':
    case 'fido2': {
      const synced = step.kind === 'passkey_synced' ? true : step.kind === 'passkey_device_bound' ? false : syncedHint
      const c = classifyPasskey({ aaguid, synced })
      return { passkey_type: c.passkeyType, authenticator: c.authenticator, aaguid: c.aaguid }
    }
    default: return NO_CREDENTIAL
  }
}

export interface MethodFacts extends Credential {
  method: Method
  second_factor: SecondFactor
  phishing_resistant: 0 | 1
  /** The step that failed, for the failure reason. */
  failedStep: Step | undefined
  /** Steps were logged (an empty list says nothing about MFA). */
  hasSteps: boolean
}

/** Second factor a kind stands for after a primary credential. */
function asSecond(kind: EntraKind): SecondFactor {
  switch (kind) {
    case 'push': return 'push'
    case 'totp': return 'totp'
    case 'sms': return 'sms'
    case 'voice': return 'voice'
    case 'email': return 'email'
    // MFA done earlier in the session; the record does not say with what. 'other' rather than
    // 'unknown', which would count the sign-in as password-only.
    case 'previously_satisfied': return 'other'
    default: return isPasskeyKind(kind) ? 'webauthn' : 'other'
  }
}

/** Method of a kind used as the primary credential (or as the only factor). */
function asPrimary(kind: EntraKind): Method {
  if (isPasskeyKind(kind)) return 'passkey'
  switch (kind) {
    case 'password': return 'password'
    case 'federated': return 'sso'
    // The primary requirement was met by the existing session: a single sign-on.
    case 'previously_satisfied': return 'sso'
    case 'certificate': return 'certificate'
    case 'authenticator_passwordless':
    case 'push':
    case 'totp': return 'authenticator_app'
    case 'tap':
    case 'sms':
    case 'voice':
    case 'email': return 'otp'
    default: return 'unknown'
  }
}

function pick(steps: Step[]): Step | undefined {
  return steps.filter((s) => s.succeeded === true).at(-1) ?? steps.at(-1)
}

/**
 * Combines one sign-in's steps into the primary method and the second factor (SPEC §1: one login
 * per sign-in, with WebAuthn after a password as second factor `webauthn`).
 */
export function combineSteps(steps: Step[], syncedHint: boolean | undefined): MethodFacts {
  const failedStep = steps.find((s) => s.succeeded === false)
  if (steps.length === 0) {
    return { method: 'unknown', second_factor: 'unknown', phishing_resistant: 0, failedStep, hasSteps: false, ...NO_CREDENTIAL }
  }
  const primaries: Step[] = []
  const mfas: Step[] = []
  const labelled = steps.some((s) => s.requirement !== '')
  for (const s of steps) {
    if (labelled) {
      // Entra labels each step "Primary authentication" or "Multifactor authentication".
      if (s.requirement === 'mfa' || (s.requirement === '' && primaries.length > 0)) mfas.push(s)
      else primaries.push(s)
    } else if (primaries.length === 0 || primaries.some((p) => p.kind === s.kind)) {
      // Unlabelled: the first step is the primary; a repeat of its kind is a retry of it.
      primaries.push(s)
    } else {
      mfas.push(s)
    }
  }
  const primary = pick(primaries)
  const mfa = pick(mfas)
  let method: Method
  let second_factor: SecondFactor
  let credential = NO_CREDENTIAL
  let pr: 0 | 1 = 0
  if (!primary) {
    // Only the MFA requirement is described (e.g. the second record of an interrupted sign-in).
    method = 'unknown'
    second_factor = mfa ? asSecond(mfa.kind) : 'unknown'
    if (mfa && isPasskeyKind(mfa.kind)) credential = credentialOf(mfa, syncedHint)
  } else {
    method = asPrimary(primary.kind)
    if (isPasskeyKind(primary.kind)) credential = credentialOf(primary, syncedHint)
    if (method === 'password' || method === 'sso' || method === 'unknown') {
      second_factor = mfa ? asSecond(mfa.kind) : 'none'
      if (mfa && isPasskeyKind(mfa.kind)) credential = credentialOf(mfa, syncedHint)
      if (mfa?.kind === 'certificate') pr = 1
    } else {
      second_factor = 'none'
    }
  }
  return { method, second_factor, phishing_resistant: pr, failedStep, hasSteps: true, ...credential }
}

/** Graph `authenticationMethodsUsed` / report enums as pseudo-steps, in order. */
export function stepsFromMethodsUsed(values: unknown[]): Step[] {
  const steps: Step[] = []
  for (const v of values) {
    const kind = entraKind(scalarText(v))
    if (kind) steps.push({ kind, succeeded: true, requirement: '', detail: '', resultDetail: '' })
  }
  return steps
}

/** passKeySynced / passKeyDeviceBound in Graph's method list: the explicit sync flag. */
export function syncedHintOf(values: unknown[]): boolean | undefined {
  let hint: boolean | undefined
  for (const v of values) {
    const t = scalarText(v).toLowerCase()
    if (t === 'passkeysynced') hint = true
    else if (t.startsWith('passkeydevicebound') && hint === undefined) hint = false
  }
  return hint
}
