// ECharts, tree-shaken: only the charts and components the panels use are registered. Shared pieces of
// chart options (toolbox, tooltip, axes) live here so every panel looks and exports the same way.
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts'
import {
  AriaComponent, DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, ToolboxComponent,
  TooltipComponent, VisualMapComponent,
} from 'echarts/components'
import * as echarts from 'echarts/core'
import { LabelLayout } from 'echarts/features'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([
  LineChart, BarChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, ToolboxComponent,
  DataZoomComponent, VisualMapComponent, MarkLineComponent, AriaComponent, LabelLayout, CanvasRenderer,
])

export { echarts }
export type ECharts = echarts.ECharts
export type Option = echarts.EChartsCoreOption

export type Theme = 'light' | 'dark'

export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light'
}

/** Colours of chart furniture per theme (series colours never change with the theme). */
export function furniture(theme: Theme = currentTheme()): { text: string; muted: string; line: string; bg: string; tooltipBg: string } {
  return theme === 'dark'
    ? { text: '#e6e9ef', muted: '#a3abbb', line: '#384152', bg: '#1b2230', tooltipBg: '#0f141d' }
    : { text: '#1f2633', muted: '#5a6475', line: '#dde2ea', bg: '#ffffff', tooltipBg: '#ffffff' }
}

export function createChart(el: HTMLElement): ECharts {
  const chart = echarts.init(el, currentTheme() === 'dark' ? 'dark' : undefined, { renderer: 'canvas' })
  return chart
}

/** Options every chart shares: transparent background, themed text, PNG export in the toolbox, aria. */
export function baseOption(title: string): Option {
  const f = furniture()
  return {
    backgroundColor: 'transparent',
    textStyle: { color: f.text, fontFamily: 'inherit' },
    aria: { enabled: true, label: { description: title } },
    animationDuration: 300,
    toolbox: {
      right: 4,
      top: 0,
      itemSize: 14,
      iconStyle: { borderColor: f.muted },
      feature: {
        saveAsImage: { title: 'Save as PNG', name: title.replace(/[^\w-]+/g, '_').toLowerCase(), pixelRatio: 2, backgroundColor: f.bg },
      },
    },
    tooltip: {
      confine: true,
      backgroundColor: f.tooltipBg,
      borderColor: f.line,
      textStyle: { color: f.text, fontSize: 12 },
      extraCssText: 'max-width: 360px; white-space: normal;',
    },
    legend: { type: 'scroll', bottom: 0, textStyle: { color: f.text }, pageTextStyle: { color: f.muted }, pageIconColor: f.muted },
    grid: { left: 8, right: 16, top: 32, bottom: 40, containLabel: true },
  }
}

export function categoryAxis(data: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const f = furniture()
  return {
    type: 'category', data,
    axisLine: { lineStyle: { color: f.line } },
    axisLabel: { color: f.muted, hideOverlap: true },
    axisTick: { show: false },
    ...extra,
  }
}

export function valueAxis(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const f = furniture()
  return {
    type: 'value',
    axisLabel: { color: f.muted },
    splitLine: { lineStyle: { color: f.line } },
    ...extra,
  }
}

/** A row of a tooltip: colour dot, name, value text. */
export function tipRow(color: string, name: string, value: string): string {
  return `<div class="tip-row"><span class="tip-dot" style="background:${color}"></span><span class="tip-name">${name}</span><b>${value}</b></div>`
}
