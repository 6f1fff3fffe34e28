// A panel: a titled box that loads its data from the API and shows exactly one of loading, empty, error (with
// the API's message), "not available yet" (the endpoint answered 404), or the chart/table. It offers PNG and
// CSV of what it shows. The element's data-state says which, for people using assistive tech and for tests.
import type { Params } from './api.js'
import { ApiError } from './api.js'
import type { Role, Session } from './auth.js'
import { baseOption, createChart, furniture, type ECharts, type Option } from './charts.js'
import { saveCsv, type CsvTable } from './csv.js'
import { el } from './dom.js'
import type { Range } from './period.js'
import type { Store, ViewState } from './state.js'

export interface PanelContext {
  session: Session
  state: ViewState
  range: Range
  /** from, to and the filters, ready for the API; series add `bucket` (see `series`). */
  params: Params
  signal: AbortSignal
  store: Store
  /** GET as JSON, shared by the panels of one refresh (two panels reading one endpoint make one request). */
  json<T>(path: string, params: Params): Promise<T>
}

export interface PanelDef<T> {
  id: string
  title: string
  /** One sentence: what the number means (the SPEC definition in plain words). */
  help: string
  /** Roles that see the panel; all when absent. */
  roles?: readonly Role[]
  /** Spans the full width of the grid. */
  wide?: boolean
  load(ctx: PanelContext): Promise<T>
  isEmpty(data: T): boolean
  render(view: PanelView, data: T, ctx: PanelContext): void
  csv(data: T): CsvTable
}

export type PanelState = 'idle' | 'loading' | 'ready' | 'empty' | 'error' | 'unavailable'

/** The body of a panel as the renderer sees it: a chart or a DOM node, plus a footnote. */
export class PanelView {
  private chart: ECharts | null = null
  private lastOption: Option | null = null
  private clickHandler: ((p: ClickParams) => void) | null = null
  private readonly resize = new ResizeObserver(() => this.chart?.resize())

  constructor(readonly body: HTMLElement, readonly note: HTMLElement, private readonly title: string) {}

  /** Shows a chart with the shared options merged in; `onClick` receives ECharts click params. */
  setChart(option: Option, onClick?: (p: ClickParams) => void, opts: { height?: number } = {}): void {
    let host = this.body.querySelector<HTMLElement>(':scope > .chart')
    if (!host || !this.chart) {
      this.clear()
      host = el('div', { class: 'chart' })
      this.body.append(host)
      this.chart = createChart(host)
      this.resize.observe(host)
      this.chart.on('click', (p) => this.clickHandler?.(p as unknown as ClickParams))
    }
    this.clickHandler = onClick ?? null
    host.classList.toggle('clickable', Boolean(onClick))
    const height = opts.height ? `${opts.height}px` : ''
    if (host.style.height !== height) {
      host.style.height = height
      this.chart.resize()
    }
    this.lastOption = { ...baseOption(this.title), ...option }
    this.chart.setOption(this.lastOption, { notMerge: true })
  }

  setContent(node: Node): void {
    this.clear()
    this.body.append(node)
  }

  /** Chart PNG as a data URL (the keyboard-reachable twin of the toolbox button). */
  png(): string | null {
    return this.chart ? this.chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: furniture().bg }) : null
  }

  /**
   * The chart's drill-down targets as buttons under it: what a click on a bar does, reachable by keyboard
   * (and visible, so people learn the chart is clickable).
   */
  setDrill(label: string, items: { text: string; title: string; select(): void }[]): void {
    this.body.querySelector(':scope > .drill')?.remove()
    if (items.length === 0) return
    const group = el('div', { class: 'drill', role: 'group', 'aria-label': label }, el('span', { class: 'muted' }, `${label}:`))
    for (const it of items) {
      const b = el('button', { type: 'button', class: 'link', title: it.title }, it.text)
      b.addEventListener('click', () => it.select())
      group.append(b)
    }
    this.body.append(group)
  }

  /** Width available to the chart, for layouts that change on a phone. */
  width(): number {
    return this.body.clientWidth || this.body.parentElement?.clientWidth || 0
  }

  hasChart(): boolean {
    return this.chart !== null
  }

  /** Theme changed: charts are rebuilt from their last option. */
  retheme(): void {
    if (!this.chart || !this.lastOption) return
    const option = this.lastOption
    const onClick = this.clickHandler ?? undefined
    this.clear()
    this.setChart(option, onClick)
  }

  clear(): void {
    if (this.chart) {
      this.resize.disconnect()
      this.chart.dispose()
      this.chart = null
    }
    this.lastOption = null
    this.body.replaceChildren()
  }
}

export interface ClickParams {
  componentType: string
  seriesType?: string
  seriesName?: string
  seriesId?: string
  name?: string
  dataIndex?: number
  value?: unknown
  data?: unknown
}

export class Panel<T> {
  readonly element: HTMLElement
  private readonly view: PanelView
  private readonly stateBox: HTMLElement
  private readonly csvButton: HTMLButtonElement
  private readonly pngButton: HTMLButtonElement
  private data: T | null = null
  private controller: AbortController | null = null
  state: PanelState = 'idle'

  constructor(readonly def: PanelDef<T>) {
    const titleId = `panel-${def.id}-title`
    this.csvButton = el('button', { type: 'button', class: 'small', title: 'Download the data of this panel as CSV', disabled: true }, 'CSV')
    this.pngButton = el('button', { type: 'button', class: 'small', title: 'Download this chart as PNG', disabled: true }, 'PNG')
    this.stateBox = el('div', { class: 'panel-state', role: 'status', 'aria-live': 'polite' })
    const body = el('div', { class: 'panel-body' })
    const note = el('p', { class: 'panel-note' })
    this.element = el('section', { class: `panel${def.wide ? ' wide' : ''}`, id: `panel-${def.id}`, 'aria-labelledby': titleId, 'data-panel': def.id },
      el('header', { class: 'panel-head' },
        el('div', {},
          el('h2', { id: titleId }, def.title),
          el('p', { class: 'panel-help' }, def.help)),
        el('div', { class: 'panel-actions' }, this.pngButton, this.csvButton)),
      this.stateBox, body, note)
    this.view = new PanelView(body, note, def.title)
    this.csvButton.addEventListener('click', () => {
      if (this.data !== null) saveCsv(this.def.csv(this.data), `passkey-pulse-${this.def.id}.csv`)
    })
    this.pngButton.addEventListener('click', () => {
      const url = this.view.png()
      if (!url) return
      const a = el('a', { href: url, download: `passkey-pulse-${this.def.id}.png` })
      document.body.append(a)
      a.click()
      a.remove()
    })
    this.setState('idle')
  }

  private setState(s: PanelState, message = ''): void {
    this.state = s
    this.element.dataset.state = s
    this.element.setAttribute('aria-busy', String(s === 'loading'))
    this.stateBox.replaceChildren()
    this.stateBox.className = `panel-state ${s}`
    if (s === 'loading' && !this.view.hasChart()) this.stateBox.append(el('div', { class: 'skeleton' }), el('span', { class: 'sr-only' }, 'Loading…'))
    if (s === 'loading' && this.view.hasChart()) this.stateBox.append(el('span', { class: 'refreshing' }, 'Updating…'))
    if (s === 'empty') this.stateBox.append(el('p', {}, 'No data for this period and these filters.'))
    if (s === 'unavailable') this.stateBox.append(el('p', {}, el('strong', {}, 'Not available yet. '), message))
    if (s === 'error') {
      const retry = el('button', { type: 'button', class: 'small' }, 'Retry')
      retry.addEventListener('click', () => this.element.dispatchEvent(new CustomEvent('panel-retry', { bubbles: true })))
      this.stateBox.append(el('p', { class: 'error-text' }, message), retry)
    }
    const hasData = s === 'ready' || (s === 'loading' && this.data !== null)
    this.csvButton.disabled = !hasData
    this.pngButton.disabled = !hasData || !this.view.hasChart()
    this.view.body.hidden = !(s === 'ready' || (s === 'loading' && this.view.hasChart()))
  }

  async refresh(ctx: Omit<PanelContext, 'signal'>): Promise<void> {
    this.controller?.abort()
    const controller = new AbortController()
    this.controller = controller
    this.setState('loading')
    try {
      const data = await this.def.load({ ...ctx, signal: controller.signal })
      if (controller.signal.aborted) return
      this.data = data
      if (this.def.isEmpty(data)) {
        this.element.dataset.rows = '0'
        this.view.clear()
        this.setState('empty')
        return
      }
      this.view.note.textContent = ''
      this.def.render(this.view, data, { ...ctx, signal: controller.signal })
      // How many rows the panel's CSV holds: what it shows, counted (also read by the end-to-end tests).
      this.element.dataset.rows = String(this.def.csv(data).rows.length)
      this.setState('ready')
    } catch (err) {
      if (controller.signal.aborted || (err as Error).name === 'AbortError') return
      this.data = null
      this.view.clear()
      if (err instanceof ApiError && err.notAvailable) this.setState('unavailable', `This service does not offer GET ${err.path} (it answered 404).`)
      else this.setState('error', err instanceof ApiError ? err.message : `This panel failed: ${(err as Error).message}`)
    }
  }

  retheme(): void {
    this.view.retheme()
  }

  destroy(): void {
    this.controller?.abort()
    this.view.clear()
    this.element.remove()
  }
}
