// Per-method panels: time to sign in (SPEC §3 KPI 6) and success rate (KPI 5). Bars take the method's
// fixed colour; clicking one filters every panel by that method.
import { categoryAxis, tipRow, valueAxis } from '../charts.js'
import { tableOf } from '../csv.js'
import { EP } from '../endpoints.js'
import { escapeHtml, fmtInt, fmtMs, fmtPct } from '../format.js'
import { ratioValue, type Ratio } from '../kpi.js'
import type { PanelDef } from '../panel.js'
import { methodColor, methodLabel, methodOrder, methodShort } from '../palette.js'

export interface LatencyRow { method_class: string; samples: number; p50_ms: number | null; p90_ms: number | null; p95_ms: number | null; mean_ms: number | null }
export interface LatencyData { by_method: LatencyRow[] }

const QUANTILES = [
  { key: 'p50_ms', name: 'p50 (median)', opacity: 1 },
  { key: 'p90_ms', name: 'p90', opacity: 0.62 },
  { key: 'p95_ms', name: 'p95', opacity: 0.34 },
] as const

export const latencyPanel: PanelDef<LatencyData> = {
  id: 'time-to-sign-in',
  title: 'Time to sign in per method',
  help: 'Seconds from the start of the sign-in flow to the session, successful sign-ins with a measured time. Solid bar p50, lighter p90, lightest p95.',
  load: (ctx) => ctx.session.api.json<LatencyData>(EP.timeToSignIn, { ...ctx.params, bucket: 'month' }, ctx.signal),
  isEmpty: (d) => !d.by_method.some((r) => r.samples > 0),
  csv: (d) => tableOf(d.by_method as unknown as Record<string, unknown>[], ['method_class', 'samples', 'p50_ms', 'p90_ms', 'p95_ms', 'mean_ms']),
  render(view, d, ctx) {
    const rows = d.by_method.filter((r) => r.samples > 0).sort((a, b) => methodOrder(a.method_class, b.method_class))
    view.setChart({
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (items: { dataIndex: number }[]) => {
          const r = rows[items[0]?.dataIndex ?? 0]
          if (!r) return ''
          const c = methodColor(r.method_class)
          return `<div class="tip-title">${escapeHtml(methodLabel(r.method_class))}</div>`
            + tipRow(c, 'p50 (median)', fmtMs(r.p50_ms)) + tipRow(c, 'p90', fmtMs(r.p90_ms)) + tipRow(c, 'p95', fmtMs(r.p95_ms))
            + tipRow('transparent', 'mean', fmtMs(r.mean_ms))
            + `<div class="tip-foot">over ${fmtInt(r.samples)} timed successful sign-ins</div>`
        },
      },
      legend: { bottom: 0, data: QUANTILES.map((q) => q.name) },
      grid: { left: 8, right: 16, top: 32, bottom: 36, containLabel: true },
      xAxis: categoryAxis(rows.map((r) => methodShort(r.method_class)), { axisLabel: { interval: 0, hideOverlap: false, fontSize: 11, lineHeight: 14 } }),
      yAxis: valueAxis({ name: 'seconds', nameTextStyle: { align: 'left' }, axisLabel: { formatter: (v: number) => `${v / 1000}` } }),
      series: QUANTILES.map((q) => ({
        name: q.name,
        type: 'bar',
        barGap: '8%',
        itemStyle: { color: '#7F7F7F', opacity: q.opacity },
        data: rows.map((r) => ({ value: r[q.key], itemStyle: { color: methodColor(r.method_class), opacity: q.opacity } })),
      })),
    }, (click) => {
      const r = click.dataIndex !== undefined ? rows[click.dataIndex] : undefined
      if (r) ctx.store.setFilter('method_class', r.method_class)
    })
    const pk = rows.find((r) => r.method_class.startsWith('passkey_'))
    const pw = rows.find((r) => r.method_class === 'password_mfa')
    if (pk?.p50_ms && pw?.p50_ms) view.note.textContent = `Median: ${methodLabel(pk.method_class)} ${fmtMs(pk.p50_ms)} vs password + 2nd factor ${fmtMs(pw.p50_ms)}.`
  },
}

export interface SuccessRow { method_class: string; success_rate: Ratio; failures: number; phishing_blocked: number }
export interface SuccessData { overall: Ratio; by_method: SuccessRow[] }

export const successRatePanel: PanelDef<SuccessData> = {
  id: 'success-rate',
  title: 'Success rate per method',
  help: 'Successful ÷ attempted sign-ins per method (one attempt per sign-in flow). Click a bar to filter by that method.',
  load: (ctx) => ctx.session.api.json<SuccessData>(EP.successRate, { ...ctx.params, bucket: 'month' }, ctx.signal),
  isEmpty: (d) => !d.by_method.some((r) => r.success_rate.denominator > 0),
  csv: (d) => ({
    columns: ['method_class', 'successful', 'attempts', 'success_rate', 'failures', 'phishing_blocked'],
    rows: d.by_method.map((r) => [r.method_class, r.success_rate.numerator, r.success_rate.denominator, ratioValue(r.success_rate), r.failures, r.phishing_blocked]),
  }),
  render(view, d, ctx) {
    const rows = d.by_method.filter((r) => r.success_rate.denominator > 0).sort((a, b) => methodOrder(b.method_class, a.method_class))
    const min = Math.min(...rows.map((r) => ratioValue(r.success_rate) ?? 1))
    view.setChart({
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (items: { dataIndex: number }[]) => {
          const r = rows[items[0]?.dataIndex ?? 0]
          if (!r) return ''
          const c = methodColor(r.method_class)
          return `<div class="tip-title">${escapeHtml(methodLabel(r.method_class))}</div>`
            + tipRow(c, 'success rate', fmtPct(ratioValue(r.success_rate)))
            + tipRow('transparent', 'successful', fmtInt(r.success_rate.numerator))
            + tipRow('transparent', 'attempts', fmtInt(r.success_rate.denominator))
            + tipRow('transparent', 'failed', fmtInt(r.failures))
            + (r.phishing_blocked ? tipRow('transparent', 'of which phishing blocked', fmtInt(r.phishing_blocked)) : '')
        },
      },
      legend: { show: false },
      grid: { left: 8, right: 56, top: 28, bottom: 8, containLabel: true },
      yAxis: categoryAxis(rows.map((r) => methodLabel(r.method_class))),
      xAxis: valueAxis({ min: min > 0.8 ? Math.floor(min * 20) / 20 * 100 : 0, max: 100, axisLabel: { formatter: '{value} %' } }),
      series: [{
        type: 'bar',
        name: 'Success rate',
        label: { show: true, position: 'right', formatter: (p: { value: number }) => `${p.value.toFixed(1)} %`, fontSize: 11 },
        data: rows.map((r) => ({ value: Math.round((ratioValue(r.success_rate) ?? 0) * 1000) / 10, itemStyle: { color: methodColor(r.method_class) } })),
      }],
    }, (click) => {
      const r = click.dataIndex !== undefined ? rows[click.dataIndex] : undefined
      if (r) ctx.store.setFilter('method_class', r.method_class)
    })
    view.setDrill('Filter by method', rows.slice().reverse().map((r) => ({ text: methodLabel(r.method_class), title: `Show only ${methodLabel(r.method_class)} sign-ins in every panel`, select: () => ctx.store.setFilter('method_class', r.method_class) })))
    view.note.textContent = `All methods: ${fmtPct(ratioValue(d.overall))} of ${fmtInt(d.overall.denominator)} attempts succeeded.`
  },
}
