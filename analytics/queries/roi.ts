// The ROI report for finance (SPEC §3 items 10-13, with 14 beside it): the period's totals, the same per product
// and per calendar month, and every assumption with its value and where it came from. The breakdowns use the
// period's assumptions (baseline rate, login seconds), so one set of assumptions explains every row.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import type { ResolvedAssumptions } from './assumptions.js'
import { filterSql, rows, scopeParams, statsTable, type Filters, type Scope } from './common.js'
import {
  assumptionEntries, computeSavings, deriveRates, measure, savingsInputsByGroup, ticketCounts, type AssumptionEntry, type SavingsFigures,
} from './savings.js'

export type RoiFigures = SavingsFigures & { phishing_attempts_blocked: number }

export interface RoiReport {
  tenant: string
  from: string
  to: string
  filters: Filters
  generated_at: string
  totals: RoiFigures
  by_product: ({ product: string } & RoiFigures)[]
  by_month: ({ month: string; from: string; to: string } & RoiFigures)[]
  assumptions: AssumptionEntry[]
}

async function phishingBy(client: ClickHouseClient, s: Scope): Promise<{ product: Map<string, number>; month: Map<string, number>; total: number }> {
  const f = filterSql(s.filters)
  const r = await rows<{ g: number; product: string; month: string; n: number }>(client, `
    SELECT grouping(product, month) AS g, product, toString(toStartOfMonth(day)) AS month, sum(events) AS n
    FROM ${statsTable({ ...s.period, grain: 'day' }, s.filters).table}
    WHERE tenant = {tenant:String} AND day >= {from_day:Date} AND day < {to_day:Date} ${f.sql}
      AND event_type = 'login' AND outcome = 'failure' AND failure_reason = 'phishing_blocked'
    GROUP BY GROUPING SETS ((), (product), (month))`, { ...scopeParams(s), ...f.params })
  const of = (g: number, k: 'product' | 'month') => new Map(r.filter((x) => Number(x.g) === g).map((x) => [x[k], Number(x.n)]))
  return { product: of(1, 'product'), month: of(2, 'month'), total: Number(r.find((x) => Number(x.g) === 3)?.n ?? 0) }
}

const DAY = 86_400_000
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

export async function roiReport(client: ClickHouseClient, s: Scope, a: ResolvedAssumptions, now = Date.now()): Promise<RoiReport> {
  const t = a.values.passkey_primary_threshold
  // One pass over the stats rows counts the resets and lockouts of all three groupings.
  const tickets = ticketCounts(client, s, ['total', 'product', 'month'])
  const [{ total, product, month }, measured, phishing] = await Promise.all([
    savingsInputsByGroup(client, s, t, tickets),
    measure(client, s, a),
    phishingBy(client, s),
  ])
  const d = deriveRates(a, measured)
  const fig = (i: Parameters<typeof computeSavings>[0], blocked: number): RoiFigures => ({ ...computeSavings(i, d, a), phishing_attempts_blocked: blocked })
  const byMonth = [...month.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([m, i]) => {
    const start = Date.parse(`${m}T00:00:00Z`)
    const next = new Date(start)
    next.setUTCMonth(next.getUTCMonth() + 1)
    return {
      month: m.slice(0, 7),
      from: day(Math.max(start, s.period.fromMs)),
      to: day(Math.min(next.getTime(), s.period.toMs)),
      ...fig(i, phishing.month.get(m) ?? 0),
    }
  })
  return {
    tenant: s.tenant,
    from: s.period.from,
    to: s.period.to,
    filters: s.filters,
    generated_at: new Date(now).toISOString(),
    totals: fig(total.get('')!, phishing.total),
    by_product: [...product.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([p, i]) => ({ product: p, ...fig(i, phishing.product.get(p) ?? 0) })),
    by_month: byMonth,
    assumptions: assumptionEntries(a, d),
  }
}

/** One row of the report as a flat table (CSV, Parquet, Arrow): figures and assumptions side by side. */
export interface RoiRow {
  /** total, product, month or assumption. */
  section: string
  /** The product, the month (YYYY-MM), or '' for the total and assumptions. */
  scope: string
  metric: string
  unit: string
  low: number | null
  mid: number | null
  high: number | null
  /** measured (counted from the tenant's events), computed (from counts and assumptions), default, tenant or request. */
  basis: string
  note: string
}

export const ROI_ROW_STRUCTURE =
  'section String, scope String, metric String, unit String, low Nullable(Float64), mid Nullable(Float64), high Nullable(Float64), basis String, note String'

const METRICS: { key: keyof RoiFigures; unit: string; basis: 'measured' | 'computed'; note: string }[] = [
  { key: 'active_users', unit: 'users', basis: 'measured', note: 'at least one successful interactive sign-in' },
  { key: 'passkey_primary_users', unit: 'users', basis: 'measured', note: 'at least the threshold share of their sign-ins by passkey' },
  { key: 'passkey_logins', unit: 'sign-ins', basis: 'measured', note: 'successful passkey sign-ins' },
  { key: 'password_resets', unit: 'events', basis: 'measured', note: 'password_reset events' },
  { key: 'lockouts', unit: 'events', basis: 'measured', note: 'account_locked events' },
  { key: 'months', unit: 'months', basis: 'computed', note: 'days ÷ 30.4375' },
  { key: 'current_reset_rate', unit: 'tickets per user per month', basis: 'computed', note: '(resets + lockouts) ÷ active users ÷ months' },
  { key: 'baseline_reset_rate', unit: 'tickets per user per month', basis: 'computed', note: 'see the baseline_reset_rate assumption' },
  { key: 'tickets_avoided_modelled', unit: 'tickets', basis: 'computed', note: 'baseline rate × passkey-primary users × months' },
  { key: 'tickets_avoided_observed', unit: 'tickets', basis: 'computed', note: 'max(0, baseline rate − current rate) × active users × months' },
  { key: 'time_saved_hours', unit: 'hours', basis: 'computed', note: 'passkey sign-ins × (password seconds − passkey seconds) ÷ 3600' },
  { key: 'time_value_usd', unit: 'USD', basis: 'computed', note: 'hours saved × hourly cost' },
  { key: 'support_cost_saved_usd', unit: 'USD', basis: 'computed', note: 'modelled tickets avoided × cost per ticket' },
  { key: 'total_savings_usd', unit: 'USD', basis: 'computed', note: 'support cost saved + time value' },
  { key: 'phishing_attempts_blocked', unit: 'sign-ins', basis: 'measured', note: 'refused as phishing; counted, not priced' },
]

export function roiRows(r: RoiReport): RoiRow[] {
  const out: RoiRow[] = []
  const figures = (section: string, scope: string, f: RoiFigures) => {
    for (const m of METRICS) {
      const v = f[m.key] as number | null | { low: number; mid: number; high: number }
      const [low, mid, high] = v !== null && typeof v === 'object' ? [v.low, v.mid, v.high] : [v, v, v]
      out.push({ section, scope, metric: m.key, unit: m.unit, low, mid, high, basis: m.basis, note: m.note })
    }
  }
  figures('total', '', r.totals)
  for (const p of r.by_product) figures('product', p.product, p)
  for (const m of r.by_month) figures('month', m.month, m)
  for (const a of r.assumptions) out.push({ section: 'assumption', scope: '', metric: a.name, unit: a.unit, low: a.low, mid: a.mid, high: a.high, basis: a.basis, note: a.note })
  return out
}

export const roiFileName = (r: RoiReport, ext: string): string => `passkey-pulse-roi-${r.tenant.replace(/[^A-Za-z0-9_-]/g, '_')}-${r.from.slice(0, 10)}-${day(Date.parse(`${r.to.slice(0, 10)}T00:00:00Z`) - DAY)}.${ext}`
