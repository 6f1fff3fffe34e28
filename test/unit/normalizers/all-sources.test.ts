// Every registered normaliser against random and mutated payloads (fast-check), auto-detection over
// every fixture, and a multi-event flow through the real pipeline with flow assembly.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../../core/paths.js'
import { FlowAssembler } from '../../../ingest/flow-assembly.js'
import { detectSource, knownSources, normalize } from '../../../ingest/normalizers/index.js'
import { processEvent, sortFates } from '../../../ingest/pipeline.js'
import { rowError } from '../../../ingest/validate.js'
import { SOURCES } from '../../../schemas/auth-event.js'

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures')
const ctx = { tenant: 't', ingestedAt: '2026-11-01 00:00:00.000' }
const fixtures = readdirSync(FIXTURES).flatMap((source) =>
  readdirSync(join(FIXTURES, source)).map((file) => ({ source, file, payload: JSON.parse(readFileSync(join(FIXTURES, source, file), 'utf8')) as unknown })))
const single = fixtures.filter((f) => !Array.isArray(f.payload))

/** Normalises and checks the two promises every normaliser makes: no throw, only valid rows. */
function check(source: string, payload: unknown): void {
  const r = normalize(source, payload, ctx)
  expect(['accepted', 'ignored', 'rejected']).toContain(r.kind)
  if (r.kind === 'accepted') {
    for (const row of r.rows) expect(rowError(row)).toBeNull()
    for (const s of r.steps ?? []) if (s.standalone) expect(rowError(s.standalone)).toBeNull()
  }
  if (r.kind !== 'accepted') expect(r.reason.length).toBeGreaterThan(5)
}

// Payload-shaped noise: the keys vendors use, with values of every type.
const vendorKeys = ['uuid', 'published', 'eventType', 'actor', 'outcome', 'properties', 'createdDateTime', 'type', 'date', 'details',
  'id', 'events', 'time', 'class_uid', 'status_id', 'user', 'attributes', 'txid', 'timestamp', 'factor', 'result', 'event_type_id',
  'category', 'target_user', 'event_type', 'user_id', 'ts', 'message', 'data', '__proto__', 'constructor']
const noisyValue = fc.oneof(fc.anything({ maxDepth: 3 }), fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())))
const noisyPayload = fc.dictionary(fc.constantFrom(...vendorKeys), noisyValue, { maxKeys: 12 })

function mutate(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement
  if (value === null || typeof value !== 'object') return value
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>
  const [head, ...rest] = path
  copy[head!] = mutate(copy[head!], rest, replacement)
  return copy
}
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (value !== null && typeof value === 'object' && prefix.length < 6) {
    for (const [k, v] of Object.entries(value)) {
      const p = [...prefix, Array.isArray(value) ? Number(k) : k]
      out.push(p)
      paths(v, p, out)
    }
  }
  return out
}

describe('every normaliser', () => {
  it('registers every source of the schema', () => {
    expect(knownSources().sort()).toEqual([...SOURCES, 'auto'].sort())
  })

  it.each([...SOURCES, 'auto'])('%s never throws and emits only valid rows on random payloads', (source) => {
    fc.assert(fc.property(fc.oneof(noisyPayload, fc.anything({ maxDepth: 4 })), (payload) => { check(source, payload) }), { numRuns: 800 })
  })

  it.each([...SOURCES, 'auto'])('%s never throws on mutated fixtures of every source', (source) => {
    const pathsOf = single.map((f) => ({ payload: f.payload, paths: paths(f.payload) })).filter((f) => f.paths.length > 0)
    fc.assert(fc.property(
      fc.integer({ min: 0, max: pathsOf.length - 1 }).chain((i) => fc.tuple(fc.constant(i), fc.integer({ min: 0, max: pathsOf[i]!.paths.length - 1 }))),
      noisyValue,
      ([i, p], replacement) => { check(source, mutate(pathsOf[i]!.payload, pathsOf[i]!.paths[p]!, replacement)) },
    ), { numRuns: 800 })
  })
})

describe('source detection (--source auto)', () => {
  it.each(single.map((f) => [`${f.source}/${f.file}`, f] as const))('%s is claimed by its own source only', (_name, f) => {
    const claimed = detectSource(f.payload)?.source
    // PingFederate's raw audit lines are text, which only an explicit source can read.
    if (typeof f.payload === 'string') expect(claimed).toBeUndefined()
    else expect(claimed).toBe(f.source)
  })
})

describe('a login spread over several events', () => {
  it('becomes one login row after flow assembly (Okta password, push, then session start)', () => {
    const events = JSON.parse(readFileSync(join(FIXTURES, 'okta', 'flow-password-push.json'), 'utf8')) as unknown[]
    const fates = events.map((payload) => processEvent({ payload, source: 'okta', tenant: 't' }, ctx.ingestedAt))
    const { rows } = sortFates(fates, new FlowAssembler())
    expect(rows.filter((r) => r.event_type === 'login')).toHaveLength(1)
    expect(rows[0]).toMatchObject({ method: 'password', second_factor: 'push', outcome: 'success', phishing_resistant: 0 })
    expect(rows[0]!.latency_ms).toBeGreaterThan(0)
  })
})
