// Method mix over time (SPEC §3 KPI 1): share of successful interactive logins per method class per bucket,
// as a 100 % stacked area; synced and device-bound passkeys are separate bands in blues. Large series (hourly
// over long periods) come as Arrow IPC when the API offers it; small ones as JSON.
import { rowsOf } from '../arrow.js'
import { offersArrow } from '../capabilities.js'
import { categoryAxis, tipRow, valueAxis } from '../charts.js'
import { tableOf } from '../csv.js'
import { escapeHtml, fmtBucket, fmtInt, fmtPct } from '../format.js'
import type { PanelContext, PanelDef } from '../panel.js'
import { methodColor, methodLabel, methodOrder } from '../palette.js'
import { bucketsIn } from '../period.js'

export interface MixRow { bucket: string; method_class: string; logins: number; share: number; bucket_total: number }
export interface MixData { bucket: string; rows: MixRow[]; transport: 'json' | 'arrow' }

/** From this many buckets on, the series travels as Arrow IPC when the API offers it (else as JSON). */
export const ARROW_FROM_BUCKETS = 500

export async function loadMix(ctx: PanelContext, path = '/api/v1/method-mix'): Promise<MixData> {
  const { api } = ctx.session
  const params = { ...ctx.params, bucket: ctx.state.bucket }
  if (bucketsIn(ctx.range, ctx.state.bucket) >= ARROW_FROM_BUCKETS && (await offersArrow(path))) {
    const t = await api.arrow(path, { ...params, format: 'arrow' }, ctx.signal)
    return { bucket: ctx.state.bucket, rows: rowsOf(t, ['bucket']) as unknown as MixRow[], transport: 'arrow' }
  }
  const res = await api.json<{ bucket: string; rows: MixRow[] }>(path, params, ctx.signal)
  return { bucket: res.bucket, rows: res.rows, transport: 'json' }
}

/** Bucket labels in order and one value array per method class. */
export function pivot(rows: MixRow[]): { buckets: string[]; classes: string[]; get(c: string, i: number): MixRow | undefined } {
  const buckets = [...new Set(rows.map((r) => r.bucket))].sort()
  const classes = [...new Set(rows.map((r) => r.method_class))].sort(methodOrder)
  const index = new Map(buckets.map((b, i) => [b, i]))
  const cells = new Map<string, MixRow>()
  for (const r of rows) cells.set(`${r.method_class}\u0000${index.get(r.bucket)}`, r)
  return { buckets, classes, get: (c, i) => cells.get(`${c}\u0000${i}`) }
}

export const methodMixPanel: PanelDef<MixData> = {
  id: 'method-mix',
  title: 'Method mix over time',
  help: 'Share of successful interactive sign-ins per method (API tokens excluded). Click a band to filter by that method.',
  wide: true,
  load: (ctx) => loadMix(ctx),
  isEmpty: (d) => d.rows.length === 0,
  csv: (d) => tableOf(d.rows as unknown as Record<string, unknown>[], ['bucket', 'method_class', 'logins', 'bucket_total', 'share']),
  render(view, d, ctx) {
    const p = pivot(d.rows)
    const labels = p.buckets.map((b) => fmtBucket(b, d.bucket))
    const totals = p.buckets.map((_, i) => p.classes.reduce((n, c) => n + (p.get(c, i)?.logins ?? 0), 0))
    view.setChart({
      tooltip: {
        trigger: 'axis',
        formatter: (items: { dataIndex: number }[]) => {
          const i = items[0]?.dataIndex ?? 0
          const total = totals[i] ?? 0
          const rows = p.classes.slice().reverse().map((c) => {
            const r = p.get(c, i)
            return r ? tipRow(methodColor(c), escapeHtml(methodLabel(c)), `${fmtPct(r.logins / (total || 1))} · ${fmtInt(r.logins)}`) : ''
          })
          return `<div class="tip-title">${escapeHtml(labels[i] ?? '')}</div>${rows.join('')}<div class="tip-foot">of ${fmtInt(total)} successful interactive sign-ins</div>`
        },
      },
      legend: { type: 'scroll', bottom: 0, data: p.classes.map((c) => methodLabel(c)) },
      dataZoom: p.buckets.length > 60 ? [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 28 }] : [],
      grid: { left: 8, right: 16, top: 32, bottom: p.buckets.length > 60 ? 72 : 40, containLabel: true },
      xAxis: categoryAxis(labels, { boundaryGap: false, axisLabel: { alignMinLabel: 'left', alignMaxLabel: 'right', hideOverlap: true } }),
      yAxis: valueAxis({ max: 100, axisLabel: { formatter: '{value} %' } }),
      series: p.classes.map((c) => ({
        name: methodLabel(c),
        id: c,
        type: 'line',
        stack: 'mix',
        symbol: 'none',
        sampling: 'lttb',
        lineStyle: { width: 0.5, color: methodColor(c) },
        itemStyle: { color: methodColor(c) },
        areaStyle: { color: methodColor(c), opacity: 0.9 },
        emphasis: { focus: 'series' },
        triggerLineEvent: true,
        data: p.buckets.map((_, i) => {
          const r = p.get(c, i)
          const t = totals[i] ?? 0
          return r && t ? Math.round((r.logins / t) * 10000) / 100 : 0
        }),
      })),
    }, (click) => {
      if (click.seriesId) ctx.store.setFilter('method_class', click.seriesId)
    })
    view.setDrill('Filter by method', p.classes.map((c) => ({ text: methodLabel(c), title: `Show only ${methodLabel(c)} sign-ins in every panel`, select: () => ctx.store.setFilter('method_class', c) })))
    const last = p.buckets.length - 1
    const passkeyShare = p.classes.filter((c) => c.startsWith('passkey_')).reduce((n, c) => n + (p.get(c, last)?.logins ?? 0), 0) / (totals[last] || 1)
    view.note.textContent = `Latest bucket: passkeys ${fmtPct(passkeyShare)} of ${fmtInt(totals[last] ?? 0)} sign-ins.`
  },
}
