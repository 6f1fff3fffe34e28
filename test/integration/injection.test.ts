// Injection attempts in every parameter of every /api/v1 route (found as the app registers them),
// on the real app and embedded ClickHouse with two tenants' events. Each answer must be a 400 or a
// normal answer; never a 5xx, never ClickHouse's words, never the other tenant's data. A string
// filter given an attack must answer exactly as it does for a harmless value that matches nothing:
// the attack is just a value.
import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX } from '../../analytics/access.js'
import { accessOf, call, CannotDerive, MARKERS, openApiFixture, prepareRequest, urlOf, type ApiFixture, type PreparedRequest } from '../helpers/api.js'

const ATTACKS: string[] = [
  "' OR 1=1 --",
  "1; DROP TABLE auth_events",
  "jira' UNION SELECT user_id, ip, tenant FROM auth_events WHERE tenant = 'globex' --",
  "') OR ('1'='1",
  "\\' OR tenant != \\'acme",
  "\\",
  "x\\\\' OR 1=1 --",
  "’ OR 1=1 --",
  "＇ OR ＇1＇=＇1",
  "{tenant:String}",
  "globex",
  "%27%20OR%201%3D1",
  "a\u0000b",
  "1e309",
  "x".repeat(5000),
]
/** A value no filter matches: what an attack must be answered like. */
const HARMLESS = 'zzznosuchvalue'
/** Words of a ClickHouse error that must never reach a client. */
const CLICKHOUSE_WORDS = /DB::Exception|Code: \d{2,}|SYNTAX_ERROR|Syntax error|UNKNOWN_(IDENTIFIER|TABLE|FUNCTION|SETTING)|TYPE_MISMATCH|CANNOT_PARSE|ILLEGAL_TYPE|clickhouse|chdb/i
/** Fields that change between two identical requests. */
const VOLATILE_KEYS = /^(generated_at|now|took_ms|elapsed_ms|query_ms)$/

let f: ApiFixture
let routes: RouteOptions[] = []

beforeAll(async () => {
  f = await openApiFixture()
  routes = f.routes.filter((r) => r.method === 'GET' && r.url.startsWith(API_PREFIX) && accessOf(r))
})
afterAll(async () => {
  await f?.close()
})

/** The acme token that may call a route: the widest role first, so user-level answers are searched too. */
const tokenFor = (r: RouteOptions) => f.tokens.acme[(['admin', 'security', 'finance', 'viewer'] as const).find((role) => accessOf(r)!.roles.includes(role))!]

type Json = unknown
/** The answer with the value it echoes (and fields that change every call) blanked out. */
function normalised(body: string, value: string): Json {
  const walk = (v: Json): Json => {
    if (typeof v === 'string') return v === value ? '<value>' : v
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !VOLATILE_KEYS.test(k)).map(([k, x]) => [k, walk(x)]))
    return v
  }
  try {
    return walk(JSON.parse(body))
  } catch {
    return body.split(value).join('<value>')
  }
}

function problemsOf(where: string, res: { statusCode: number; body: string }): string[] {
  const out: string[] = []
  if (res.statusCode >= 500) out.push(`${where}: ${res.statusCode} ${res.body.slice(0, 200)}`)
  else if (res.statusCode !== 400 && (res.statusCode < 200 || res.statusCode > 299)) out.push(`${where}: unexpected ${res.statusCode} ${res.body.slice(0, 200)}`)
  if (CLICKHOUSE_WORDS.test(res.body)) out.push(`${where}: ClickHouse error text in the answer: ${res.body.slice(0, 300)}`)
  for (const marker of Object.values(MARKERS.globex)) if (res.body.includes(marker)) out.push(`${where}: globex data ("${marker}") in an acme answer`)
  if (/"tenant"\s*:\s*"(?!acme")/.test(res.body)) out.push(`${where}: an answer for another tenant`)
  return out
}

describe('injection', () => {
  it('finds GET routes under /api/v1 to attack', () => {
    expect(routes.map((r) => r.url)).toContain('/api/v1/method-mix')
  })

  it('every querystring parameter of every API route: 400 or the answer a harmless value gets', { timeout: 300_000 }, async () => {
    const problems: string[] = []
    let attacked = 0
    for (const r of routes) {
      const params = Object.keys(((r.schema as { querystring?: { properties?: object } } | undefined)?.querystring?.properties ?? {}))
      const token = tokenFor(r)
      let base: PreparedRequest
      try {
        base = await prepareRequest(f, r)
      } catch (err) {
        if (!(err instanceof CannotDerive)) throw err
        // Nothing to attack in the querystring: the access matrix reports the missing sample.
        if (Object.keys(((r.schema as { querystring?: { properties?: object } } | undefined)?.querystring?.properties ?? {})).length > 0) problems.push(err.message)
        continue
      }
      for (const param of params) {
        // The route's minimal valid request, with this one parameter attacked (given once, or twice).
        const url = (v: string | string[]) => {
          const rest = Object.entries(base.query).filter(([k]) => k !== param)
          return `${base.path}?${new URLSearchParams([...rest, ...(Array.isArray(v) ? v : [v]).map((x) => [param, x])]).toString()}`
        }
        const baseline = await call(f.app, { url: url(HARMLESS), token })
        problems.push(...problemsOf(`${r.url} ${param}=${HARMLESS}`, baseline))
        for (const attack of ATTACKS) {
          const where = `${r.url} ${param}=${JSON.stringify(attack.slice(0, 60))}`
          const res = await call(f.app, { url: url(attack), token })
          attacked++
          problems.push(...problemsOf(where, res))
          if (res.statusCode >= 200 && res.statusCode < 300) {
            if (baseline.statusCode !== res.statusCode) problems.push(`${where}: ${res.statusCode} where a harmless value gets ${baseline.statusCode}`)
            else if (JSON.stringify(normalised(res.body, attack)) !== JSON.stringify(normalised(baseline.body, HARMLESS))) {
              problems.push(`${where}: answers differently from a harmless value: ${res.body.slice(0, 300)}`)
            }
          }
        }
        // An array where a scalar is expected (the parameter twice), and an object-like key.
        const twice = await call(f.app, { url: url([ATTACKS[0]!, ATTACKS[2]!]), token })
        problems.push(...problemsOf(`${r.url} ${param} given twice`, twice))
        const bracket = await call(f.app, { url: urlOf(base, { [`${param}[$ne]`]: '1' }), token })
        problems.push(...problemsOf(`${r.url} ${param}[$ne]`, bracket))
        attacked += 2
      }
      // No parameter may name another tenant: refused, or ignored (the answer stays acme's).
      for (const extra of ['tenant', 'tenant_id', 'org']) {
        const res = await call(f.app, { url: urlOf(base, { [extra]: 'globex' }), token })
        problems.push(...problemsOf(`${r.url} ${extra}=globex`, res))
      }
    }
    expect(problems).toEqual([])
    expect(attacked).toBeGreaterThan(0)
  })

  it('path parameters and body fields take attacks as plain values', async () => {
    const problems: string[] = []
    for (const attack of ATTACKS) {
      const del = await call(f.app, { method: 'DELETE', url: `/api/v1/tokens/${encodeURIComponent(attack.slice(0, 90))}`, token: f.tokens.acme.admin })
      if (del.statusCode !== 400 && del.statusCode !== 404) problems.push(`DELETE /api/v1/tokens/${attack.slice(0, 40)}: ${del.statusCode}`)
      problems.push(...problemsOf(`DELETE tokens ${attack.slice(0, 40)}`, del))
    }
    // A token name is stored and listed exactly as given.
    const name = "x'); DROP TABLE api_tokens; -- ’ \\ {tenant:String}"
    const created = await call(f.app, { method: 'POST', url: '/api/v1/tokens', token: f.tokens.acme.admin, payload: { role: 'viewer', name } })
    expect(created.statusCode).toBe(201)
    const listed = (await call(f.app, { url: '/api/v1/tokens', token: f.tokens.acme.admin })).json().tokens as { id: string; name: string }[]
    expect(listed.find((t) => t.id === created.json().id)?.name).toBe(name)
    expect(problems).toEqual([])
  })
})
