// The "never throws" sweep every normaliser test runs: payloads of the wrong type, and every field of
// every fixture deleted or replaced with a value of another type (huge strings and prototype-pollution
// keys included). Each result must be a fate, and every row it carries must pass the JSON Schema.
import { expect } from 'vitest'
import type { NormalizeResult } from '../../ingest/fate.js'
import type { NormalizeContext } from '../../ingest/normalizers/row.js'
import { rowError } from '../../ingest/validate.js'

const VARIANTS: unknown[] = [
  undefined, null, 0, -1, 1e21, Number.NaN, true, '', 'x', '12345', '2025-01-01T00:00:00Z', 'a'.repeat(100_000),
  'é'.repeat(5000), [], [null, 1], [null, 1, 'a'], {},
  JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'),
]

function paths(v: unknown, prefix: (string | number)[] = [], depth = 0): (string | number)[][] {
  if (depth > 5 || v === null || typeof v !== 'object') return []
  const out: (string | number)[][] = []
  for (const k of Object.keys(v)) {
    const p = [...prefix, Array.isArray(v) ? Number(k) : k]
    out.push(p, ...paths((v as Record<string, unknown>)[k], p, depth + 1))
  }
  return out
}

function mutate(payload: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(payload)) as Record<string | number, unknown>
  let cur = copy
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (value === undefined) delete cur[last]
  else cur[last] = value
  return copy
}

export function assertSound(r: NormalizeResult, what: string): void {
  expect(['accepted', 'ignored', 'rejected'], what).toContain(r.kind)
  if (r.kind === 'accepted') {
    for (const row of r.rows) expect(rowError(row), what).toBeNull()
    for (const s of r.steps ?? []) {
      expect(Number.isFinite(s.tsMs), what).toBe(true)
      if (s.standalone) expect(rowError(s.standalone), what).toBeNull()
    }
  } else {
    expect(typeof r.reason, what).toBe('string')
  }
}

export interface SweepOptions {
  normalize: (payload: unknown, ctx: NormalizeContext) => NormalizeResult
  detect: (payload: Record<string, unknown>) => boolean
  ctx: NormalizeContext
  fixtures: { name: string; payload: unknown }[]
  minCases?: number
}

export function neverThrowsSweep(o: SweepOptions): void {
  for (const bad of [null, undefined, 42, 'text', [], {}, [{}], [o.fixtures[0]!.payload], 'x'.repeat(200_000), true]) {
    assertSound(o.normalize(bad, o.ctx), String(bad).slice(0, 20))
  }
  let n = 0
  for (const { name, payload } of o.fixtures) {
    for (const p of paths(payload)) {
      for (const v of VARIANTS) {
        const m = mutate(payload, p, v)
        assertSound(o.normalize(m, o.ctx), `${name} ${p.join('.')} = ${String(v).slice(0, 20)}`)
        if (m && typeof m === 'object') expect(() => o.detect(m as Record<string, unknown>)).not.toThrow()
        n++
      }
    }
  }
  expect(n).toBeGreaterThan(o.minCases ?? 500)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
}
