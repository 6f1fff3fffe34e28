// The preamble every normaliser test shares: a fixture loader, a context, the default value of every column,
// and helpers that normalise a fixture and check its single row (whole, against the JSON Schema, `raw` included).
import { readFileSync } from 'node:fs'
import { expect } from 'vitest'
import type { NormalizeResult } from '../../ingest/fate.js'
import { deriveEventId } from '../../ingest/ids.js'
import type { NormalizeContext } from '../../ingest/normalizers/row.js'
import { rowError } from '../../ingest/validate.js'
import type { AuthEvent } from '../../schemas/auth-event.js'

type Row = Omit<AuthEvent, 'raw'>
type Defaults = Omit<AuthEvent, 'event_id' | 'raw' | 'ts' | 'source_event_id' | 'event_type' | 'outcome' | 'user_id'>

export interface NormalizerTestOptions {
  /** Folder under test/fixtures/ (defaults to the source). */
  fixtures?: string
  ctx?: Partial<NormalizeContext>
  /** Columns whose default differs for this source. */
  defaults?: Partial<Defaults>
  /** Whether a single-row result must carry no steps (default true). */
  noSteps?: boolean
}

export function normalizerTest(
  source: string,
  normalize: (payload: unknown, ctx: NormalizeContext) => NormalizeResult,
  o: NormalizerTestOptions = {},
) {
  const DIR = new URL(`../fixtures/${o.fixtures ?? source}/`, import.meta.url)
  /** A fixture by name, with or without its `.json`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const fixture = (name: string): any =>
    JSON.parse(readFileSync(new URL(name.endsWith('.json') ? name : `${name}.json`, DIR), 'utf8'))
  const ctx: NormalizeContext = { tenant: 'default', ingestedAt: '2026-01-01 00:00:00.000', ...o.ctx }

  /** The value of every column unless a test states otherwise. */
  const DEFAULTS: Defaults = {
    ingested_at: ctx.ingestedAt, tenant: ctx.tenant, source, failure_reason: '', user_domain: '', user_type: 'unknown',
    privileged: 0, department: '', product: 'other', app: '', method: 'unknown', second_factor: 'none', passkey_type: '',
    authenticator: '', aaguid: '', phishing_resistant: 0, latency_ms: null, flow_id: '', ip: '', country: '', user_agent: '',
    browser: '', browser_version: '', os: '', os_version: '', device_type: '',
    ...o.defaults,
  } as Defaults

  function accepted(r: NormalizeResult) {
    expect(r.kind).toBe('accepted')
    if (r.kind !== 'accepted') throw new Error(r.reason)
    return r
  }

  /** The single row of a payload, checked against the JSON Schema, with `raw` checked and removed. */
  function single(payload: unknown, c: NormalizeContext = ctx): Row {
    const r = accepted(normalize(payload, c))
    expect(r.rows).toHaveLength(1)
    if (o.noSteps ?? true) expect(r.steps).toBeUndefined()
    const { raw, ...row } = r.rows[0]!
    expect(raw).toBe(JSON.stringify(payload))
    expect(rowError(r.rows[0])).toBeNull()
    return row
  }

  /** The single row of a fixture (see `single`), with the fixture it came from. */
  function rowOf(name: string, c: NormalizeContext = ctx) {
    const payload: unknown = fixture(name)
    return { row: single(payload, c), payload }
  }

  /** Every row of an accepted result, each checked against the JSON Schema, `raw` removed. */
  function rows(r: NormalizeResult): Row[] {
    expect(r.kind).toBe('accepted')
    if (r.kind !== 'accepted') return []
    for (const row of r.rows) expect(rowError(row)).toBeNull()
    return r.rows.map(({ raw: _raw, ...rest }) => rest)
  }

  /** The expected row: defaults, the event id derived from the payload, then `over`. */
  const expected = (payload: unknown, over: Record<string, unknown>, part?: number) =>
    ({ ...DEFAULTS, event_id: deriveEventId(source, String(over.source_event_id ?? ''), payload, part), ...over })

  /** The expected row when the payload is not at hand: any well-formed event id. */
  const like = (over: Partial<AuthEvent>) => ({ event_id: expect.stringMatching(/^[0-9a-f]{32}$/), ...DEFAULTS, ...over })

  return { DIR, fixture, ctx, DEFAULTS, accepted, single, rowOf, rows, expected, like }
}

// ---- deep mutations (Okta, Entra) ----------------------------------------------------------------

/** Every key of every object / array (to depth 4) deleted, replaced by each of `replacements`, or mutated below. */
export function* deepMutations(value: unknown, replacements: unknown[], depth = 0): Generator<unknown> {
  if (value === null || typeof value !== 'object' || depth > 4) return
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value)
  for (const [key, child] of entries) {
    yield Array.isArray(value) ? value.filter((_, i) => String(i) !== key) : Object.fromEntries(Object.entries(value).filter(([k]) => k !== key))
    for (const r of replacements) yield Array.isArray(value) ? value.map((v, i) => (String(i) === key ? r : v)) : { ...value, [key]: r }
    for (const m of deepMutations(child, replacements, depth + 1)) yield Array.isArray(value) ? value.map((v, i) => (String(i) === key ? m : v)) : { ...value, [key]: m }
  }
}

/** A result is a fate; accepted rows and standalone steps pass the schema, steps have a flow id and a finite time. */
export function checkResult(r: NormalizeResult): void {
  expect(['accepted', 'ignored', 'rejected']).toContain(r.kind)
  if (r.kind !== 'accepted') return
  for (const row of r.rows) expect(rowError(row)).toBeNull()
  for (const s of r.steps ?? []) {
    expect(typeof s.flow_id).toBe('string')
    expect(Number.isFinite(s.tsMs)).toBe(true)
    if (s.standalone) expect(rowError(s.standalone)).toBeNull()
  }
}
