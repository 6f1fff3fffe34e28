// SPEC §3 items 10-13: reset tickets avoided (modelled and observed), time saved, support cost saved and total
// savings, low / mid / high, with every assumption and whether it was measured or given. The counts come from the
// rollups (savingsInputs, measure*); the arithmetic is pure (deriveRates, computeSavings) and unit-tested.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { parseTimestamp } from '../../ingest/time.js'
import type { Basis, ResolvedAssumptions } from './assumptions.js'
import {
  dayOf, filterSql, monthsIn, PASSKEY_CLASSES_SQL, round, rows, scopeParams, snapPeriod, statsTable, type Filters, type Period, type Scope,
} from './common.js'
import { loginMedians, type LatencyStats } from './latency.js'

const DAY_MS = 86_400_000

/** Samples each of password_mfa and passkey logins need before their measured medians replace the defaults. */
export const MIN_MEDIAN_SAMPLES = 100

export interface Range { low: number; mid: number; high: number }

export interface SavingsInputs {
  active_users: number
  passkey_primary_users: number
  /** Successful passkey logins. */
  passkey_logins: number
  password_resets: number
  lockouts: number
  months: number
}

export interface BaselineMeasure {
  from: string
  to: string
  tickets: number
  active_users: number
  months: number
}

export interface Measured {
  /** The configured pre-rollout window and what it held; null when none is configured. */
  baseline: BaselineMeasure | null
  medians: { password_mfa: LatencyStats; passkey: LatencyStats }
}

export interface DerivedRates {
  baseline_reset_rate: { value: number; basis: Basis; note: string }
  login_seconds: { password: Range; passkey: number; basis: Basis; note: string }
}

export interface SavingsFigures extends SavingsInputs {
  /** (resets + lockouts) ÷ active users ÷ months in the period; null without active users. */
  current_reset_rate: number | null
  baseline_reset_rate: number
  tickets_avoided_modelled: number
  tickets_avoided_observed: number
  time_saved_hours: Range
  time_value_usd: Range
  support_cost_saved_usd: Range
  total_savings_usd: Range
}

export interface AssumptionEntry {
  name: string
  unit: string
  low: number | null
  mid: number | null
  high: number | null
  basis: Basis
  note: string
}

const range = (f: (k: keyof Range) => number): Range => ({ low: f('low'), mid: f('mid'), high: f('high') })
const money = (x: number) => round(x, 2)

/** The baseline reset rate and the login seconds actually used, and why. */
export function deriveRates(a: ResolvedAssumptions, m: Measured): DerivedRates {
  const v = a.values
  let baseline: DerivedRates['baseline_reset_rate']
  const b = m.baseline
  if (b && b.active_users > 0 && b.months > 0) {
    baseline = {
      value: b.tickets / b.active_users / b.months,
      basis: 'measured',
      note: `measured ${b.from} to ${b.to}: ${b.tickets} resets and lockouts, ${b.active_users} active users, ${round(b.months, 4)} months`,
    }
  } else {
    baseline = {
      value: v.default_reset_rate,
      basis: a.basis.default_reset_rate,
      note: b ? `the baseline window ${b.from} to ${b.to} holds no sign-ins: ${v.default_reset_rate} per user per month assumed` : `no baseline window configured: ${v.default_reset_rate} per user per month assumed`,
    }
  }
  const pw = m.medians.password_mfa
  const pk = m.medians.passkey
  let seconds: DerivedRates['login_seconds']
  if (pw.samples >= MIN_MEDIAN_SAMPLES && pk.samples >= MIN_MEDIAN_SAMPLES && pw.p50_ms !== null && pk.p50_ms !== null) {
    const p = pw.p50_ms / 1000
    seconds = {
      password: { low: p, mid: p, high: p },
      passkey: pk.p50_ms / 1000,
      basis: 'measured',
      note: `measured medians in the period: password + second factor ${round(p, 2)} s over ${pw.samples} sign-ins, passkey ${round(pk.p50_ms / 1000, 2)} s over ${pk.samples}`,
    }
  } else {
    const given = [a.basis.password_seconds_low, a.basis.password_seconds_mid, a.basis.password_seconds_high, a.basis.passkey_seconds]
    seconds = {
      password: { low: v.password_seconds_low, mid: v.password_seconds_mid, high: v.password_seconds_high },
      passkey: v.passkey_seconds,
      basis: given.includes('request') ? 'request' : given.includes('tenant') ? 'tenant' : 'default',
      note: `fewer than ${MIN_MEDIAN_SAMPLES} timed sign-ins of each kind in the period (password + second factor ${pw.samples}, passkey ${pk.samples}): assumed values`,
    }
  }
  return { baseline_reset_rate: baseline, login_seconds: seconds }
}

export function computeSavings(i: SavingsInputs, d: DerivedRates, a: ResolvedAssumptions): SavingsFigures {
  const v = a.values
  const baseline = d.baseline_reset_rate.value
  const current = i.active_users > 0 && i.months > 0 ? (i.password_resets + i.lockouts) / i.active_users / i.months : null
  const modelled = baseline * i.passkey_primary_users * i.months
  const observed = current === null ? 0 : Math.max(0, baseline - current) * i.active_users * i.months
  const cost: Range = { low: v.cost_per_ticket_low, mid: v.cost_per_ticket_mid, high: v.cost_per_ticket_high }
  const hours = range((k) => (i.passkey_logins * (d.login_seconds.password[k] - d.login_seconds.passkey)) / 3600)
  const support = range((k) => modelled * cost[k])
  const time = range((k) => hours[k] * v.hourly_cost)
  return {
    ...i,
    months: round(i.months, 6),
    current_reset_rate: current === null ? null : round(current, 6),
    baseline_reset_rate: round(baseline, 6),
    tickets_avoided_modelled: round(modelled, 4),
    tickets_avoided_observed: round(observed, 4),
    time_saved_hours: range((k) => round(hours[k], 4)),
    time_value_usd: range((k) => money(time[k])),
    support_cost_saved_usd: range((k) => money(support[k])),
    total_savings_usd: range((k) => money(support[k] + time[k])),
  }
}

/** Every assumption behind the figures, with its value and where it came from. */
export function assumptionEntries(a: ResolvedAssumptions, d: DerivedRates): AssumptionEntry[] {
  const v = a.values
  const b = a.basis
  const one = (name: string, unit: string, x: number, basis: Basis, note: string): AssumptionEntry => ({ name, unit, low: x, mid: x, high: x, basis, note })
  const ranged = (name: string, unit: string, r: Range, basis: Basis, note: string): AssumptionEntry => ({ name, unit, ...r, basis, note })
  const costBasis = [b.cost_per_ticket_low, b.cost_per_ticket_mid, b.cost_per_ticket_high]
  return [
    one('baseline_reset_rate', 'tickets per user per month', round(d.baseline_reset_rate.value, 6), d.baseline_reset_rate.basis, d.baseline_reset_rate.note),
    {
      name: 'baseline_window', unit: 'dates', low: null, mid: null, high: null, basis: b.baseline_from,
      note: v.baseline_from && v.baseline_to ? `${v.baseline_from} to ${v.baseline_to}` : 'none configured',
    },
    ranged('cost_per_ticket', 'USD', { low: v.cost_per_ticket_low, mid: v.cost_per_ticket_mid, high: v.cost_per_ticket_high },
      costBasis.includes('request') ? 'request' : costBasis.includes('tenant') ? 'tenant' : 'default', 'help-desk cost of one reset or lockout'),
    one('hourly_cost', 'USD per hour', v.hourly_cost, b.hourly_cost, 'loaded cost of an hour of work'),
    ranged('password_login_seconds', 'seconds', d.login_seconds.password, d.login_seconds.basis, d.login_seconds.note),
    one('passkey_login_seconds', 'seconds', round(d.login_seconds.passkey, 4), d.login_seconds.basis, d.login_seconds.note),
    one('passkey_primary_threshold', 'share of a user\'s sign-ins', v.passkey_primary_threshold, b.passkey_primary_threshold, 'passkey-primary users: at least this share of their successful sign-ins by passkey'),
    one('passkey_lookback_days', 'days', v.passkey_lookback_days, b.passkey_lookback_days, 'a passkey sign-in within this many days means the user has a passkey'),
    one('min_samples_for_measured_medians', 'sign-ins', MIN_MEDIAN_SAMPLES, 'default', 'measured medians replace the assumed login seconds when both kinds have at least this many timed sign-ins'),
  ]
}

// ---------------------------------------------------------------------------------------------------------
// Counts from the rollups

export type SavingsGroup = 'total' | 'product' | 'month'

/**
 * The per-user pass groups by a number and names each group only in the result: grouping by (a string, uid) took
 * the engine 10-20× as long as by (a number, uid) on the 10 M benchmark (a year of user-days: 1.4 s against
 * 0.1 s), and carrying the name through the pass with any() a third as long again. `names`, when set, is a
 * WITH clause the name reads (the products of the period's user-days, a handful).
 */
const GROUP_KEY: Record<SavingsGroup, { key: string; name: string; names?: string }> = {
  total: { key: '0', name: "''" },
  // A 64-bit hash collision between two product names is not a practical concern.
  product: {
    key: 'cityHash64(product)',
    name: 'arrayElement(names, indexOf(arrayMap(x -> cityHash64(x), names), gk))',
    names: 'groupUniqArray(product)',
  },
  month: { key: 'toStartOfMonth(day)', name: 'toString(gk)' },
}

export interface TicketCounts { resets: number; lockouts: number }

/** Grouping sets of the stats rows, and the grouping() value of each (1 = that column is not grouped by). */
const TICKET_SETS: Record<SavingsGroup, { set: string; g: number }> = {
  total: { set: '()', g: 3 },
  product: { set: '(product)', g: 1 },
  month: { set: '(month)', g: 2 },
}

/** Password resets and lockouts per group of each grouping asked, in one pass over the stats rows. */
export async function ticketCounts<G extends SavingsGroup>(client: ClickHouseClient, s: Scope, groups: readonly G[]): Promise<Record<G, Map<string, TicketCounts>>> {
  const f = filterSql(s.filters, { logins: false })
  const r = await rows<{ g: number; product: string; month: string } & TicketCounts>(client, `
    SELECT grouping(product, month) AS g, product, toString(toStartOfMonth(day)) AS month,
           sumIf(events, event_type = 'password_reset') AS resets, sumIf(events, event_type = 'account_locked') AS lockouts
    FROM ${statsTable({ ...s.period, grain: 'day' }, s.filters).table}
    WHERE tenant = {tenant:String} AND day >= {from_day:Date} AND day < {to_day:Date} ${f.sql}
      AND event_type IN ('password_reset', 'account_locked')
    -- Every set, whichever are asked: grouping() needs both columns among the keys, and these rows are few.
    GROUP BY GROUPING SETS (${Object.values(TICKET_SETS).map((x) => x.set).join(', ')})`, { ...scopeParams(s), ...f.params })
  const key = (group: SavingsGroup, x: { product: string; month: string }) => (group === 'product' ? x.product : group === 'month' ? x.month : '')
  return Object.fromEntries(groups.map((group) => [group, new Map(r.filter((x) => Number(x.g) === TICKET_SETS[group].g)
    .map((x) => [key(group, x), { resets: Number(x.resets), lockouts: Number(x.lockouts) }]))])) as Record<G, Map<string, TicketCounts>>
}

/** People counts of one group: active, passkey-primary, and their passkey logins. */
interface GroupUsers { active: number; primary: number; passkey_logins: number }

/**
 * The inputs per group from its people counts and its tickets: every group with either, each month's length
 * clipped to the period, and the total ('') always there.
 */
function inputsOf(s: Scope, group: SavingsGroup, users: Map<string, GroupUsers>, tickets: Map<string, TicketCounts>): Map<string, SavingsInputs> {
  const out = new Map<string, SavingsInputs>()
  const months = (key: string) => {
    if (group !== 'month') return monthsIn(s.period)
    const start = Date.parse(`${key}T00:00:00Z`)
    const d = new Date(start)
    const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
    return monthsIn({ fromMs: Math.max(start, s.period.fromMs), toMs: Math.min(next, s.period.toMs) })
  }
  const get = (key: string) => {
    let x = out.get(key)
    if (!x) out.set(key, x = { active_users: 0, passkey_primary_users: 0, passkey_logins: 0, password_resets: 0, lockouts: 0, months: months(key) })
    return x
  }
  for (const [key, u] of users) Object.assign(get(key), { active_users: u.active, passkey_primary_users: u.primary, passkey_logins: u.passkey_logins })
  for (const [key, t] of tickets) Object.assign(get(key), { password_resets: t.resets, lockouts: t.lockouts })
  if (group === 'total') get('')
  return out
}

/**
 * The inputs per group (one '' group for the total; product names; 'YYYY-MM-01' months, clipped to the period).
 * `tickets`: the group's resets and lockouts when the caller counts them for several groupings at once.
 */
export async function savingsInputs(client: ClickHouseClient, s: Scope, group: SavingsGroup, threshold: number, tickets?: Promise<Map<string, TicketCounts>>): Promise<Map<string, SavingsInputs>> {
  const users = filterSql(s.filters)
  const params = { ...scopeParams(s), ...users.params, threshold }
  const k = GROUP_KEY[group]
  const usersWhere = `tenant = {tenant:String} AND day >= {from_day:Date} AND day < {to_day:Date} ${users.sql}`
  const [u, e] = await Promise.all([
    rows<{ grp: string } & GroupUsers>(client, `
      ${k.names ? `WITH (SELECT ${k.names} FROM user_day_logins WHERE ${usersWhere}) AS names` : ''}
      SELECT ${k.name} AS grp, count() AS active, countIf(pk / all >= {threshold:Float64}) AS primary, sum(pk) AS passkey_logins
      FROM (
        SELECT ${k.key} AS gk, uid, sum(logins) AS all, sumIf(logins, method_class IN ${PASSKEY_CLASSES_SQL}) AS pk
        FROM user_day_logins
        WHERE ${usersWhere}
        GROUP BY gk, uid
      )
      GROUP BY gk`, params),
    tickets ?? ticketCounts(client, s, [group]).then((t) => t[group]),
  ])
  return inputsOf(s, group, new Map(u.map((r) => [r.grp, { active: Number(r.active), primary: Number(r.primary), passkey_logins: Number(r.passkey_logins) }])), e)
}

/**
 * Most products and months the pass takes as columns (two each): beyond these, that grouping gets a pass of its
 * own (savingsInputs), as a long period or a tenant with many products would make the pass wider than those.
 */
export const PASS_COLUMNS = { products: 32, months: 13 }

/** 'YYYY-MM-01' of every calendar month with a day in [from_day, to_day). */
function monthStarts(s: Scope): string[] {
  const first = new Date(`${dayOf(s.period.fromMs)}T00:00:00Z`)
  const last = Date.parse(`${dayOf(s.period.toMs)}T00:00:00Z`) - DAY_MS
  const out: string[] = []
  // Date.UTC carries a month past December into the next year.
  for (let m = first.getUTCMonth(); Date.UTC(first.getUTCFullYear(), m, 1) <= last; m++) out.push(dayOf(Date.UTC(first.getUTCFullYear(), m, 1)))
  return out
}

/**
 * The inputs of the total, each product and each calendar month (the ROI report's three groupings), in one pass
 * over the user-days: per person, the logins and passkey logins of the whole period, of each product and of each
 * month as columns, then per column the people active, passkey-primary and their passkey logins. Each grouping
 * equals savingsInputs' (test/integration/roi-groups.test.ts). On the 10 M benchmark this pass took about half
 * the engine time of three passes grouped by (group, person): 30 days ~60 against ~120 ms, a year ~400 against
 * ~530 ms. The period's products are read first (their names become columns, passed as parameters).
 */
export async function savingsInputsByGroup(
  client: ClickHouseClient, s: Scope, threshold: number, tickets: Promise<Record<SavingsGroup, Map<string, TicketCounts>>>, limits = PASS_COLUMNS,
): Promise<Record<SavingsGroup, Map<string, SavingsInputs>>> {
  const users = filterSql(s.filters)
  const usersWhere = `tenant = {tenant:String} AND day >= {from_day:Date} AND day < {to_day:Date} ${users.sql}`
  const base = { ...scopeParams(s), ...users.params, threshold }
  // The tickets are awaited here, so that a failure of theirs is never left unhandled.
  const [found, t] = await Promise.all([
    // DISTINCT reads the column's dictionaries: a year at 10 M in ~35 ms, where groupUniqArray took ~90.
    rows<{ product: string }>(client, `SELECT DISTINCT product FROM user_day_logins WHERE ${usersWhere}`, base),
    tickets,
  ])
  const names = found.map((x) => x.product).sort()
  const products = names.length <= limits.products ? names : null
  const monthList = monthStarts(s)
  const months = monthList.length <= limits.months ? monthList : null
  // Column c: its condition on a user-day row, and the group it counts.
  const columns = [
    { cond: '1', group: 'total' as const, key: '' },
    ...(products ?? []).map((p, i) => ({ cond: `product = {g_p${i}:String}`, group: 'product' as const, key: p })),
    ...(months ?? []).map((m, i) => ({ cond: `toStartOfMonth(day) = {g_m${i}:Date}`, group: 'month' as const, key: m })),
  ]
  const params: Record<string, unknown> = { ...base }
  products?.forEach((p, i) => (params[`g_p${i}`] = p))
  months?.forEach((m, i) => (params[`g_m${i}`] = m))
  const PK = `method_class IN ${PASSKEY_CLASSES_SQL}`
  const [[r], productsApart, monthsApart] = await Promise.all([
    rows<Record<string, number>>(client, `
      SELECT ${columns.map((_, c) => `countIf(a${c} > 0) AS act${c}, countIf(a${c} > 0 AND k${c} / a${c} >= {threshold:Float64}) AS pr${c}, sum(k${c}) AS pk${c}`).join(',\n             ')}
      FROM (
        SELECT uid, ${columns.map((x, c) => `sumIf(logins, ${x.cond}) AS a${c}, sumIf(logins, ${x.cond} AND ${PK}) AS k${c}`).join(',\n               ')}
        FROM user_day_logins
        WHERE ${usersWhere}
        GROUP BY uid
      )`, params),
    products ? null : savingsInputs(client, s, 'product', threshold, Promise.resolve(t.product)),
    months ? null : savingsInputs(client, s, 'month', threshold, Promise.resolve(t.month)),
  ])
  const counted: Record<SavingsGroup, Map<string, GroupUsers>> = { total: new Map(), product: new Map(), month: new Map() }
  columns.forEach((x, c) => {
    const active = Number(r?.[`act${c}`] ?? 0)
    // As in the grouped passes: a group appears only with an active person (or, in inputsOf, with tickets).
    if (active > 0) counted[x.group].set(x.key, { active, primary: Number(r![`pr${c}`]), passkey_logins: Number(r![`pk${c}`]) })
  })
  return {
    total: inputsOf(s, 'total', counted.total, t.total),
    product: productsApart ?? inputsOf(s, 'product', counted.product, t.product),
    month: monthsApart ?? inputsOf(s, 'month', counted.month, t.month),
  }
}

/** What the baseline window holds (with the same filters), or null when no window is configured. */
export async function measureBaseline(client: ClickHouseClient, tenant: string, filters: Filters, a: ResolvedAssumptions): Promise<BaselineMeasure | null> {
  const { baseline_from: from, baseline_to: to } = a.values
  if (!from || !to) return null
  const f = parseTimestamp(from)
  const t = parseTimestamp(to)
  if (f === null || t === null || f >= t) return null
  const period: Period = snapPeriod(f, t, 'day')
  const inputs = (await savingsInputs(client, { tenant, period, filters }, 'total', a.values.passkey_primary_threshold)).get('')!
  return { from: period.from.slice(0, 10), to: period.to.slice(0, 10), tickets: inputs.password_resets + inputs.lockouts, active_users: inputs.active_users, months: inputs.months }
}

export async function measure(client: ClickHouseClient, s: Scope, a: ResolvedAssumptions): Promise<Measured> {
  const [baseline, medians] = await Promise.all([measureBaseline(client, s.tenant, s.filters, a), loginMedians(client, s)])
  return { baseline, medians }
}

export interface SavingsResult {
  figures: SavingsFigures
  assumptions: AssumptionEntry[]
}

/** The savings of one scope, every assumption included. */
export async function savings(client: ClickHouseClient, s: Scope, a: ResolvedAssumptions): Promise<SavingsResult> {
  const [inputs, measured] = await Promise.all([savingsInputs(client, s, 'total', a.values.passkey_primary_threshold), measure(client, s, a)])
  const d = deriveRates(a, measured)
  return { figures: computeSavings(inputs.get('')!, d, a), assumptions: assumptionEntries(a, d) }
}
