// What the KPI routes share: the querystring schema (period, bucket, filters, assumption overrides; never a
// tenant, which comes from the token), turning a validated query into a Scope, and response schema pieces.
import type { FastifyRequest } from 'fastify'
import { ERR_BAD_PARAMETER } from '../../core/errors.js'
import { parseTimestamp } from '../../ingest/time.js'
import { METHOD_CLASSES, USER_TYPES } from '../../schemas/auth-event.js'
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { identityOf } from '../access.js'
import {
  ASSUMPTION_PROPERTIES, checkOverrides, pickOverrides, readTenantAssumptions, resolveAssumptions, type AssumptionOverrides, type ResolvedAssumptions,
} from '../queries/assumptions.js'
import { BUCKET_NAMES, FILTER_NAMES, snapPeriod, type Bucket, type Filters, type Scope } from '../queries/common.js'

const DAY = 86_400_000
/** Longest period a request may ask for (ten years): beyond it the question is a mistake, not a query. */
const MAX_PERIOD_MS = 3660 * DAY

export const PERIOD_PROPERTIES = {
  from: { type: 'string', minLength: 1, maxLength: 40, description: 'start (ISO date or time, or epoch); default: 30 days before `to`; widened to the start of its UTC day (of its hour for hour buckets)' },
  to: { type: 'string', minLength: 1, maxLength: 40, description: 'end, exclusive; default now; widened to the end of its UTC day (hour)' },
} as const

// Free-text filters are values, never SQL: they travel as query parameters. Control characters are refused.
const text = (description: string) => ({ type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f]*$', description }) as const

export const FILTER_PROPERTIES = {
  product: text('only this product (jira, confluence, …)'),
  department: text('only this department'),
  user_type: { type: 'string', enum: [...USER_TYPES], description: 'only this kind of user' },
  privileged: { type: 'integer', enum: [0, 1], description: '1: privileged users only, 0: the others' },
  source: { type: 'string', pattern: '^[a-z0-9_]{1,40}$', description: 'only events of this source (okta, entra, native, …)' },
  method_class: { type: 'string', enum: [...METHOD_CLASSES], description: 'only logins of this method class (does not narrow resets and registrations, which are not logins)' },
} as const

export const bucketProperty = (allowed: readonly string[] = BUCKET_NAMES, dflt = 'day') =>
  ({ type: 'string', enum: [...allowed], default: dflt, description: `time bucket of the series (${allowed.join(', ')})` }) as const

export const LIMIT_PROPERTY = { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'most users to list' } as const

/** A querystring schema: period and filters, plus what the route adds. */
export function querystring(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, properties: { ...PERIOD_PROPERTIES, ...FILTER_PROPERTIES, ...extra } }
}

export const ASSUMPTION_QUERY = ASSUMPTION_PROPERTIES

export interface KpiQuery extends Filters {
  from?: string
  to?: string
  bucket?: Bucket
  limit?: number
  [k: string]: unknown
}

/** The request's scope: the token's tenant, the period cut to whole days (hours for hour buckets), the filters. */
export function scopeOf(req: FastifyRequest, q: KpiQuery, grain: 'hour' | 'day' = q.bucket === 'hour' ? 'hour' : 'day', now = Date.now()): Scope {
  const to = q.to !== undefined ? parseTimestamp(q.to) : now
  if (to === null) throw new ERR_BAD_PARAMETER('to is not a date')
  const from = q.from !== undefined ? parseTimestamp(q.from) : to - 30 * DAY
  if (from === null) throw new ERR_BAD_PARAMETER('from is not a date')
  if (from >= to) throw new ERR_BAD_PARAMETER('from must be before to')
  if (to - from > MAX_PERIOD_MS) throw new ERR_BAD_PARAMETER('the period from … to is longer than ten years')
  const filters: Filters = {}
  for (const name of FILTER_NAMES) if (q[name] !== undefined) (filters as Record<string, unknown>)[name] = q[name]
  return { tenant: identityOf(req).tenant, period: snapPeriod(from, to, grain), filters }
}

// Tenant settings are read on most requests; keep them a few seconds (a PUT here clears its tenant at once).
const SETTINGS_TTL_MS = 5_000
const settingsCache = new Map<string, { overrides: AssumptionOverrides; until: number }>()

export function forgetTenantSettings(tenant: string): void {
  settingsCache.delete(tenant)
}

export async function tenantOverrides(client: ClickHouseClient, tenant: string): Promise<AssumptionOverrides> {
  const hit = settingsCache.get(tenant)
  if (hit && hit.until > Date.now()) return hit.overrides
  const { overrides } = await readTenantAssumptions(client, tenant)
  if (settingsCache.size > 1000) settingsCache.clear()
  settingsCache.set(tenant, { overrides, until: Date.now() + SETTINGS_TTL_MS })
  return overrides
}

/** Defaults, then the tenant's settings, then the request's overrides. */
export async function assumptionsOf(client: ClickHouseClient, tenant: string, q: Record<string, unknown>): Promise<ResolvedAssumptions> {
  const request = pickOverrides(q)
  const problem = checkOverrides(request)
  if (problem) throw new ERR_BAD_PARAMETER(problem)
  const stored = await tenantOverrides(client, tenant)
  const resolved = resolveAssumptions(stored, request)
  const both = checkOverrides(resolved.values)
  if (both) throw new ERR_BAD_PARAMETER(`with the tenant's settings: ${both}`)
  return resolved
}

// ---------------------------------------------------------------------------------------------------------
// Response schema pieces

export const RATIO = {
  type: 'object',
  additionalProperties: false,
  required: ['numerator', 'denominator', 'value'],
  properties: { numerator: { type: 'number' }, denominator: { type: 'number' }, value: { type: ['number', 'null'], description: 'numerator ÷ denominator; null when the denominator is 0' } },
} as const

export const RANGE = {
  type: 'object', additionalProperties: false, required: ['low', 'mid', 'high'],
  properties: { low: { type: 'number' }, mid: { type: 'number' }, high: { type: 'number' } },
} as const

const FILTERS_OUT = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(FILTER_NAMES.map((k) => [k, k === 'privileged' ? { type: 'integer' } : { type: 'string' }])),
} as const

/** The envelope of every KPI answer: the tenant, the period as used, the filters. */
export const ENVELOPE = {
  tenant: { type: 'string' },
  from: { type: 'string', description: 'start of the period as used (UTC)' },
  to: { type: 'string', description: 'end (exclusive) of the period as used (UTC)' },
  filters: FILTERS_OUT,
} as const

export function envelope(s: Scope): { tenant: string; from: string; to: string; filters: Filters } {
  return { tenant: s.tenant, from: s.period.from, to: s.period.to, filters: s.filters }
}

export function response(properties: Record<string, unknown>, description: string): Record<string, unknown> {
  return { 200: { type: 'object', additionalProperties: false, description, properties: { ...ENVELOPE, ...properties } } }
}

export const ASSUMPTION_ENTRY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' }, unit: { type: 'string' },
    low: { type: ['number', 'null'] }, mid: { type: ['number', 'null'] }, high: { type: ['number', 'null'] },
    basis: { type: 'string', enum: ['default', 'tenant', 'request', 'measured'], description: 'measured from the tenant\'s events, a default, a tenant setting or a request override' },
    note: { type: 'string' },
  },
} as const

const num = { type: 'number' } as const
export const SAVINGS_FIGURES = {
  type: 'object',
  additionalProperties: false,
  properties: {
    active_users: num,
    passkey_primary_users: num,
    passkey_logins: { ...num, description: 'successful passkey sign-ins' },
    password_resets: num,
    lockouts: num,
    months: { ...num, description: 'length of the period in months (days ÷ 30.4375)' },
    current_reset_rate: { type: ['number', 'null'], description: '(resets + lockouts) ÷ active users ÷ months' },
    baseline_reset_rate: { ...num, description: 'tickets per user per month before the rollout' },
    tickets_avoided_modelled: { ...num, description: 'baseline rate × passkey-primary users × months' },
    tickets_avoided_observed: { ...num, description: 'max(0, baseline rate − current rate) × active users × months' },
    time_saved_hours: RANGE,
    time_value_usd: RANGE,
    support_cost_saved_usd: { ...RANGE, description: 'modelled tickets avoided × cost per ticket' },
    total_savings_usd: { ...RANGE, description: 'support cost saved + time value' },
  },
} as const
