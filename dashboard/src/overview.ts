// The overview: the top row of cards and the grid of panels the role may see, all loaded for the view
// state's period and filters. Panels load independently: a slow or failing one never blanks the others.
import { queryString, type Params } from './api.js'
import type { Session } from './auth.js'
import { Cards } from './cards.js'
import { el } from './dom.js'
import type { FilterBar } from './filters.js'
import { Panel, type PanelContext } from './panel.js'
import { overviewPanels } from './panels/index.js'
import { apiRange, describeRange, rangeOf } from './period.js'
import type { Store, ViewState } from './state.js'

/** The API parameters of a view state: period and every set filter (series add their bucket). */
export function apiParams(s: ViewState, range = rangeOf(s)): Params {
  return { from: range.from, to: range.to, ...s.filters }
}

export class Overview {
  readonly element: HTMLElement
  private readonly panels: Panel<unknown>[]
  private readonly cards: Cards
  private readonly periodText = el('span', { id: 'period-text' })
  private readonly updated = el('span', { id: 'updated-at' })

  constructor(private readonly session: Session, private readonly store: Store, filters: FilterBar) {
    this.panels = overviewPanels(filters)
      .filter((d) => !d.roles || d.roles.includes(session.role))
      .map((d) => new Panel(d))
    this.cards = new Cards(session)
    // The period line says what the API actually answered for (it counts whole days), and what it compares with.
    this.cards.onSummary = (s) => {
      this.periodText.textContent = `${describeRange(apiRange(s))} · compared with ${describeRange(apiRange(s.previous))}`
    }
    this.element = el('div', { class: 'overview' },
      el('div', { class: 'period-line' }, this.periodText, this.updated),
      this.cards.element,
      el('div', { class: 'grid' }, ...this.panels.map((p) => p.element)))
    this.element.addEventListener('panel-retry', (e) => {
      // A retry reloads one panel without cancelling the others' requests.
      const panel = this.panels.find((p) => p.element === e.target)
      const state = this.store.state
      const range = rangeOf(state)
      void panel?.refresh({
        session, state, range, params: apiParams(state, range), store,
        json: <T>(path: string, params: Params) => session.api.json<T>(path, params),
      })
    })
  }

  private cycle: AbortController | null = null

  /** The context of one refresh: its requests are shared between panels and cancelled by the next refresh. */
  private context(): Omit<PanelContext, 'signal'> {
    this.cycle?.abort()
    const cycle = new AbortController()
    this.cycle = cycle
    const state = this.store.state
    const range = rangeOf(state)
    const memo = new Map<string, Promise<unknown>>()
    const json = <T>(path: string, params: Params): Promise<T> => {
      const key = `${path}${queryString(params)}`
      if (!memo.has(key)) memo.set(key, this.session.api.json<T>(path, params, cycle.signal))
      return memo.get(key) as Promise<T>
    }
    return { session: this.session, state, range, params: apiParams(state, range), store: this.store, json }
  }

  refresh(): void {
    const ctx = this.context()
    this.periodText.textContent = describeRange(ctx.range)
    this.updated.textContent = `Updated ${new Date().toLocaleTimeString()}`
    this.cards.refresh(ctx)
    for (const p of this.panels) void p.refresh(ctx)
  }

  retheme(): void {
    for (const p of this.panels) p.retheme()
  }

  destroy(): void {
    this.cycle?.abort()
    this.cards.destroy()
    for (const p of this.panels) p.destroy()
    this.element.remove()
  }
}
