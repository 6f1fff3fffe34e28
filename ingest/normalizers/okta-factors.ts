// What an Okta System Log event says about the authenticator (factor) involved. Okta names it in several
// places, none of them always present: `debugContext.debugData.factor` (legacy factor type, e.g.
// OKTA_VERIFY_PUSH, FIDO_WEBAUTHN, SIGNED_NONCE, PASSWORD_AS_FACTOR), the `AuthenticatorEnrollment`
// target (OIE authenticator display name, e.g. "Okta Verify", "Security Key or Biometric", with
// `detailEntry.methodTypeUsed` such as "Use Okta FastPass" or "Get a push notification"), and
// `outcome.reason` ("User reset FIDO_WEBAUTHN factor", "FastPass declined phishing attempt").
import type { SecondFactor } from '../../schemas/auth-event.js'
import { arrAt, field, isObj, objAt, scalarText, textAt } from './fields.js'
import { normalizeAaguid } from './passkey.js'

export type FactorKind =
  | 'password' | 'fastpass' | 'okta_verify' | 'push' | 'totp' | 'sms' | 'voice' | 'email' | 'webauthn'
  | 'question' | 'hardware_otp' | 'certificate' | 'idp' | 'other' | ''

export interface FactorFacts {
  kind: FactorKind
  /** The vendor marks the method used as phishing-resistant (methodUsedVerifiedProperties). */
  phishingResistant: boolean
  /** AAGUID of a WebAuthn credential, when the event carries one. */
  aaguid: string
}

/** Kind from a legacy factor type or a reason text (upper-case tokens such as FIDO_WEBAUTHN). */
export function kindOfFactorToken(raw: string): FactorKind {
  const t = raw.toUpperCase()
  if (!t) return ''
  if (/SIGNED_NONCE|FASTPASS/.test(t)) return 'fastpass'
  if (/WEBAUTHN|FIDO|U2F/.test(t)) return 'webauthn'
  if (/PASSWORD/.test(t)) return 'password'
  if (/PUSH/.test(t)) return 'push'
  if (/SMS/.test(t)) return 'sms'
  if (/CALL|VOICE/.test(t)) return 'voice'
  if (/EMAIL/.test(t)) return 'email'
  if (/QUESTION/.test(t)) return 'question'
  if (/SMART_?CARD|\bPIV\b|X509|CERTIFICATE/.test(t)) return 'certificate'
  if (/RSA|SECURID|SYMANTEC|YUBIKEY|HOTP|HARDWARE|ON_?PREM|DUO/.test(t)) return 'hardware_otp'
  if (/GOOGLE_OTP|SOFT_TOKEN|TOTP|TOKEN:SOFTWARE|\bOTP\b|OKTA_VERIFY_OTP/.test(t)) return 'totp'
  if (/OKTA_VERIFY/.test(t)) return 'okta_verify'
  if (/\bIDP\b|CLAIMS|FEDERAT|SOCIAL/.test(t)) return 'idp'
  return ''
}

/** Kind from an OIE authenticator display name plus the method used with it. */
export function kindOfAuthenticator(displayName: string, methodUsed: string): FactorKind {
  const name = displayName.toLowerCase()
  const method = methodUsed.toLowerCase()
  if (/fastpass/.test(method)) return 'fastpass'
  if (/push/.test(method)) return 'push'
  if (/security key|biometric|webauthn|fido/.test(method)) return 'webauthn'
  if (/voice|call/.test(method)) return 'voice'
  if (/sms|text/.test(method)) return 'sms'
  if (/email|magic link/.test(method)) return 'email'
  if (/code|otp/.test(method) && /okta verify|google authenticator|authenticator/.test(name)) return 'totp'
  if (/^password$/.test(method)) return 'password'
  if (!name) return ''
  if (/^password$/.test(name)) return 'password'
  if (/webauthn|fido|security key|biometric|passkey/.test(name)) return 'webauthn'
  if (/okta verify/.test(name)) return 'okta_verify'
  if (/google authenticator|totp|authenticator app/.test(name)) return 'totp'
  if (/^phone$|sms/.test(name)) return 'sms'
  if (/voice/.test(name)) return 'voice'
  if (/^email$|e-mail/.test(name)) return 'email'
  if (/security question/.test(name)) return 'question'
  if (/smart card|piv|certificate/.test(name)) return 'certificate'
  if (/yubikey|rsa|securid|symantec|on-prem|duo|custom otp/.test(name)) return 'hardware_otp'
  if (/\bidp\b|identity provider/.test(name)) return 'idp'
  return 'other'
}

const PRIMARY_KINDS = new Set<FactorKind>(['password', 'fastpass', 'certificate', 'idp'])

/** The authenticator facts of one event: the first named source wins (target, then factor, then reason). */
export function factorFacts(p: unknown): FactorFacts {
  const debugData = objAt(p, 'debugContext', 'debugData')
  let kind: FactorKind = ''
  let phishingResistant = false
  for (const t of arrAt(p, 'target')) {
    if (!isObj(t) || scalarText(field(t, 'type')) !== 'AuthenticatorEnrollment') continue
    const detail = objAt(t, 'detailEntry')
    const props = textAt(detail, 'methodUsedVerifiedProperties')
    const k = kindOfAuthenticator(textAt(t, 'displayName'), textAt(detail, 'methodTypeUsed'))
    if (!k) continue
    // Several enrolments can be listed: a primary one (Password) and the second factor; keep the
    // more specific second factor, the primary is read separately (see primaryFromTargets).
    if (!kind || (PRIMARY_KINDS.has(kind) && !PRIMARY_KINDS.has(k))) kind = k
    if (/PHISHING_RESISTANT/i.test(props)) phishingResistant = true
  }
  if (!kind || kind === 'okta_verify') {
    const fromFactor = kindOfFactorToken(textAt(debugData, 'factor'))
    if (fromFactor) kind = fromFactor
  }
  if (!kind) kind = kindOfFactorToken(textAt(p, 'outcome', 'reason'))
  if (kind === 'fastpass') phishingResistant = true
  return { kind, phishingResistant, aaguid: kind === 'webauthn' ? findAaguid(debugData) : '' }
}

/** True when an AuthenticatorEnrollment target names the password (OIE lists it when it was used). */
export function targetsInclude(p: unknown, wanted: FactorKind): boolean {
  for (const t of arrAt(p, 'target')) {
    if (!isObj(t) || scalarText(field(t, 'type')) !== 'AuthenticatorEnrollment') continue
    const detail = objAt(t, 'detailEntry')
    if (kindOfAuthenticator(textAt(t, 'displayName'), textAt(detail, 'methodTypeUsed')) === wanted) return true
  }
  return false
}

function findAaguid(debugData: unknown): string {
  if (!isObj(debugData)) return ''
  for (const k of Object.keys(debugData)) {
    if (/aaguid/i.test(k)) {
      const id = normalizeAaguid(scalarText(debugData[k]))
      if (id) return id
    }
  }
  return ''
}

/** The second factor a kind stands for, when it is used after a primary credential. */
export function secondFactorOf(kind: FactorKind): SecondFactor {
  switch (kind) {
    case 'push': return 'push'
    case 'totp': return 'totp'
    case 'sms': return 'sms'
    case 'voice': return 'voice'
    case 'email': return 'email'
    case 'webauthn': return 'webauthn'
    case 'okta_verify': return 'unknown'
    case 'question':
    case 'hardware_otp':
    case 'certificate':
    case 'other': return 'other'
    default: return 'unknown'
  }
}

/** Kinds that are second factors when a password came first (and the only factor otherwise). */
export function isSecondFactorKind(kind: FactorKind): boolean {
  return kind !== '' && !PRIMARY_KINDS.has(kind)
}

/** The push-deny marker of OIE (`pushOnlyResponseType`) and Classic-style deny events. */
export function pushDenied(p: unknown): boolean {
  const r = textAt(p, 'debugContext', 'debugData', 'pushOnlyResponseType') ||
    textAt(p, 'debugContext', 'debugData', 'pushWithNumberChallengeResponseType')
  return /DENY|REJECT/i.test(r)
}

