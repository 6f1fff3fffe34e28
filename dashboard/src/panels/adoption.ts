// Adoption over time (SPEC §3 KPIs 3 and 4 and active users) and resets observed against the baseline (KPI 9).
import { categoryAxis, tipRow, valueAxis } from '../charts.js'
import { EP } from '../endpoints.js'
import { escapeHtml, fmtBucket, fmtInt, fmtNum, fmtPct, fmtRate } from '../format.js'
import { ratioText, ratioValue, type Ratio } from '../kpi.js'
import type { PanelDef } from '../panel.js'
import { SERIES } from '../palette.js'
import { bucketStarts } from '../period.js'
import type { Bucket } from '../state.js'

export interface AdoptionPoint { bucket: string; active_users: number; enrolled_users: number; passkey_primary_users: number | null }
export interface AdoptionData { bucket: string; series: AdoptionPoint[]; enrollment_rate: Ratio; passkey_primary: Ratio | null; primaryPerBucket: boolean }

/** Per-user KPIs are computed per day: hour buckets become days here. */
const dayBucket = (b: string): 'day' | 'week' | 'month' => (b === 'week' || b === 'month' ? b : 'day')
export const adoptionPanel: PanelDef<AdoptionData> = {
  id: 'adoption',
  title: 'Adoption over time',
  help: 'Per bucket: people who signed in (active), those of them who have a passkey at the bucket end (enrolled), and those whose sign-ins were mostly by passkey (passkey-primary).',
  async load(ctx) {
    const { api } = ctx.session
    const bucket = dayBucket(ctx.state.bucket)
    // Passkey-primary users per bucket come with the period figure, in one request (bucket=…).
    const [enrolled, primary] = await Promise.all([
      api.json<{ bucket: string; enrollment_rate: Ratio; series: ({ bucket: string } & Ratio)[] }>(EP.enrollment, { ...ctx.params, bucket }, ctx.signal),
      api.json<{ passkey_primary: Ratio; series?: ({ bucket: string } & Ratio)[] }>(EP.passkeyPrimary, { ...ctx.params, bucket }, ctx.signal),
    ])
    const primaries = new Map((primary.series ?? []).map((p) => [p.bucket, p.numerator]))
    return {
      bucket,
      enrollment_rate: enrolled.enrollment_rate,
      passkey_primary: primary.passkey_primary,
      primaryPerBucket: primary.series !== undefined,
      series: enrolled.series.map((p) => ({ bucket: p.bucket, active_users: p.denominator, enrolled_users: p.numerator, passkey_primary_users: primary.series ? (primaries.get(p.bucket) ?? 0) : null })),
    }
  },
  isEmpty: (d) => !d.series.some((p) => p.active_users > 0),
  csv: (d) => ({
    columns: ['bucket', 'active_users', 'enrolled_users', 'passkey_primary_users'],
    rows: d.series.map((p) => [p.bucket, p.active_users, p.enrolled_users, p.passkey_primary_users]),
  }),
  render(view, d, ctx) {
    const labels = d.series.map((p) => fmtBucket(p.bucket, d.bucket))
    const lines = [
      { key: 'active_users', name: 'Active users', color: SERIES.neutral, area: false },
      { key: 'enrolled_users', name: 'Enrolled (have a passkey)', color: SERIES.primary, area: true },
      ...(d.primaryPerBucket ? [{ key: 'passkey_primary_users', name: 'Passkey-primary', color: SERIES.good, area: true }] as const : []),
    ] as const
    view.setChart({
      tooltip: {
        trigger: 'axis',
        formatter: (items: { dataIndex: number }[]) => {
          const i = items[0]?.dataIndex ?? 0
          const p = d.series[i]
          if (!p) return ''
          const of = (n: number | null) => (n === null ? '–' : `${fmtInt(n)} · ${fmtPct(p.active_users ? n / p.active_users : null)}`)
          return `<div class="tip-title">${escapeHtml(labels[i] ?? '')}</div>`
            + tipRow(SERIES.neutral, 'Active users', fmtInt(p.active_users))
            + tipRow(SERIES.primary, 'Enrolled', of(p.enrolled_users))
            + tipRow(SERIES.good, 'Passkey-primary', of(p.passkey_primary_users))
            + '<div class="tip-foot">shares are of the active users of the bucket</div>'
        },
      },
      legend: { bottom: 0, data: lines.map((l) => l.name) },
      xAxis: categoryAxis(labels, { boundaryGap: false, axisLabel: { alignMinLabel: 'left', alignMaxLabel: 'right', hideOverlap: true } }),
      yAxis: valueAxis({ name: 'users', nameTextStyle: { align: 'left' } }),
      series: lines.map((l) => ({
        name: l.name, type: 'line', symbol: d.series.length > 40 ? 'none' : 'circle', symbolSize: 5,
        lineStyle: { color: l.color, width: 2, type: l.area ? 'solid' : 'dashed' }, itemStyle: { color: l.color },
        areaStyle: l.area ? { color: l.color, opacity: 0.12 } : undefined,
        data: d.series.map((p) => p[l.key]),
      })),
    })
    view.note.textContent = `Period: enrolled ${ratioText(d.enrollment_rate)}`
      + (d.passkey_primary ? `; passkey-primary ${ratioText(d.passkey_primary)}` : '')
      + (d.primaryPerBucket ? '.' : ' (this API gives no per-bucket passkey-primary series).')
      + (ctx.state.bucket === 'hour' ? ' Daily buckets: these are counted per user and day.' : '')
  },
}

export interface ResetsData {
  from: string
  to: string
  bucket: string
  password_resets: number
  lockouts: number
  active_users: number
  months: number
  reset_rate: Ratio
  /** Tickets per user per month before the rollout (measured or assumed), with where it came from. */
  baseline_reset_rate?: { value: number; basis: string; note?: string }
  series: { bucket: string; password_resets: number; lockouts: number; baseline?: number }[]
}

const BUCKET_MONTHS: Record<string, number> = { hour: 1 / (24 * 30.4375), day: 1 / 30.4375, week: 7 / 30.4375, month: 1 }

export const resetsPanel: PanelDef<ResetsData> = {
  id: 'resets',
  title: 'Resets observed, with the baseline',
  help: 'Password resets and account lockouts per bucket (both are help-desk tickets). The line is what the pre-rollout baseline rate predicts for today\'s active users.',
  async load(ctx) {
    const { api } = ctx.session
    const [r, sav] = await Promise.all([
      api.json<ResetsData>(EP.resets, { ...ctx.params, bucket: ctx.state.bucket }, ctx.signal),
      api.json<{ figures: { baseline_reset_rate: number }; assumptions: { name: string; basis: string; note: string }[] }>(EP.savings, ctx.params, ctx.signal),
    ])
    const basis = sav.assumptions.find((a) => a.name === 'baseline_reset_rate')
    return { ...r, baseline_reset_rate: { value: sav.figures.baseline_reset_rate, basis: basis?.basis ?? 'default', note: basis?.note ?? '' } }
  },
  isEmpty: (d) => d.series.length === 0 && d.active_users === 0,
  csv: (d) => ({
    columns: ['bucket', 'password_resets', 'lockouts', 'baseline_expected'],
    rows: d.series.map((p) => [p.bucket, p.password_resets, p.lockouts, expected(d, p)]),
  }),
  render(view, d, ctx) {
    const bucket = (d.bucket ?? ctx.state.bucket) as Bucket
    // Buckets without a reset are zeros (a quiet day is data too).
    const got = new Map(d.series.map((p) => [p.bucket, p]))
    const series = bucketStarts(d.from, d.to, bucket).map((b) => got.get(b) ?? { bucket: b, password_resets: 0, lockouts: 0 })
    for (const p of d.series) if (!series.includes(p)) series.push(p)
    series.sort((a, b) => a.bucket.localeCompare(b.bucket))
    const labels = series.map((p) => fmtBucket(p.bucket, bucket))
    const baseline = series.map((p) => expected(d, p))
    const hasBaseline = baseline.some((b) => b !== null)
    view.setChart({
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (items: { dataIndex: number }[]) => {
          const i = items[0]?.dataIndex ?? 0
          const p = series[i]
          if (!p) return ''
          const b = baseline[i]
          return `<div class="tip-title">${escapeHtml(labels[i] ?? '')}</div>`
            + tipRow(SERIES.secondary, 'Password resets', fmtInt(p.password_resets))
            + tipRow(SERIES.bad, 'Lockouts', fmtInt(p.lockouts))
            + tipRow('transparent', 'Tickets', fmtInt(p.password_resets + p.lockouts))
            + (b !== null && b !== undefined ? tipRow(SERIES.neutral, 'Baseline expects', fmtNum(b)) : '')
            + `<div class="tip-foot">${fmtInt(d.active_users)} active users in the period</div>`
        },
      },
      legend: { bottom: 0, data: ['Password resets', 'Lockouts', ...(hasBaseline ? ['Baseline'] : [])] },
      xAxis: categoryAxis(labels),
      yAxis: valueAxis({ name: 'tickets', nameTextStyle: { align: 'left' } }),
      series: [
        { name: 'Password resets', type: 'bar', stack: 't', itemStyle: { color: SERIES.secondary }, data: series.map((p) => p.password_resets) },
        { name: 'Lockouts', type: 'bar', stack: 't', itemStyle: { color: SERIES.bad }, data: series.map((p) => p.lockouts) },
        ...(hasBaseline ? [{ name: 'Baseline', type: 'line', symbol: 'none', step: 'middle', lineStyle: { color: SERIES.neutral, type: 'dashed', width: 2 }, itemStyle: { color: SERIES.neutral }, data: baseline }] : []),
      ],
    })
    const b = d.baseline_reset_rate
    view.note.textContent = `Reset rate ${fmtRate(ratioValue(d.reset_rate))} tickets per user per month`
      + (b ? ` vs baseline ${fmtRate(b.value)} (${b.basis})` : '') + ` — ${fmtInt(d.password_resets)} resets, ${fmtInt(d.lockouts)} lockouts.`
  },
}

/** Tickets the baseline rate predicts for one bucket: the API's figure, else rate × active users × bucket months. */
function expected(d: ResetsData, p: ResetsData['series'][number]): number | null {
  if (p.baseline !== undefined) return p.baseline
  if (!d.baseline_reset_rate) return null
  return Math.round(d.baseline_reset_rate.value * d.active_users * (BUCKET_MONTHS[d.bucket] ?? 1 / 30.4375) * 10) / 10
}
