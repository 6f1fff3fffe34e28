// Fuzz targets "API query parameter": one target per query parameter name of the GET routes under
// /api/v1 (found as the app registers them; a parameter shared by several routes is one target, each
// case on a random route that has it), plus one for unknown parameter names. fuzzRuns() cases per
// target (10,000 in CI) on the real app and embedded ClickHouse with two tenants' events (acme asks).
//
// A case is one request: the route's minimal valid query with this parameter set to a fuzzed value
// (given once, or repeated). 99% of the values are hostile ones the route's schema refuses — strings
// of every plane and control characters, SQL fragments, numbers at and past the limits, near-dates,
// over-long values, repeated parameters — which are cheap; 1% are values the schema admits (enum
// members, numbers in range, dates, SQL fragments and unicode as filter text), which run the route's
// real queries. Which values the schema admits is predicted with Ajv from the route's own querystring
// schema, so a refusal the schema promises is asserted too. Every answer: never a 5xx; 200 or 400 only; a value the schema refuses is a 400; a
// 400 is JSON {code, message} naming the parameter; no ClickHouse error text; no globex data; no
// unhandled rejection in the process.
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import fc from 'fast-check'
import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX } from '../../analytics/access.js'
import { accessOf, call, MARKERS, openApiFixture, prepareRequest, type ApiFixture, type JsonSchema, type PreparedRequest } from '../helpers/api.js'
import { collectUnhandled, fuzzParams, fuzzRuns, fuzzTimeout, hostileNumber, hostileString, pool, SQL_FRAGMENTS } from '../helpers/fuzz.js'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
const RUNS = fuzzRuns(10_000)
/** Requests in flight at once: enough to overlap ClickHouse with parsing, few enough for two cores. */
const WAVE = 8
/**
 * Cases per thousand with a value the schema admits, which run the route's real queries (the
 * assumption parameters only exist on the heaviest routes: summary, savings, ROI). FUZZ_ADMITTED
 * changes it (the nightly run keeps the default and gets ten times as many of each).
 */
const ADMITTED_PER_MILLE = Number(process.env.FUZZ_ADMITTED ?? 10)
const CLICKHOUSE_WORDS = /DB::Exception|Code: \d{2,}|SYNTAX_ERROR|Syntax error|UNKNOWN_(IDENTIFIER|TABLE|FUNCTION|SETTING)|TYPE_MISMATCH|CANNOT_PARSE|ILLEGAL_TYPE|clickhouse|chdb/i

interface Route { r: RouteOptions; base: PreparedRequest; schema: JsonSchema; admits: (q: Record<string, unknown>) => boolean }

let f: ApiFixture
const routes: Route[] = []
/** Every query parameter name of the GET API routes (the targets), with the routes that take it. */
const PARAMS = new Map<string, Route[]>()
// Ajv as fastify sets it up for querystrings: strings coerced, a repeated name an array.
const ajv = addFormats(new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false, strict: false }))

beforeAll(async () => {
  f = await openApiFixture()
  for (const r of f.routes.filter((x) => x.method === 'GET' && x.url.startsWith(API_PREFIX) && accessOf(x))) {
    const schema = ((r.schema as JsonSchema | undefined)?.querystring ?? null) as JsonSchema | null
    if (!schema?.properties || Object.keys(schema.properties).length === 0) continue
    const check = ajv.compile(schema)
    const route: Route = { r, base: await prepareRequest(f, r), schema, admits: (q) => check(structuredClone(q)) }
    routes.push(route)
    byPath.set(route.base.path, route)
    for (const name of Object.keys(schema.properties)) PARAMS.set(name, [...(PARAMS.get(name) ?? []), route])
  }
}, 180_000)
afterAll(async () => {
  await f?.close()
})

// ---- values -----------------------------------------------------------------------------------------

const asText = (v: unknown) => (typeof v === 'string' ? v : String(v))
const CONTROL = fc.tuple(hostileString, fc.integer({ min: 0, max: 31 }), hostileString).map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`)
const LONG = fc.tuple(fc.constantFrom('x', '1', 'é', "'", '😀', '2026-10-01'), fc.integer({ min: 41, max: 3000 })).map(([s, n]) => s.repeat(n))
const DATES = fc.oneof(
  fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).chain((d) =>
    fc.constantFrom(d.toISOString(), d.toISOString().slice(0, 10), String(d.getTime()), String(Math.floor(d.getTime() / 1000)), d.toISOString().replace('Z', '+05:30'))),
  fc.constantFrom('2026-10-01', '2026-09-01T00:00:00Z', '1764000000', '2026-02-29', '2024-02-29', '2026-10-01T09:00:00.123456Z'),
)

/** Values a parameter's schema admits (most of them; the oracle decides). */
function admissible(s: JsonSchema): fc.Arbitrary<string[]> {
  const one = (x: JsonSchema): fc.Arbitrary<string> => {
    if (Array.isArray(x.enum)) return fc.constantFrom(...x.enum.map(asText))
    if (x.type === 'integer') return fc.integer({ min: x.minimum ?? -1_000_000, max: x.maximum ?? 1_000_000 }).map(String)
    if (x.type === 'number') {
      const min = x.minimum ?? x.exclusiveMinimum ?? -1_000_000
      const max = x.maximum ?? 1_000_000
      return fc.oneof(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), fc.constantFrom(min, max)).map(String)
    }
    if (x.type === 'array') return one(x.items ?? {})
    if (x.pattern === '^[a-z0-9_]{1,40}$') return fc.stringMatching(/^[a-z0-9_]{1,40}$/)
    if (x.format === 'date' || x.format === 'date-time' || x.maxLength === 40) return DATES
    return fc.oneof(fc.constantFrom(...SQL_FRAGMENTS), hostileString)
  }
  return s.type === 'array' ? fc.array(one(s), { minLength: 1, maxLength: 3 }) : one(s).map((v) => [v])
}

/** Values of every kind, mostly ones no parameter admits. */
const hostileValues: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 4, arbitrary: hostileString.map((v) => [v]) },
  { weight: 2, arbitrary: hostileNumber.map((n) => [String(n)]) },
  { weight: 2, arbitrary: CONTROL.map((v) => [v]) },
  { weight: 1, arbitrary: LONG.map((v) => [v]) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', 'undefined', 'true', '[]', '{}', '1e309', '-1e309', 'NaN', '0x1F', '1,2', '1;2').map((v) => [v]) },
  { weight: 2, arbitrary: fc.array(fc.oneof(hostileString, DATES, hostileNumber.map(String)), { minLength: 2, maxLength: 4 }) },
)

/** A case names its route by path, so a failing case prints short. */
interface Case { path: string; values: string[]; admitted: boolean }
const byPath = new Map<string, Route>()

function caseArb(name: string): fc.Arbitrary<Case> {
  const candidates = PARAMS.get(name)!
  return fc.constantFrom(...candidates).chain((route) => {
    const path = route.base.path
    const s = route.schema.properties[name] as JsonSchema
    const admits = (values: string[]) => route.admits({ ...baseOf(route, name), [name]: values.length === 1 ? values[0] : values })
    return fc.oneof(
      // Refused by the schema: cheap, so most cases are these.
      { weight: ADMITTED_PER_MILLE < 1000 ? 1000 - ADMITTED_PER_MILLE : 0, arbitrary: hostileValues.filter((v) => !admits(v)).map((values) => ({ path, values, admitted: false })) },
      // Admitted: each runs the route's real queries (SQL fragments as filter text among them).
      { weight: ADMITTED_PER_MILLE, arbitrary: admissible(s).filter(admits).map((values) => ({ path, values, admitted: true })) },
    )
  })
}

/** Parameters that only go in pairs: the other half, fixed, so the fuzzed half can be admitted. */
const COMPANION: Record<string, Record<string, string>> = { baseline_from: { baseline_to: '2100-01-01' }, baseline_to: { baseline_from: '2000-01-01' } }
const baseOf = (c: Route, name: string): Record<string, string> => ({ ...c.base.query, ...COMPANION[name] })

function urlOf(c: Case, name: string): string {
  const q = new URLSearchParams(Object.entries(baseOf(byPath.get(c.path)!, name)).filter(([k]) => k !== name))
  for (const v of c.values) q.append(name, v)
  return `${c.path}?${q.toString()}`
}

interface Tally { cases: number; ok: number; refused: number; admitted: number }

/** What is wrong with the answer to a case, or null. */
async function judge(c: Case, name: string, tally: Tally): Promise<string | null> {
  const url = urlOf(c, name)
  const res = await call(f.app, { url, token: f.tokens.acme.admin })
  tally.cases++
  const admitted = c.admitted
  if (admitted) tally.admitted++
  const where = `GET ${url.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`
  if (res.statusCode >= 500) return `5xx: ${where}`
  if (res.statusCode !== 200 && res.statusCode !== 400) return `unexpected status: ${where}`
  if (!admitted && res.statusCode !== 400) return `the schema refuses this value, the route answered: ${where}`
  // Binary formats (Parquet) name their writer, ClickHouse, in their metadata: only text answers are searched.
  const isText = /json|text|csv|html/.test(String(res.headers['content-type']))
  if (isText && CLICKHOUSE_WORDS.test(res.body)) return `ClickHouse words in the answer: ${where}`
  const text = res.rawPayload.toString('latin1')
  for (const marker of Object.values(MARKERS.globex)) if (text.includes(marker)) return `globex data in an acme answer: ${where}`
  if (res.statusCode === 400) {
    tally.refused++
    let body: { code?: unknown; message?: unknown }
    try { body = res.json() } catch { return `400 not JSON: ${where}` }
    if (typeof body.code !== 'string' || typeof body.message !== 'string' || !body.message) return `400 without {code, message}: ${where}`
    if (!body.message.includes(name)) return `400 that does not name ${name}: ${where}`
    return null
  }
  tally.ok++
  if (/json/.test(String(res.headers['content-type'])) && /"tenant"\s*:\s*"(?!acme")/.test(res.body)) return `an answer for another tenant: ${where}`
  return null
}

describe('fuzz: every query parameter of every GET API route', () => {
  it('finds the parameters to fuzz', () => {
    for (const p of ['from', 'to', 'product', 'department', 'user_type', 'privileged', 'source', 'method_class', 'bucket', 'limit', 'format', 'cost_per_ticket_mid', 'state', 'rule']) {
      expect([...PARAMS.keys()]).toContain(p)
    }
  })

  // The targets are known only once the app is built; each is its own test, named by its parameter.
  const NAMES = ['from', 'to', 'product', 'department', 'user_type', 'privileged', 'source', 'method_class', 'bucket', 'format', 'limit',
    'passkey_lookback_days', 'passkey_primary_threshold', 'cost_per_ticket_low', 'cost_per_ticket_mid', 'cost_per_ticket_high', 'hourly_cost',
    'baseline_from', 'baseline_to', 'default_reset_rate', 'password_seconds_low', 'password_seconds_mid', 'password_seconds_high',
    'passkey_seconds', 'state', 'rule']

  it('names every parameter the routes take (a new one must be added to NAMES)', () => {
    expect([...PARAMS.keys()].sort()).toEqual([...NAMES].sort())
  })

  it.each(NAMES.map((n, i) => [n, i] as const))(`%s: ${RUNS} cases, never a 5xx, 400s name it`, { timeout: fuzzTimeout(900_000) }, async (name, salt) => {
    const unhandled = collectUnhandled()
    const tally: Tally = { cases: 0, ok: 0, refused: 0, admitted: 0 }
    try {
      await fc.assert(fc.asyncProperty(fc.noShrink(fc.array(caseArb(name), { minLength: WAVE, maxLength: WAVE })), async (wave) => {
        const problems = (await pool(wave, WAVE, (c) => judge(c, name, tally))).filter((p): p is string => p !== null)
        if (problems.length > 0) throw new Error(problems.join('\n'))
      }), fuzzParams(Math.ceil(RUNS / WAVE), 200 + salt, { shrink: false }))
    } finally {
      unhandled.stop()
    }
    expect(unhandled.errors).toEqual([])
    expect(tally.cases).toBeGreaterThanOrEqual(RUNS)
    // Both sides must be reached: refusals, and admitted values that ran real queries.
    expect(tally.refused, JSON.stringify(tally)).toBeGreaterThan(0)
    expect(tally.ok, JSON.stringify(tally)).toBeGreaterThan(0)
  })

  it(`unknown parameter names: ${RUNS} cases, each a 400 naming it`, { timeout: fuzzTimeout(900_000) }, async () => {
    const unhandled = collectUnhandled()
    let cases = 0
    const known = new Set(PARAMS.keys())
    const nameArb = fc.oneof(hostileString, fc.constantFrom('tenant', 'tenant_id', 'org', '__proto__', 'constructor', 'from[]', 'Product', 'limit ', 'format%00'))
      .filter((n) => n !== '' && !known.has(n))
    try {
      await fc.assert(fc.asyncProperty(fc.noShrink(fc.array(fc.tuple(fc.constantFrom(...routes.map((r) => r.base.path)), nameArb, hostileString), { minLength: WAVE, maxLength: WAVE })), async (wave) => {
        const problems = await pool(wave, WAVE, async ([path, n, v]) => {
          const q = new URLSearchParams(byPath.get(path)!.base.query)
          q.append(n, v)
          const res = await call(f.app, { url: `${path}?${q.toString()}`, token: f.tokens.acme.admin })
          cases++
          // The name as the server reads it back (a lone surrogate becomes U+FFFD); an empty or a
          // known name may then be admitted: any 200/400 will do.
          const decoded = [...new URLSearchParams(q.toString()).keys()].at(-1) ?? ''
          if (res.statusCode >= 500) return `5xx for ${n}: ${res.body.slice(0, 200)}`
          if (known.has(decoded) || decoded === '') return res.statusCode === 200 || res.statusCode === 400 ? null : `${res.statusCode} for ${n}`
          if (res.statusCode !== 400) return `unknown parameter ${JSON.stringify(n)} on ${path}: ${res.statusCode} ${res.body.slice(0, 200)}`
          return null
        })
        const found = problems.filter((p): p is string => p !== null)
        if (found.length > 0) throw new Error(found.join('\n'))
      }), fuzzParams(Math.ceil(RUNS / WAVE), 300, { shrink: false }))
    } finally {
      unhandled.stop()
    }
    expect(unhandled.errors).toEqual([])
    expect(cases).toBeGreaterThanOrEqual(RUNS)
  })
})
