// `native`: events already in the normalised shape of SPEC §1 (our own demo, exports, custom senders).
// Validated against the JSON Schema; derived fields (id, domain, parsed UA, phishing resistance) are
// filled in the same way as for vendor events. `raw` stays empty: the schema admits no field that the
// row does not hold, so the row is the payload and keeping a copy would only double the storage.
import { authEventJsonSchema, type AuthEvent } from '../../schemas/auth-event.js'
import { accepted, rejected, type NormalizeResult } from '../fate.js'
import { parseTimestamp } from '../time.js'
import { ajv } from '../validate.js'
import type { Normalizer } from './registry.js'
import { completeRow, type NormalizeContext, type RowInput } from './row.js'

const stored = authEventJsonSchema.properties
const { ts: _ts, ingested_at: _ia, raw: _raw, source: _src, ...settable } = stored

const nativeSchema = {
  type: 'object',
  required: ['ts', 'event_type', 'outcome', 'user_id'],
  additionalProperties: false,
  properties: {
    ...settable,
    event_id: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
    ts: { type: ['string', 'number'] },
    // SPEC §1: a zero or negative latency means unknown and is stored as NULL, not refused.
    latency_ms: { type: ['number', 'null'] },
    source: { const: 'native' },
    // Present in our own exports; recomputed or restamped on ingest.
    ingested_at: { type: 'string' },
    raw: { type: 'string' },
    method_class: { type: 'string' },
  },
} as const

const check = ajv.compile<Partial<AuthEvent> & { ts: string | number }>(nativeSchema)

function describe(): string {
  const e = check.errors?.[0]
  if (!e) return 'invalid event'
  if (e.keyword === 'required') return `missing required field ${(e.params as { missingProperty: string }).missingProperty}`
  if (e.keyword === 'additionalProperties') return `unknown field ${(e.params as { additionalProperty: string }).additionalProperty}`
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues
  return `${e.instancePath.slice(1) || 'event'} ${e.message ?? 'is invalid'}${allowed ? ` (${allowed.join(', ')})` : ''}`
}

export function normalizeNative(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return rejected('invalid_shape', 'a native event must be a JSON object')
  }
  if (!check(payload)) {
    const code = check.errors?.[0]?.keyword === 'required' ? 'missing_field' : 'invalid_value'
    return rejected(code, describe())
  }
  const tsMs = parseTimestamp(payload.ts)
  if (tsMs === null) return rejected('invalid_value', `ts is not a timestamp between 2000 and 2100: ${JSON.stringify(payload.ts)}`)
  if (!payload.user_id || !payload.user_id.trim()) return rejected('missing_field', 'user_id is empty')
  // completeRow reads only the fields it knows, so the validated payload serves as the input as it is
  // (a copy, not a rest-spread: this runs for every event). A tenant named in the payload is only a
  // hint for the mapping; the transport decides.
  const input = Object.assign({}, payload, { user_id: payload.user_id.trim(), tsMs, vendor_tenant: payload.tenant }) as RowInput
  return accepted([completeRow(input, 'native', payload, ctx, 0, '')])
}

export const nativeNormalizer: Normalizer = {
  source: 'native',
  normalize: normalizeNative,
  // The shape is ours: the four required fields at the top level.
  detect: (p) => 'event_type' in p && 'user_id' in p && 'ts' in p && 'outcome' in p,
}
