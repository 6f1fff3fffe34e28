// What the fuzz tests share (issue 8, "Hostile input and access"): how many cases to run, a replayable
// seed, hostile values (wrong types, huge and unicode strings, numbers at limits, SQL fragments,
// prototype-pollution keys), vendor-shaped mutations of fixtures, an unhandled-rejection collector and
// a bounded-concurrency runner.
//
// FUZZ_RUNS scales every count (the CI default is 10,000 cases per target); FUZZ_SEED replays a run;
// `npm run fuzz:nightly` runs 10× the cases with a fresh seed it prints first. On a failure fast-check
// prints `{ seed, path }`: FUZZ_SEED=<seed> FUZZ_PATH=<path> replays exactly the failing case.
import fc from 'fast-check'

/** Cases per target: `base` × FUZZ_RUNS/10000 (FUZZ_RUNS is the per-target count; default 10,000). */
export function fuzzRuns(base = 10_000): number {
  const runs = Number(process.env.FUZZ_RUNS ?? 10_000)
  if (!Number.isFinite(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive number, not ${process.env.FUZZ_RUNS}`)
  return Math.max(1, Math.round((base * runs) / 10_000))
}

/** A test timeout for a fuzz target that takes `ms` at the CI count, grown with FUZZ_RUNS. */
export function fuzzTimeout(ms: number): number {
  return Math.max(ms, Math.ceil((ms * fuzzRuns(10_000)) / 10_000))
}

/** fast-check parameters: the run count, and the seed / path to replay when FUZZ_SEED / FUZZ_PATH are set. */
export function fuzzParams<T>(numRuns: number, salt = 0, o: { shrink?: boolean } = {}): fc.Parameters<T> {
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) + salt : undefined
  return {
    numRuns,
    ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}),
    ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
    // Shrinking re-runs requests against a real store, which on a busy machine takes minutes: those
    // tests report the first failing case as it is (its message names the request), seed and path.
    endOnFailure: o.shrink === false,
  }
}

// ---- hostile values ---------------------------------------------------------------------------------

export const SQL_FRAGMENTS = [
  "' OR 1=1 --", "1; DROP TABLE auth_events", "') OR ('1'='1", "\\' OR tenant != \\'acme", '\\', "x\\\\' OR 1=1 --",
  "’ OR 1=1 --", "＇ OR ＇1＇=＇1", '{tenant:String}', '{x:Identifier}', "' UNION SELECT * FROM system.tables --",
  "jira' UNION SELECT user_id, ip, tenant FROM auth_events WHERE tenant = 'globex' --", '%27%20OR%201%3D1', '`', '"',
  "1' AND sleep(3) --", "'; SELECT * FROM url('http://127.0.0.1:1/x', CSV, 'a String') --", '/*', '*/', '--', ';',
  "format('{0}', 'x')", 'SETTINGS max_execution_time=0', "0x27", "CHAR(39)", "$(id)", '${7*7}', '{{7*7}}', '<script>alert(1)</script>',
]

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__']

/** Strings meant to break parsers and queries: SQL, unicode of every plane, control characters, near-dates. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SQL_FRAGMENTS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '\n', '\r\n', '\t', '\u001e', '\u2028', '\ufeff', '\ud800', '\udfff', 'é', '𝕏', '👩‍👩‍👧', 'ǅ', 'İ', '\u202e') },
  { weight: 1, arbitrary: fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e309', '-0', '0x10', '1_000', '١٢٣', '9'.repeat(40), '-9223372036854775809', '18446744073709551616') },
  { weight: 2, arbitrary: fc.constantFrom('2026-10-01', '2026-10-01T09:00:00Z', '2026-02-30', '0000-01-01', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z',
    '2026-13-01', '2026-10-01T25:00:00Z', '2026-10-01T09:00:00+99:00', '1999-12-31T23:59:59.999Z', '2100-01-01T00:00:00Z', '1764000000', '1764000000000', 'yesterday', 'now') },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 1, arbitrary: fc.nat({ max: 3 }).map((i) => ['x', 'é', '\u0000', "'"][i]!.repeat([101, 1000, 5000, 20_000][i]!)) },
)

/** Numbers at and past the limits of every type a column or a JSON parser might use. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER,
    1e21, 1e308, -1e308, 5e-324, 1764000000, 1764000000000, 8.64e15, 8.64e15 + 1, -8.64e15 - 1, 4102444800000, 946684799999),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)

/** Any JSON value, hostile strings and numbers favoured, keys including prototype-pollution names. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString, hostileNumber, fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...PROTO_KEYS)), tie('value'), { maxKeys: 5 }),
  ),
})).value.map(viaJson)

/** The value as it arrives after JSON.parse: `__proto__` becomes an own key, as it does for a real body. */
export function viaJson(v: unknown): unknown {
  const text = JSON.stringify(v)
  return text === undefined ? null : JSON.parse(text)
}

// ---- vendor-shaped mutations ------------------------------------------------------------------------

type Path = (string | number)[]

/** Every path (to depth 6) of a JSON value: where a mutation may strike. */
export function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (value !== null && typeof value === 'object' && prefix.length < 6) {
    for (const [k, v] of Object.entries(value)) {
      const p = [...prefix, Array.isArray(value) ? Number(k) : k]
      out.push(p)
      pathsOf(v, p, out)
    }
  }
  return out
}

export type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'set'; at: number; value: unknown }
  | { op: 'add'; at: number; key: string; value: unknown }
  | { op: 'retype'; at: number }

/** One mutation of a fixture: the path is an index into its paths (modulo, so any nat fits). */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: hostileJson }) },
  fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...PROTO_KEYS), hostileString), value: hostileJson }),
  fc.record({ op: fc.constant('retype' as const), at: fc.nat() }),
)

/** The same value as another JSON type: a string becomes a number, a number a string, an object an array. */
function retype(v: unknown): unknown {
  if (typeof v === 'string') return Number.isFinite(Number(v)) ? Number(v) : [v]
  if (typeof v === 'number') return String(v)
  if (typeof v === 'boolean') return v ? 1 : 'false'
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]))
  if (v && typeof v === 'object') return Object.values(v)
  return v === null ? 'null' : null
}

/** A deep copy (through JSON, as a real payload arrives) of `payload` with `mutations` applied. */
export function applyMutations(payload: unknown, mutations: readonly Mutation[]): unknown {
  let doc = viaJson(payload)
  for (const m of mutations) {
    const paths = pathsOf(doc)
    if (paths.length === 0) { doc = m.op === 'set' ? m.value : doc; continue }
    const path = paths[m.at % paths.length]!
    const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], doc) as Record<string | number, unknown>
    const key = path[path.length - 1]!
    switch (m.op) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(Number(key), 1)
        else delete parent[key]
        break
      case 'set': parent[key] = m.value; break
      case 'retype': parent[key] = retype(parent[key]); break
      case 'add': {
        const target = parent[key]
        // defineProperty: an own key even for `__proto__`, as JSON.parse makes it.
        const into = target !== null && typeof target === 'object' && !Array.isArray(target) ? target : parent
        if (!Array.isArray(into)) Object.defineProperty(into, m.key, { value: m.value, enumerable: true, writable: true, configurable: true })
        break
      }
    }
  }
  return doc
}

// ---- running ----------------------------------------------------------------------------------------

/** Collects unhandled rejections and uncaught exceptions while a fuzz test runs: both must stay empty. */
export function collectUnhandled(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = []
  const onRejection = (reason: unknown) => { errors.push(reason) }
  const onException = (err: unknown) => { errors.push(err) }
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return {
    errors,
    stop: () => {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
    },
  }
}

/** Runs `fn` over `items` with at most `limit` at once, in order of start; resolves with the results in order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
