// Deterministic vendor-shaped raw events for the ingest benchmarks: Okta System Log, Entra sign-ins
// (Graph and Azure Monitor shapes) and Auth0 tenant logs (plain and log-stream envelopes), built from
// the very fixtures the normaliser tests assert (test/fixtures/<vendor>/), so what is measured is what
// is tested. Fields that make events distinct (ids, users, times, user agents, IPs, apps, flow ids)
// are filled per event from a seeded PRNG: two runs with the same options produce identical bytes.
//
// User agents: a few thousand distinct strings drawn with a Zipf law, so the UA-parse cache sees a
// realistic hit-rate (most sign-ins come from a few current browsers, with a long tail), not 100 %.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Prng } from './prng.js'

export type Vendor = 'okta' | 'entra' | 'auth0'

/** One Kafka message as the raw topic carries it (docs/INGEST.md "The Kafka raw topic"). */
export interface VendorMessage {
  source: Vendor
  /** The flow id, else the user: one flow meets one partition. */
  key: string
  value: string
  /** Event time of the flow's final event (epoch ms). */
  tsMs: number
}

export interface VendorEventOptions {
  seed?: number
  /** Epoch ms of the first flow. Default 2026-10-01T00:00:00Z (fixed, so bytes repeat). */
  startMs?: number
  /** Mean ms between flows. Default 40 (≈ 1 M events over ~11 h of sign-ins). */
  gapMs?: number
  users?: number
  /** One message in this many is not JSON (a dead letter, as real feeds have). 0 = none. Default 5,000. */
  malformedEvery?: number
}

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures')
const fixture = (path: string): unknown => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'))

type Obj = Record<string, unknown>

/** Sets obj[path...] = value; the path must exist in the fixture (a guard against silent template drift). */
function put(obj: unknown, path: (string | number)[], value: unknown): void {
  let o = obj as Obj
  for (const k of path.slice(0, -1)) {
    const next = o[k as string]
    if (next === null || typeof next !== 'object') throw new Error(`fixture has no ${path.join('.')}`)
    o = next as Obj
  }
  const last = path[path.length - 1]!
  if (!(last in o)) throw new Error(`fixture has no ${path.join('.')}`)
  o[last as string] = value
}

/** A JSON text with __NAME__ placeholders, filled per event by one regex pass (cheap, no cloning). */
class Template {
  readonly text: string
  constructor(obj: unknown) {
    this.text = JSON.stringify(obj)
  }
  fill(v: Record<string, string>): string {
    return this.text.replace(/__([A-Z0-9_]+)__/g, (_, k: string) => {
      const x = v[k]
      if (x === undefined) throw new Error(`template value ${k} missing`)
      return x
    })
  }
}

function oktaTemplates() {
  const userFields = (e: unknown) => {
    put(e, ['uuid'], '__UUID__')
    put(e, ['actor', 'id'], '__OKTA_ID__')
    put(e, ['actor', 'alternateId'], '__EMAIL__')
    put(e, ['actor', 'displayName'], '__NAME__')
    put(e, ['client', 'userAgent', 'rawUserAgent'], '__UA__')
    put(e, ['client', 'ipAddress'], '__IP__')
    put(e, ['request', 'ipChain', 0, 'ip'], '__IP__')
    put(e, ['authenticationContext', 'externalSessionId'], '__FLOW__')
  }
  const passkey = fixture('okta/session-start-passkey-only.json')
  userFields(passkey)
  put(passkey, ['published'], '__TS__')
  const [pwd, push, session] = fixture('okta/flow-password-push.json') as unknown[]
  for (const [e, ts] of [[pwd, '__TS0__'], [push, '__TS1__'], [session, '__TS__']] as const) {
    userFields(e)
    put(e, ['published'], ts)
    put(e, ['transaction', 'id'], '__TXN__')
  }
  put(pwd, ['target', 0, 'alternateId'], '__EMAIL__')
  put(push, ['target', 0, 'alternateId'], '__EMAIL__')
  const classic = fixture('okta/session-start-password.json')
  userFields(classic)
  put(classic, ['published'], '__TS__')
  const invalid = fixture('okta/session-start-invalid-credentials.json')
  userFields(invalid)
  put(invalid, ['published'], '__TS__')
  const policy = fixture('okta/policy-evaluate-sign-on.json')
  userFields(policy)
  put(policy, ['published'], '__TS__')
  const sso = fixture('okta/sso-jira.json')
  userFields(sso)
  put(sso, ['published'], '__TS__')
  put(sso, ['target', 1, 'alternateId'], '__EMAIL__')
  return {
    passkey: new Template(passkey), pwd: new Template(pwd), push: new Template(push), session: new Template(session),
    classic: new Template(classic), invalid: new Template(invalid), policy: new Template(policy), sso: new Template(sso),
  }
}

function entraTemplates() {
  const graph = (path: string) => {
    const e = fixture(path) as Obj
    put(e, ['id'], '__UUID__')
    put(e, ['createdDateTime'], '__TS__')
    put(e, ['userDisplayName'], '__NAME__')
    put(e, ['userPrincipalName'], '__EMAIL__')
    put(e, ['userId'], '__ENTRA_ID__')
    put(e, ['appDisplayName'], '__APP__')
    put(e, ['ipAddress'], '__IP__')
    put(e, ['userAgent'], '__UA__')
    put(e, ['correlationId'], '__FLOW__')
    const steps = e.authenticationDetails as Obj[]
    steps.forEach((_, i) => put(e, ['authenticationDetails', i, 'authenticationStepDateTime'], i === steps.length - 1 ? '__TS__' : '__TS0__'))
    return new Template(e)
  }
  const monitor = fixture('entra/monitor-signin-invalid-password.json') as Obj
  put(monitor, ['time'], '__TS__')
  put(monitor, ['correlationId'], '__FLOW__')
  put(monitor, ['callerIpAddress'], '__IP__')
  put(monitor, ['identity'], '__NAME__')
  const props = ['properties']
  put(monitor, [...props, 'id'], '__UUID__')
  put(monitor, [...props, 'createdDateTime'], '__TS__')
  put(monitor, [...props, 'userDisplayName'], '__NAME__')
  put(monitor, [...props, 'userPrincipalName'], '__EMAIL__')
  put(monitor, [...props, 'userId'], '__ENTRA_ID__')
  put(monitor, [...props, 'appDisplayName'], '__APP__')
  put(monitor, [...props, 'ipAddress'], '__IP__')
  put(monitor, [...props, 'userAgent'], '__UA__')
  put(monitor, [...props, 'correlationId'], '__FLOW__')
  return {
    passkey: graph('entra/graph-signin-passkey-synced.json'),
    push: graph('entra/graph-signin-password-push.json'),
    sms: graph('entra/graph-signin-password-sms.json'),
    whfb: graph('entra/graph-signin-whfb.json'),
    denied: graph('entra/graph-signin-mfa-denied.json'),
    invalid: new Template(monitor),
  }
}

function auth0Templates() {
  const fill = (e: unknown, base: (string | number)[]) => {
    put(e, [...base, 'log_id'], '__LOG_ID__')
    put(e, [...base, 'date'], '__TS__')
    put(e, [...base, 'user_id'], '__AUTH0_ID__')
    put(e, [...base, 'user_name'], '__EMAIL__')
    put(e, [...base, 'user_agent'], '__UA__')
    put(e, [...base, 'ip'], '__IP__')
    put(e, [...base, 'client_name'], '__APP__')
  }
  const passkey = fixture('auth0/s-passkey-stream.json')
  fill(passkey, ['data'])
  put(passkey, ['log_id'], '__LOG_ID__')
  put(passkey, ['data', 'details', 'elapsedTime'], '__LAT__')
  const mfa = fixture('auth0/s-password-mfa-strings.json')
  fill(mfa, [])
  put(mfa, ['details', 'elapsedTime'], '__LAT__')
  const pwd = fixture('auth0/s-password.json')
  fill(pwd, [])
  put(pwd, ['details', 'elapsedTime'], '__LAT__')
  const fp = fixture('auth0/fp.json')
  fill(fp, [])
  return { passkey: new Template(passkey), mfa: new Template(mfa), pwd: new Template(pwd), fp: new Template(fp) }
}

// User agents: browser × version × platform, a few thousand distinct strings.
function userAgents(): string[] {
  const out: string[] = []
  const platforms = [
    'Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7', 'X11; Linux x86_64', 'X11; Ubuntu; Linux x86_64',
  ]
  const androids = ['Pixel 9', 'Pixel 8a', 'SM-S928B', 'SM-A546B', 'SM-G991B', '2201116SG', 'CPH2581', 'moto g84 5G']
  const ios = ['18_1', '18_0_1', '17_6_1', '17_5', '16_7_10', '18_2']
  for (let v = 100; v <= 131; v++) {
    for (const p of platforms) out.push(`Mozilla/5.0 (${p}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`)
    out.push(`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.${2000 + v}.${v % 7}`)
    for (const a of androids) for (const av of [13, 14, 15]) out.push(`Mozilla/5.0 (Linux; Android ${av}; ${a}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`)
  }
  for (let v = 100; v <= 133; v++) {
    for (const p of ['Windows NT 10.0; Win64; x64; rv', 'Macintosh; Intel Mac OS X 14.7; rv', 'X11; Linux x86_64; rv', 'X11; Ubuntu; Linux x86_64; rv']) {
      out.push(`Mozilla/5.0 (${p}:${v}.0) Gecko/20100101 Firefox/${v}.0`)
    }
  }
  for (const i of ios) for (const sv of ['17.6', '18.0', '18.1']) {
    out.push(`Mozilla/5.0 (iPhone; CPU iPhone OS ${i} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${sv} Mobile/15E148 Safari/604.1`)
    out.push(`Mozilla/5.0 (iPad; CPU OS ${i} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${sv} Mobile/15E148 Safari/604.1`)
  }
  for (const mac of ['10_15_7', '14_7_1', '15_1']) for (const sv of ['17.6', '18.0', '18.1', '18.2']) {
    out.push(`Mozilla/5.0 (Macintosh; Intel Mac OS X ${mac}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${sv} Safari/605.1.15`)
  }
  // Non-browser clients seen in IdP logs.
  out.push('Windows-AzureAD-Authentication-Provider/1.0', 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)',
    'Apache-HttpClient/5.4.4 (Java/21.0.8)', 'okhttp/4.12.0', 'python-requests/2.32.3', 'curl/8.10.1')
  // Deterministic shuffle so the Zipf head is a mix of platforms, not all Chrome 100.
  const r = new Prng(7)
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

const APPS = ['Jira Software Cloud', 'Confluence', 'Bitbucket', 'Trello', 'Slack', 'Salesforce', 'Workday', 'GitHub Enterprise']
const FIRST = ['ana', 'ben', 'chloe', 'dev', 'eli', 'fatima', 'gus', 'hana', 'ivan', 'jin', 'kofi', 'lena', 'maria', 'nils', 'omar', 'priya']
const LAST = ['nguyen', 'smith', 'garcia', 'kim', 'müller', 'rossi', 'okafor', 'tanaka', 'silva', 'haddad', 'novak', 'berg']

interface User { email: string; name: string; oktaId: string; entraId: string; auth0Id: string; ua: number; ip: string }

/** Generates whole sign-in flows (1–3 messages each), forever; take what you need with `takeMessages`. */
export function* vendorFlows(opts: VendorEventOptions = {}): Generator<VendorMessage[]> {
  const r = new Prng(opts.seed ?? 2026)
  const start = opts.startMs ?? Date.UTC(2026, 9, 1)
  const gap = opts.gapMs ?? 40
  const malformedEvery = opts.malformedEvery ?? 5_000
  const uas = userAgents()
  const okta = oktaTemplates()
  const entra = entraTemplates()
  const auth0 = auth0Templates()
  const users: User[] = []
  for (let i = 0; i < (opts.users ?? 20_000); i++) {
    const f = r.pick(FIRST)
    const l = r.pick(LAST)
    users.push({
      email: `${f}.${l}${i}@acme.example`, name: `${f[0]!.toUpperCase()}${f.slice(1)} ${l[0]!.toUpperCase()}${l.slice(1)}`,
      oktaId: `00u${r.hex(17)}`, entraId: r.uuid(), auth0Id: `auth0|${r.hex(24)}`,
      // Each person mostly signs in from their own device: the UA belongs to the user.
      ua: r.zipf(uas.length),
      ip: `${10 + r.int(200)}.${r.int(256)}.${r.int(256)}.${1 + r.int(254)}`,
    })
  }
  let t = start
  let n = 0
  for (;;) {
    t += 1 + r.int(gap * 2)
    const u = users[r.zipf(users.length, 0.6)]!
    // One in five sign-ins comes from a second device.
    const ua = uas[r.next() < 0.2 ? r.zipf(uas.length) : u.ua]!
    const iso = (ms: number) => new Date(ms).toISOString()
    const lat = 300 + r.int(25_000)
    const base = {
      UUID: r.uuid(), TS: iso(t), TS0: iso(t - lat), TS1: iso(t - 400), EMAIL: u.email, NAME: u.name, UA: ua, IP: u.ip,
      OKTA_ID: u.oktaId, ENTRA_ID: u.entraId, AUTH0_ID: u.auth0Id, APP: r.pick(APPS), LAT: String(lat),
      FLOW: `idx${r.hex(20)}`, TXN: r.hex(16), LOG_ID: `900${r.hex(53)}`,
    }
    const x = r.next()
    const v: Vendor = x < 0.4 ? 'okta' : x < 0.75 ? 'entra' : 'auth0'
    const one = (tpl: Template, key = u.email): VendorMessage[] => [{ source: v, key, value: tpl.fill(base), tsMs: t }]
    const s = r.next()
    let flow: VendorMessage[]
    if (v === 'okta') {
      if (s < 0.3) flow = one(okta.passkey)
      else if (s < 0.65) {
        // OIE: password step, push step, then the session: three events of one flow, keyed by the flow.
        const uuids = [r.uuid(), r.uuid()]
        flow = [
          { source: v, key: base.FLOW, value: okta.pwd.fill({ ...base, UUID: uuids[0]! }), tsMs: t },
          { source: v, key: base.FLOW, value: okta.push.fill({ ...base, UUID: uuids[1]! }), tsMs: t },
          { source: v, key: base.FLOW, value: okta.session.fill(base), tsMs: t },
        ]
      } else if (s < 0.75) flow = one(okta.classic)
      else if (s < 0.83) flow = one(okta.invalid)
      else if (s < 0.93) flow = one(okta.policy)
      else flow = one(okta.sso)
    } else if (v === 'entra') {
      base.FLOW = r.uuid()
      if (s < 0.3) flow = one(entra.passkey)
      else if (s < 0.65) flow = one(entra.push)
      else if (s < 0.75) flow = one(entra.sms)
      else if (s < 0.85) flow = one(entra.invalid)
      else if (s < 0.95) flow = one(entra.whfb)
      else flow = one(entra.denied)
    } else {
      if (s < 0.35) flow = one(auth0.passkey)
      else if (s < 0.7) flow = one(auth0.mfa)
      else if (s < 0.9) flow = one(auth0.pwd)
      else flow = one(auth0.fp)
    }
    for (const m of flow) {
      n++
      if (malformedEvery > 0 && n % malformedEvery === 0) m.value = m.value.slice(0, Math.floor(m.value.length / 2))
    }
    yield flow
  }
}

/** Exactly `count` messages, in whole flows (the last flow may be cut: the assembler stores it at drain). */
export function* takeMessages(count: number, opts: VendorEventOptions = {}): Generator<VendorMessage[]> {
  let left = count
  for (const flow of vendorFlows(opts)) {
    if (left <= 0) return
    const part = flow.length > left ? flow.slice(0, left) : flow
    left -= part.length
    yield part
  }
}

/** Messages in chunks of about `size` (whole flows), for producing and for the in-memory ceilings. */
export function* messageChunks(count: number, size: number, opts: VendorEventOptions = {}): Generator<VendorMessage[]> {
  let chunk: VendorMessage[] = []
  for (const flow of takeMessages(count, opts)) {
    for (const m of flow) chunk.push(m)
    if (chunk.length >= size) {
      yield chunk
      chunk = []
    }
  }
  if (chunk.length > 0) yield chunk
}

/** Number of distinct user agents the generator can emit (reported beside the UA-cache hit-rate). */
export const USER_AGENT_COUNT = userAgents().length

let entraCache: ReturnType<typeof entraTemplates> | null = null

/**
 * One Entra sign-in (Graph shape) for a given user at a given time: a passkey sign-in or a password +
 * push sign-in. The freshness and alert benchmarks use these as markers and triggers: their time is
 * the moment they are produced, so latency can be read off the event itself.
 */
export function entraSignIn(kind: 'passkey' | 'password_push', o: { email: string; tsMs: number; id: number }): VendorMessage {
  entraCache ??= entraTemplates()
  const r = new Prng(o.id + 1)
  const iso = new Date(o.tsMs).toISOString()
  const values = {
    UUID: r.uuid(), TS: iso, TS0: new Date(o.tsMs - 4_000).toISOString(), EMAIL: o.email, NAME: o.email.split('@')[0]!,
    ENTRA_ID: r.uuid(), APP: 'Confluence', IP: '198.51.100.20', FLOW: r.uuid(),
    UA: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  }
  const tpl = kind === 'passkey' ? entraCache.passkey : entraCache.push
  return { source: 'entra', key: o.email, value: tpl.fill(values), tsMs: o.tsMs }
}
