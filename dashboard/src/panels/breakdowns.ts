// Breakdown panels: method mix by product, authenticator providers, phishing attempts blocked.
import { categoryAxis, tipRow, valueAxis } from '../charts.js'
import { tableOf } from '../csv.js'
import { EP } from '../endpoints.js'
import { escapeHtml, fmtBucket, fmtInt, fmtPct } from '../format.js'
import type { FilterBar } from '../filters.js'
import { ratioValue, type Ratio } from '../kpi.js'
import type { PanelDef } from '../panel.js'
import { bucketStarts } from '../period.js'
import type { Bucket } from '../state.js'
import { methodColor, methodLabel, methodOrder, SERIES } from '../palette.js'

export interface ProductMixRow { product: string; method_class: string; logins: number }
export interface ProductMixData { rows: ProductMixRow[] }

export function mixByProductPanel(filters: FilterBar): PanelDef<ProductMixData> {
  return {
    id: 'mix-by-product',
    title: 'Method mix by product',
    help: 'Share of successful interactive sign-ins per method in each product. Click a product to filter every panel by it.',
    load: (ctx) => ctx.session.api.json<ProductMixData>(EP.methodMixByProduct, ctx.params, ctx.signal),
    isEmpty: (d) => d.rows.length === 0,
    csv: (d) => tableOf(d.rows as unknown as Record<string, unknown>[], ['product', 'method_class', 'logins']),
    render(view, d, ctx) {
      filters.learn('product', d.rows.map((r) => r.product))
      const totals = new Map<string, number>()
      for (const r of d.rows) totals.set(r.product, (totals.get(r.product) ?? 0) + r.logins)
      const products = [...totals.keys()].sort((a, b) => (totals.get(a) ?? 0) - (totals.get(b) ?? 0))
      const classes = [...new Set(d.rows.map((r) => r.method_class))].sort(methodOrder)
      const cell = new Map(d.rows.map((r) => [`${r.product}\u0000${r.method_class}`, r.logins]))
      const get = (p: string, c: string) => cell.get(`${p}\u0000${c}`) ?? 0
      view.setChart({
        tooltip: {
          trigger: 'axis',
          axisPointer: { type: 'shadow' },
          formatter: (items: { dataIndex: number }[]) => {
            const p = products[items[0]?.dataIndex ?? 0]
            if (p === undefined) return ''
            const total = totals.get(p) ?? 0
            return `<div class="tip-title">${escapeHtml(p || '(none)')}</div>`
              + classes.filter((c) => get(p, c) > 0).map((c) => tipRow(methodColor(c), escapeHtml(methodLabel(c)), `${fmtPct(get(p, c) / total)} · ${fmtInt(get(p, c))}`)).join('')
              + `<div class="tip-foot">of ${fmtInt(total)} successful interactive sign-ins</div>`
          },
        },
        legend: { type: 'scroll', bottom: 0, data: classes.map(methodLabel) },
        grid: { left: 8, right: 16, top: 28, bottom: 40, containLabel: true },
        yAxis: categoryAxis(products.map((p) => p || '(none)'), { triggerEvent: true }),
        xAxis: valueAxis({ max: 100, axisLabel: { formatter: '{value} %' } }),
        series: classes.map((c) => ({
          name: methodLabel(c), id: c, type: 'bar', stack: 'mix', barWidth: '60%',
          itemStyle: { color: methodColor(c) },
          emphasis: { focus: 'series' },
          data: products.map((p) => Math.round((get(p, c) / (totals.get(p) || 1)) * 10000) / 100),
        })),
      }, (click) => {
        const product = click.componentType === 'yAxis' ? products[(click as unknown as { dataIndex?: number }).dataIndex ?? -1] ?? (click as unknown as { value?: string }).value
          : click.dataIndex !== undefined ? products[click.dataIndex] : undefined
        if (product !== undefined) ctx.store.setFilter('product', product === '(none)' ? '' : product)
      })
      view.setDrill('Filter by product', products.slice().reverse().map((p) => ({ text: p || '(none)', title: `Show only ${p || '(none)'} in every panel`, select: () => ctx.store.setFilter('product', p) })))
    },
  }
}

export interface AuthenticatorRow { authenticator: string; method_class: string; logins: number; share: Ratio }
export interface AuthenticatorData { passkey_logins: number; rows: AuthenticatorRow[] }

export const authenticatorsPanel: PanelDef<AuthenticatorData> = {
  id: 'authenticators',
  title: 'Authenticator providers',
  help: 'Successful passkey sign-ins by the provider named by the credential\'s AAGUID, split by passkey type.',
  load: (ctx) => ctx.session.api.json<AuthenticatorData>(EP.authenticators, ctx.params, ctx.signal),
  isEmpty: (d) => d.rows.length === 0,
  csv: (d) => ({
    columns: ['authenticator', 'method_class', 'logins', 'share_of_passkey_logins'],
    rows: d.rows.map((r) => [r.authenticator, r.method_class, r.logins, ratioValue(r.share)]),
  }),
  render(view, d) {
    const name = (a: string) => a || '(not named by the log)'
    const totals = new Map<string, number>()
    for (const r of d.rows) totals.set(name(r.authenticator), (totals.get(name(r.authenticator)) ?? 0) + r.logins)
    const providers = [...totals.keys()].sort((a, b) => (totals.get(a) ?? 0) - (totals.get(b) ?? 0)).slice(-12)
    const classes = [...new Set(d.rows.map((r) => r.method_class))].sort(methodOrder)
    const get = (p: string, c: string) => d.rows.filter((r) => name(r.authenticator) === p && r.method_class === c).reduce((n, r) => n + r.logins, 0)
    view.setChart({
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (items: { dataIndex: number }[]) => {
          const p = providers[items[0]?.dataIndex ?? 0]
          if (p === undefined) return ''
          const total = totals.get(p) ?? 0
          return `<div class="tip-title">${escapeHtml(p)}</div>`
            + classes.filter((c) => get(p, c) > 0).map((c) => tipRow(methodColor(c), escapeHtml(methodLabel(c)), fmtInt(get(p, c)))).join('')
            + `<div class="tip-foot">${fmtInt(total)} = ${fmtPct(total / (d.passkey_logins || 1))} of ${fmtInt(d.passkey_logins)} successful passkey sign-ins</div>`
        },
      },
      legend: { bottom: 0, data: classes.map(methodLabel) },
      grid: { left: 8, right: 24, top: 28, bottom: 40, containLabel: true },
      yAxis: categoryAxis(providers, { axisLabel: { width: 160, overflow: 'truncate' } }),
      xAxis: valueAxis({ name: 'sign-ins', nameLocation: 'end', nameTextStyle: { align: 'right', verticalAlign: 'top', padding: [24, 0, 0, 0] } }),
      series: classes.map((c) => ({
        name: methodLabel(c), type: 'bar', stack: 'a', itemStyle: { color: methodColor(c) },
        data: providers.map((p) => get(p, c)),
      })),
    })
    view.note.textContent = `${fmtInt(d.passkey_logins)} successful passkey sign-ins in the period.`
  },
}

export interface PhishingData {
  from: string
  to: string
  bucket?: string
  total: number
  series: { bucket: string; blocked: number }[]
  by_product: { product: string; blocked: number }[]
  series_by_product?: { bucket: string; product: string; blocked: number }[]
}

/** Every bucket of the period, those without an attempt as zeros, so the bars sit on a real time axis. */
function phishingSeries(d: PhishingData, bucket: Bucket): { bucket: string; blocked: number }[] {
  const got = new Map(d.series.map((p) => [p.bucket, p.blocked]))
  const series = bucketStarts(d.from, d.to, bucket).map((b) => ({ bucket: b, blocked: got.get(b) ?? 0 }))
  for (const p of d.series) if (!series.some((x) => x.bucket === p.bucket)) series.push(p)
  return series.sort((a, b) => a.bucket.localeCompare(b.bucket))
}

export const phishingPanel: PanelDef<PhishingData> = {
  id: 'phishing',
  title: 'Phishing attempts blocked',
  help: 'Sign-ins refused because a passkey would not answer a look-alike domain. Counted, not priced.',
  load: (ctx) => ctx.session.api.json<PhishingData>(EP.phishing, { ...ctx.params, bucket: ctx.state.bucket }, ctx.signal),
  // No attempt in the period is a real, reassuring answer, not missing data: shown as a zero.
  isEmpty: () => false,
  csv: (d) => {
    const byBucket = new Map<string, string>()
    for (const r of d.series_by_product ?? []) byBucket.set(r.bucket, `${byBucket.get(r.bucket) ? `${byBucket.get(r.bucket)}; ` : ''}${r.product || '(none)'} ${r.blocked}`)
    return { columns: ['bucket', 'blocked', 'by_product'], rows: phishingSeries(d, (d.bucket ?? 'day') as Bucket).map((p) => [p.bucket, p.blocked, byBucket.get(p.bucket) ?? '']) }
  },
  render(view, d, ctx) {
    const bucket = (d.bucket ?? ctx.state.bucket) as Bucket
    const series = phishingSeries(d, bucket)
    const labels = series.map((p) => fmtBucket(p.bucket, bucket))
    const byBucket = new Map<string, { product: string; blocked: number }[]>()
    for (const r of d.series_by_product ?? []) byBucket.set(r.bucket, [...(byBucket.get(r.bucket) ?? []), r])
    view.setChart({
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (items: { dataIndex: number }[]) => {
          const p = series[items[0]?.dataIndex ?? 0]
          if (!p) return ''
          const parts = (byBucket.get(p.bucket) ?? []).sort((a, b) => b.blocked - a.blocked)
          return `<div class="tip-title">${escapeHtml(labels[items[0]?.dataIndex ?? 0] ?? '')}</div>`
            + tipRow(SERIES.tertiary, 'Blocked', fmtInt(p.blocked))
            + parts.map((r) => tipRow('transparent', escapeHtml(r.product || '(none)'), fmtInt(r.blocked))).join('')
            + `<div class="tip-foot">${fmtInt(d.total)} in the whole period</div>`
        },
      },
      legend: { show: false },
      xAxis: categoryAxis(labels),
      yAxis: valueAxis({ minInterval: 1, name: 'attempts', nameTextStyle: { align: 'left' } }),
      series: [{ name: 'Blocked', type: 'bar', barMaxWidth: 24, itemStyle: { color: SERIES.tertiary }, data: series.map((p) => p.blocked) }],
    })
    const top = d.by_product.slice(0, 3).map((r) => `${r.product || '(none)'} ${fmtInt(r.blocked)}`).join(', ')
    view.note.textContent = d.total === 0 ? 'No phishing attempt was blocked in this period.' : `${fmtInt(d.total)} blocked in the period${top ? `; most in ${top}` : ''}.`
  },
}
