// The assumptions of the savings KPIs (SPEC §3 items 10-13) and the passkey look-back of SPEC §2: defaults,
// tenant settings (stored by an admin in tenant_settings) and per-request overrides, in that order. Each value
// remembers where it came from, so every report can print it beside the numbers.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { parseTimestamp } from '../../ingest/time.js'
import { rows } from './common.js'

/** The flat, overridable settings (query parameters and the stored JSON use these names). */
export interface AssumptionSettings {
  cost_per_ticket_low: number
  cost_per_ticket_mid: number
  cost_per_ticket_high: number
  hourly_cost: number
  /** Pre-rollout window for the baseline reset rate; both or neither. */
  baseline_from: string | null
  baseline_to: string | null
  /** Reset tickets per user per month when no baseline window is set or it holds no data. */
  default_reset_rate: number
  password_seconds_low: number
  password_seconds_mid: number
  password_seconds_high: number
  passkey_seconds: number
  passkey_primary_threshold: number
  passkey_lookback_days: number
}

export const DEFAULT_ASSUMPTIONS: Readonly<AssumptionSettings> = Object.freeze({
  cost_per_ticket_low: 20,
  cost_per_ticket_mid: 45,
  cost_per_ticket_high: 70,
  hourly_cost: 50,
  baseline_from: null,
  baseline_to: null,
  default_reset_rate: 0.1,
  password_seconds_low: 15,
  password_seconds_mid: 22.5,
  password_seconds_high: 30,
  passkey_seconds: 2,
  passkey_primary_threshold: 0.8,
  passkey_lookback_days: 180,
})

export const ASSUMPTION_NAMES = Object.keys(DEFAULT_ASSUMPTIONS) as (keyof AssumptionSettings)[]

/** Where a value came from. `measured` only for values derived from the tenant's own events. */
export type Basis = 'default' | 'tenant' | 'request' | 'measured'

export interface ResolvedAssumptions {
  values: AssumptionSettings
  basis: Record<keyof AssumptionSettings, Basis>
}

const money = { type: 'number', minimum: 0, maximum: 1_000_000 } as const
const seconds = { type: 'number', minimum: 0, maximum: 3600 } as const
const date = { type: 'string', minLength: 4, maxLength: 40 } as const

/** JSON Schema properties of the settings (querystring overrides and the PUT body). */
export const ASSUMPTION_PROPERTIES = {
  cost_per_ticket_low: { ...money, description: 'USD per help-desk ticket, low case (default 20)' },
  cost_per_ticket_mid: { ...money, description: 'USD per help-desk ticket, mid case (default 45)' },
  cost_per_ticket_high: { ...money, description: 'USD per help-desk ticket, high case (default 70)' },
  hourly_cost: { ...money, description: 'loaded cost of an hour of work, USD (default 50)' },
  baseline_from: { ...date, description: 'start of the pre-rollout window that measures the baseline reset rate' },
  baseline_to: { ...date, description: 'end (exclusive) of the pre-rollout window' },
  default_reset_rate: { type: 'number', minimum: 0, maximum: 100, description: 'reset tickets per user per month without a measured baseline (default 0.1)' },
  password_seconds_low: { ...seconds, description: 'seconds per password + second factor sign-in, low case (default 15)' },
  password_seconds_mid: { ...seconds, description: 'mid case (default 22.5)' },
  password_seconds_high: { ...seconds, description: 'high case (default 30)' },
  passkey_seconds: { ...seconds, description: 'seconds per passkey sign-in (default 2)' },
  passkey_primary_threshold: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'share of a user\'s sign-ins by passkey that makes them passkey-primary (default 0.8)' },
  passkey_lookback_days: { type: 'integer', minimum: 1, maximum: 3650, description: 'a passkey login within this many days means the user has a passkey (SPEC §2; default 180)' },
} as const

export type AssumptionOverrides = Partial<AssumptionSettings>

/** A message naming what is wrong with a set of overrides, or null. */
export function checkOverrides(o: AssumptionOverrides): string | null {
  const from = o.baseline_from
  const to = o.baseline_to
  if ((from == null) !== (to == null)) return 'baseline_from and baseline_to go together: give both or neither'
  if (from != null && to != null) {
    const f = parseTimestamp(from)
    const t = parseTimestamp(to)
    if (f === null) return 'baseline_from is not a date'
    if (t === null) return 'baseline_to is not a date'
    if (f >= t) return 'baseline_from must be before baseline_to'
  }
  const low = o.cost_per_ticket_low
  const high = o.cost_per_ticket_high
  if (low !== undefined && high !== undefined && low > high) return 'cost_per_ticket_low must not exceed cost_per_ticket_high'
  return null
}

/** Only the known settings of an object (a query string carries filters and more). */
export function pickOverrides(q: Record<string, unknown>): AssumptionOverrides {
  const out: Record<string, unknown> = {}
  for (const k of ASSUMPTION_NAMES) if (q[k] !== undefined) out[k] = q[k]
  return out as AssumptionOverrides
}

export function resolveAssumptions(tenant: AssumptionOverrides, request: AssumptionOverrides): ResolvedAssumptions {
  const values = { ...DEFAULT_ASSUMPTIONS } as AssumptionSettings
  const basis = Object.fromEntries(ASSUMPTION_NAMES.map((k) => [k, 'default'])) as Record<keyof AssumptionSettings, Basis>
  const apply = (o: AssumptionOverrides, b: Basis) => {
    for (const k of ASSUMPTION_NAMES) {
      if (o[k] === undefined) continue
      ;(values as unknown as Record<string, unknown>)[k] = o[k]
      basis[k] = b
    }
  }
  apply(tenant, 'tenant')
  apply(request, 'request')
  return { values, basis }
}

const SETTING = 'assumptions'

export async function readTenantAssumptions(client: ClickHouseClient, tenant: string): Promise<{ overrides: AssumptionOverrides; updated_at: string | null }> {
  const [r] = await rows<{ value: string; updated_at: string }>(client, `
    SELECT value, toString(updated_at) AS updated_at FROM tenant_settings FINAL
    WHERE tenant = {tenant:String} AND name = {name:String}`, { tenant, name: SETTING })
  if (!r) return { overrides: {}, updated_at: null }
  let parsed: unknown
  try { parsed = JSON.parse(r.value) } catch { parsed = {} }
  return { overrides: pickOverrides((parsed ?? {}) as Record<string, unknown>), updated_at: r.updated_at }
}

/** Replaces the tenant's stored overrides (absent fields fall back to the defaults). */
export async function writeTenantAssumptions(client: ClickHouseClient, tenant: string, overrides: AssumptionOverrides, by: string): Promise<void> {
  await client.insert({
    table: 'tenant_settings',
    values: [{ tenant, name: SETTING, value: JSON.stringify(pickOverrides(overrides as Record<string, unknown>)), updated_at: Date.now(), updated_by: by }],
    format: 'JSONEachRow',
  })
}
