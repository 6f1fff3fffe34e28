// Fallbacks (SPEC §3 KPI 7): successful sign-ins that were not phishing-resistant by people who have a
// passkey. The rate's denominator is every successful sign-in of passkey holders in that slice.
//  - OS × browser heatmap, by product, and by OS and by browser: all from one GET /api/v1/kpis/fallbacks
//    (its `os_browser` pairs; GET /api/v1/kpis/fallbacks/os-browser where an API lacks them).
// Clicking a product filters every panel; security can open the people behind an OS, browser or cell.
import { canSeePeople } from '../auth.js'
import { categoryAxis, currentTheme, furniture, valueAxis } from '../charts.js'
import { EP } from '../endpoints.js'
import { escapeHtml, fmtInt, fmtPct } from '../format.js'
import type { FilterBar } from '../filters.js'
import { ratioText, ratioValue, type Ratio } from '../kpi.js'
import type { PanelDef } from '../panel.js'
import { HEAT_DARK, HEAT_LIGHT, SERIES } from '../palette.js'
import { openUserList } from '../users.js'

export interface FallbackCounts { fallback_rate: Ratio; after_failure: Ratio }
export interface BreakdownRow extends FallbackCounts { value: string }
export interface FallbackData extends FallbackCounts {
  by: { product: BreakdownRow[]; os: BreakdownRow[]; browser: BreakdownRow[]; device_type: BreakdownRow[] }
  os_browser?: MatrixRow[]
}
export interface MatrixRow extends FallbackCounts { os: string; browser: string }
export interface MatrixData { rows: MatrixRow[] }

const show = (v: string): string => v || '(unknown)'
const FOOT = '<div class="tip-foot">denominator: successful sign-ins of people who have a passkey</div>'

const loadFallbacks = (ctx: Parameters<PanelDef<FallbackData>['load']>[0]) =>
  ctx.json<FallbackData>(EP.fallbacks, { ...ctx.params, bucket: 'month' })

const breakdownCsv = (rows: BreakdownRow[], key: string) => ({
  columns: [key, 'fallbacks', 'sign_ins_by_passkey_holders', 'fallback_rate', 'fallbacks_after_failure'],
  rows: rows.map((r) => [r.value, r.fallback_rate.numerator, r.fallback_rate.denominator, ratioValue(r.fallback_rate), r.after_failure.numerator]),
})

function breakdownTip(r: BreakdownRow | undefined, hint: string): string {
  if (!r) return ''
  return `<div class="tip-title">${escapeHtml(show(r.value))}</div>`
    + `<div>fallback rate <b>${escapeHtml(ratioText(r.fallback_rate))}</b></div>`
    + `<div>right after a failed passkey attempt <b>${fmtInt(r.after_failure.numerator)}</b></div>${FOOT}`
    + (hint ? `<div class="tip-foot">${hint}</div>` : '')
}

export function fallbackHeatmapPanel(): PanelDef<MatrixData> {
  return {
    id: 'fallbacks-os-browser',
    title: 'Fallbacks by OS × browser',
    help: 'Fallback rate per platform: phishable sign-ins by people who have a passkey ÷ all their successful sign-ins there.',
    // /kpis/fallbacks carries the pairs too (one query for three panels); older APIs only had the dedicated route.
    async load(ctx) {
      const all = await loadFallbacks(ctx)
      if (all.os_browser) return { rows: all.os_browser }
      return ctx.session.api.json<MatrixData>(EP.fallbacksOsBrowser, ctx.params, ctx.signal)
    },
    isEmpty: (d) => !d.rows.some((r) => r.fallback_rate.denominator > 0),
    csv: (d) => ({
      columns: ['os', 'browser', 'fallbacks', 'sign_ins_by_passkey_holders', 'fallback_rate', 'fallbacks_after_failure'],
      rows: d.rows.map((r) => [r.os, r.browser, r.fallback_rate.numerator, r.fallback_rate.denominator, ratioValue(r.fallback_rate), r.after_failure.numerator]),
    }),
    render(view, d, ctx) {
      const rows = d.rows.filter((r) => r.fallback_rate.denominator > 0)
      const byWeight = (key: 'os' | 'browser') => {
        const m = new Map<string, number>()
        for (const r of rows) m.set(r[key], (m.get(r[key]) ?? 0) + r.fallback_rate.denominator)
        return [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k).slice(0, 10)
      }
      const oses = byWeight('os')
      const browsers = byWeight('browser')
      const cells = rows.filter((r) => oses.includes(r.os) && browsers.includes(r.browser))
      const max = Math.max(0.05, ...cells.map((r) => ratioValue(r.fallback_rate) ?? 0))
      const people = canSeePeople(ctx.session.role)
      const dark = currentTheme() === 'dark'
      view.setChart({
        tooltip: {
          formatter: (p: { value: number[] }) => {
            const r = cells[p.value[3] ?? -1]
            if (!r) return ''
            return `<div class="tip-title">${escapeHtml(show(r.os))} · ${escapeHtml(show(r.browser))}</div>`
              + `<div>fallback rate <b>${escapeHtml(ratioText(r.fallback_rate))}</b></div>`
              + `<div>right after a failed passkey attempt <b>${fmtInt(r.after_failure.numerator)}</b></div>${FOOT}`
              + (people ? '<div class="tip-foot">click to list the people</div>' : '')
          },
        },
        legend: { show: false },
        grid: { left: 8, right: 16, top: 28, bottom: 56, containLabel: true },
        xAxis: categoryAxis(browsers.map(show), { axisLabel: { interval: 0, rotate: browsers.length > 5 ? 30 : 0, color: furniture().muted } }),
        yAxis: categoryAxis(oses.map(show), { axisLabel: { interval: 0, color: furniture().muted } }),
        visualMap: {
          min: 0, max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 140, itemWidth: 12, dimension: 2,
          text: [fmtPct(max), '0 %'], textStyle: { color: furniture().muted },
          inRange: { color: dark ? HEAT_DARK : HEAT_LIGHT },
        },
        series: [{
          type: 'heatmap',
          name: 'Fallback rate',
          label: { show: true, formatter: (p: { value: number[] }) => fmtPct(p.value[2]).replace(' ', ''), fontSize: 10 },
          itemStyle: { borderColor: furniture().bg, borderWidth: 2 },
          // Label colour follows the cell's shade so every number stays readable (dark theme: high = light).
          data: cells.map((r, i) => {
            const v = ratioValue(r.fallback_rate) ?? 0
            const strong = v / max > 0.55
            const light = dark ? strong : !strong
            return { value: [browsers.indexOf(r.browser), oses.indexOf(r.os), v, i], label: { color: light ? '#1f2633' : '#ffffff' } }
          }),
        }],
      }, (click) => {
        const r = cells[(click.value as number[] | undefined)?.[3] ?? -1]
        if (r && people) void openUserList(ctx, { title: `People falling back on ${show(r.os)} · ${show(r.browser)}`, os: r.os, browser: r.browser })
      })
      const worst = [...cells].sort((a, b) => b.fallback_rate.numerator - a.fallback_rate.numerator)[0]
      if (worst) view.note.textContent = `Most fallbacks: ${show(worst.os)} · ${show(worst.browser)}, ${ratioText(worst.fallback_rate)}.${people ? ' Click a cell to see who.' : ''}`
    },
  }
}

export function fallbackByProductPanel(filters: FilterBar): PanelDef<FallbackData> {
  return {
    id: 'fallbacks-by-product',
    title: 'Fallbacks by product',
    help: 'Fallback rate per product; the inner bar is the part right after a failed passkey attempt. Click a product to filter every panel.',
    load: loadFallbacks,
    isEmpty: (d) => !d.by.product.some((r) => r.fallback_rate.denominator > 0),
    csv: (d) => breakdownCsv(d.by.product, 'product'),
    render(view, d, ctx) {
      filters.learn('product', d.by.product.map((r) => r.value))
      const rows = d.by.product.filter((r) => r.fallback_rate.denominator > 0)
        .sort((a, b) => (ratioValue(a.fallback_rate) ?? 0) - (ratioValue(b.fallback_rate) ?? 0))
      view.setChart({
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (items: { dataIndex: number }[]) => breakdownTip(rows[items[0]?.dataIndex ?? 0], 'click to filter by this product') },
        legend: { bottom: 0, data: ['Fallback rate', 'After a failed passkey attempt'] },
        grid: { left: 8, right: 64, top: 28, bottom: 36, containLabel: true },
        yAxis: categoryAxis(rows.map((r) => show(r.value)), { triggerEvent: true }),
        xAxis: valueAxis({ axisLabel: { formatter: (v: number) => `${Math.round(v * 100)} %` } }),
        series: [
          {
            name: 'Fallback rate', type: 'bar', barWidth: '60%', itemStyle: { color: SERIES.bad },
            label: { show: true, position: 'right', fontSize: 11, formatter: (p: { value: number }) => fmtPct(p.value) },
            data: rows.map((r) => ratioValue(r.fallback_rate) ?? 0),
          },
          {
            name: 'After a failed passkey attempt', type: 'bar', barGap: '-100%', barWidth: '25%', itemStyle: { color: SERIES.secondary },
            data: rows.map((r) => (r.fallback_rate.denominator ? r.after_failure.numerator / r.fallback_rate.denominator : 0)),
          },
        ],
      }, (click) => {
        const r = click.dataIndex !== undefined ? rows[click.dataIndex] : undefined
        if (r) ctx.store.setFilter('product', r.value)
      })
      view.setDrill('Filter by product', rows.slice().reverse().map((r) => ({ text: show(r.value), title: `Show only ${show(r.value)} in every panel`, select: () => ctx.store.setFilter('product', r.value) })))
      view.note.textContent = `All products: ${ratioText(d.fallback_rate)}; ${fmtInt(d.after_failure.numerator)} right after a failed passkey attempt.`
    },
  }
}

export function fallbackByPlatformPanel(): PanelDef<FallbackData> {
  return {
    id: 'fallbacks-by-platform',
    title: 'Fallbacks by OS and by browser',
    help: 'Fallback rate per operating system (left) and per browser (right).',
    load: loadFallbacks,
    isEmpty: (d) => !d.by.os.some((r) => r.fallback_rate.denominator > 0),
    csv: (d) => ({
      columns: ['dimension', 'value', 'fallbacks', 'sign_ins_by_passkey_holders', 'fallback_rate', 'fallbacks_after_failure'],
      rows: [...d.by.os.map((r) => ['os', r] as const), ...d.by.browser.map((r) => ['browser', r] as const), ...d.by.device_type.map((r) => ['device_type', r] as const)]
        .map(([k, r]) => [k, r.value, r.fallback_rate.numerator, r.fallback_rate.denominator, ratioValue(r.fallback_rate), r.after_failure.numerator]),
    }),
    render(view, d, ctx) {
      const people = canSeePeople(ctx.session.role)
      const top = (rows: BreakdownRow[]) => rows.filter((r) => r.fallback_rate.denominator > 0)
        .sort((a, b) => b.fallback_rate.denominator - a.fallback_rate.denominator).slice(0, 8)
        .sort((a, b) => (ratioValue(a.fallback_rate) ?? 0) - (ratioValue(b.fallback_rate) ?? 0))
      const os = top(d.by.os)
      const browser = top(d.by.browser)
      const hint = people ? 'click to list the people' : ''
      const bar = (rows: BreakdownRow[], i: number, name: string) => ({
        name, type: 'bar', xAxisIndex: i, yAxisIndex: i, barWidth: '60%', itemStyle: { color: SERIES.bad },
        label: { show: true, position: 'right', fontSize: 10, formatter: (p: { value: number }) => fmtPct(p.value) },
        data: rows.map((r) => ratioValue(r.fallback_rate) ?? 0),
      })
      // Side by side where there is room, one above the other on a phone.
      const narrow = view.width() < 560
      view.setChart({
        tooltip: {
          trigger: 'axis', axisPointer: { type: 'shadow' },
          formatter: (items: { dataIndex: number; seriesIndex: number }[]) => breakdownTip((items[0]?.seriesIndex === 1 ? browser : os)[items[0]?.dataIndex ?? 0], hint),
        },
        legend: { show: false },
        grid: narrow
          ? [{ left: 8, right: 56, top: 28, height: '38%', containLabel: true }, { left: 8, right: 56, bottom: 8, height: '38%', containLabel: true }]
          : [{ left: 8, width: '36%', top: 28, bottom: 8, containLabel: true }, { right: 48, width: '36%', top: 28, bottom: 8, containLabel: true }],
        yAxis: [categoryAxis(os.map((r) => show(r.value)), { gridIndex: 0 }), categoryAxis(browser.map((r) => show(r.value)), { gridIndex: 1 })],
        xAxis: [0, 1].map((i) => valueAxis({ gridIndex: i, splitNumber: 2, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)} %` } })),
        series: [bar(os, 0, 'By OS'), bar(browser, 1, 'By browser')],
      }, (click) => {
        if (!people || click.dataIndex === undefined) return
        const r = (click.seriesName === 'By browser' ? browser : os)[click.dataIndex]
        if (!r) return
        void openUserList(ctx, click.seriesName === 'By browser'
          ? { title: `People falling back in ${show(r.value)}`, browser: r.value }
          : { title: `People falling back on ${show(r.value)}`, os: r.value })
      }, { height: narrow ? 520 : 320 })
      if (people) {
        view.setDrill('Who falls back on', [...os.slice().reverse().map((r) => ({ text: show(r.value), title: `People who fell back on ${show(r.value)}`, select: () => void openUserList(ctx, { title: `People falling back on ${show(r.value)}`, os: r.value }) })),
          ...browser.slice().reverse().map((r) => ({ text: show(r.value), title: `People who fell back in ${show(r.value)}`, select: () => void openUserList(ctx, { title: `People falling back in ${show(r.value)}`, browser: r.value }) }))])
      }
      const mobile = d.by.device_type.find((r) => r.value === 'mobile')
      const desktop = d.by.device_type.find((r) => r.value === 'desktop')
      view.note.textContent = [desktop && `desktop ${ratioText(desktop.fallback_rate)}`, mobile && `mobile ${ratioText(mobile.fallback_rate)}`].filter(Boolean).join('; ')
        + (people ? '. Click a bar to see who.' : '')
    },
  }
}
