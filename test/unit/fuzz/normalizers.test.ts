// Fuzz target "normaliser": one target per registered source and one for `auto` (detection, then the
// detected source). Each target gets fuzzRuns() cases (10,000 in CI): a quarter arbitrary hostile JSON,
// the rest fixtures of the source (of every source for `auto`) with one to four mutations (a field
// deleted, set to a hostile value, retyped, or a `__proto__`-style key added) or, for text payloads,
// hostile text spliced in. The normaliser is called directly, not through the registry's catch-all,
// so a throw is a finding, not a dead letter. Every result must be a fate a pipeline can store:
// accepted rows pass the JSON Schema (rowError) and keep the transport's tenant, steps have a finite
// time, rejections carry a known code and a reason; no text holds a lone surrogate (ClickHouse refuses
// it, failing the whole batch); nothing pollutes Object.prototype.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../../core/paths.js'
import { REJECT_CODES, type NormalizeResult } from '../../../ingest/fate.js'
import { clip, wellFormed } from '../../../ingest/normalizers/fields.js'
import { getNormalizer, knownSources, type Normalizer } from '../../../ingest/normalizers/index.js'
import type { NormalizeContext } from '../../../ingest/normalizers/row.js'
import { processEvent } from '../../../ingest/pipeline.js'
import { rowError } from '../../../ingest/validate.js'
import { SOURCES } from '../../../schemas/auth-event.js'
import { nativeLogin } from '../../helpers/events.js'
import { applyMutations, fuzzParams, fuzzRuns, fuzzTimeout, hostileJson, hostileString, mutationArb } from '../../helpers/fuzz.js'

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures')
const ctx: NormalizeContext = { tenant: 'fuzz-tenant', ingestedAt: '2026-11-01 00:00:00.000' }

/** Fixtures by source; a file holding an array (a multi-event flow) gives each event. */
const fixtures = new Map<string, unknown[]>()
for (const dir of readdirSync(FIXTURES)) {
  const list = readdirSync(join(FIXTURES, dir)).flatMap((file) => {
    const p = JSON.parse(readFileSync(join(FIXTURES, dir, file), 'utf8')) as unknown
    return Array.isArray(p) ? p : [p]
  })
  fixtures.set(dir, list)
}
// Native events have no vendor fixtures: the test helper's event, with every optional field set.
fixtures.set('native', [nativeLogin(), nativeLogin({ method: 'password', second_factor: 'push', outcome: 'failure', failure_reason: 'bad_password', latency_ms: null, flow_id: 'f1', ip: '203.0.113.9', tenant: 'elsewhere' })])
const every = [...fixtures.values()].flat()
const normalizers = SOURCES.map((s) => getNormalizer(s)!)

/** Detection as `--source auto` does it, but calling each detector directly: a detector must not throw. */
function detect(payload: unknown): Normalizer | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined
  return normalizers.find((n) => n.detect?.(payload as Record<string, unknown>))
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Why a result could not be stored as it is, or null. */
function unsound(r: NormalizeResult): string | null {
  if (r.kind === 'ignored') return typeof r.reason === 'string' && r.reason.length > 0 ? null : 'ignored without a reason'
  if (r.kind === 'rejected') {
    if (!(REJECT_CODES as readonly string[]).includes(r.code)) return `unknown reject code ${r.code}`
    return typeof r.reason === 'string' && r.reason.length > 0 ? null : 'rejected without a reason'
  }
  if (r.kind !== 'accepted') return `not a fate: ${JSON.stringify(r)}`
  for (const row of [...r.rows, ...(r.steps ?? []).flatMap((s) => (s.standalone ? [s.standalone] : []))]) {
    const e = rowError(row)
    if (e) return `row fails the schema: ${e}`
    if (row.tenant !== ctx.tenant) return `row written for tenant ${row.tenant}, not the transport's`
    // ClickHouse refuses a lone surrogate, and with it every row of the batch.
    for (const [k, v] of Object.entries(row)) if (typeof v === 'string' && LONE_SURROGATE.test(v)) return `${k} holds a lone surrogate`
  }
  for (const s of r.steps ?? []) {
    if (!Number.isFinite(s.tsMs)) return `step time ${s.tsMs}`
    if (typeof s.flow_id !== 'string' || s.flow_id === '') return 'step without a flow id'
  }
  JSON.stringify(r) // must serialise (no BigInt, no cycle)
  return null
}

/** A payload for a target: hostile JSON, or a fixture mutated (objects) / spliced (text). */
function payloadArb(pool: unknown[]): fc.Arbitrary<unknown> {
  const mutated = fc.tuple(fc.nat({ max: pool.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.nat(), hostileString)
    .map(([i, mutations, at, text]) => {
      const base = pool[i]
      if (typeof base === 'string') {
        const cut = at % (base.length + 1)
        return at % 3 === 0 ? base.slice(0, cut) : base.slice(0, cut) + text + base.slice(cut)
      }
      return applyMutations(base, mutations)
    })
  return fc.oneof({ weight: 1, arbitrary: hostileJson }, { weight: 3, arbitrary: mutated })
}

const TARGETS = [...SOURCES, 'auto'] as const
const RUNS = fuzzRuns(10_000)

describe('fuzz: every normaliser', () => {
  it('has a target per registered source, and auto', () => {
    expect([...TARGETS].sort()).toEqual(knownSources().sort())
    for (const s of SOURCES) expect(fixtures.get(s)?.length, `fixtures of ${s}`).toBeGreaterThan(0)
  })

  it.each(TARGETS.map((s, i) => [s, i] as const))(`%s: ${RUNS} cases, never throws, only storable fates`, { timeout: fuzzTimeout(600_000) }, async (source, salt) => {
    let cases = 0
    const kinds = { accepted: 0, ignored: 0, rejected: 0 }
    // Async only to yield now and then: a long synchronous loop starves vitest's worker RPC (timeouts).
    await fc.assert(fc.asyncProperty(payloadArb(source === 'auto' ? every : fixtures.get(source)!), async (payload) => {
      if (++cases % 250 === 0) await new Promise((resolve) => setImmediate(resolve))
      const n = source === 'auto' ? detect(payload) : getNormalizer(source)!
      if (!n) return // `auto` without a claimant: the registry's `unrecognised` rejection
      const r = n.normalize(payload, ctx)
      const problem = unsound(r)
      if (problem) throw new Error(`${n.source}: ${problem}`)
      kinds[r.kind]++
    }), fuzzParams(RUNS, salt))
    expect(cases).toBeGreaterThanOrEqual(RUNS)
    // The mutations must leave some payloads valid, or the fuzzer only ever tests the first check.
    expect(kinds.accepted, JSON.stringify(kinds)).toBeGreaterThan(RUNS / 100)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.keys(Object.prototype)).toEqual([])
  })
})

describe('found by the fuzzers (regressions)', () => {
  it('a lone surrogate in a payload becomes U+FFFD in the row, and a clip never halves a pair', () => {
    const r = getNormalizer('native')!.normalize(nativeLogin({ user_id: 'a\ud800b@x.example', app: '\udfff' }), ctx)
    expect(r.kind).toBe('accepted')
    if (r.kind !== 'accepted') return
    expect(r.rows[0]).toMatchObject({ user_id: 'a\ufffdb@x.example', app: '\ufffd' })
    expect(clip('ab😀', 3)).toBe('ab')
    expect(wellFormed('😀\ud83d')).toBe('😀\ufffd')
  })

  it('a dead letter quoting a lone surrogate is well-formed text', () => {
    const f = processEvent({ payload: { ts: '\ud800' }, source: 'native', tenant: 't' }, ctx.ingestedAt)
    expect(f.kind).toBe('rejected')
    if (f.kind !== 'rejected') return
    expect(LONE_SURROGATE.test(f.deadLetter.reason) || LONE_SURROGATE.test(f.deadLetter.payload)).toBe(false)
    const line = processEvent({ payload: '@\udc00', parseError: 'not JSON', source: 'native', tenant: 't' }, ctx.ingestedAt)
    expect(line.kind === 'rejected' && line.deadLetter.payload).toBe('@\ufffd')
  })

  it('an Okta MFA step with no session or transaction id is stored (failure) or ignored (success) at once', () => {
    const step = JSON.parse(readFileSync(join(FIXTURES, 'okta', 'step-totp-failed.json'), 'utf8')) as Record<string, unknown>
    const bare = { ...step, transaction: { id: '' }, authenticationContext: { ...(step.authenticationContext as object), externalSessionId: null, rootSessionId: null } }
    const r = getNormalizer('okta')!.normalize(bare, ctx)
    expect(r.kind === 'accepted' ? { rows: r.rows.length, steps: r.steps?.length ?? 0 } : r.kind).toEqual({ rows: 1, steps: 0 })
  })
})
