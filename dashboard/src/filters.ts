// The filter bar: period (presets and custom dates), bucket, and the SPEC §3 filters. Every control is a
// native form control (keyboard and screen-reader friendly); a change goes to the Store, hence to the URL.
// Values of product, department and source come from the data the API returned (see `learn`), so the lists
// only offer what exists; the current value is always offered, so a shared link shows what it filters.
import { el, option } from './dom.js'
import { METHOD_CLASSES, methodLabel } from './palette.js'
import { PRESET_LABELS } from './period.js'
import { BUCKETS, FILTER_KEYS, PRESETS, type Bucket, type FilterKey, type Preset, type Store, type ViewState } from './state.js'

const USER_TYPES = ['employee', 'guest', 'external', 'service', 'unmanaged', 'unknown']
const SOURCES = ['okta', 'entra', 'auth0', 'google_workspace', 'keycloak', 'ocsf', 'atlassian', 'duo', 'onelogin', 'pingfederate', 'jumpcloud', 'onepassword', 'native']

export const FILTER_LABELS: Record<FilterKey, string> = {
  product: 'Product', department: 'Department', user_type: 'User type', privileged: 'Privileged', source: 'Source', method_class: 'Method',
}

export function filterValueLabel(key: FilterKey, v: string): string {
  if (key === 'privileged') return v === '1' ? 'privileged only' : 'non-privileged only'
  if (key === 'method_class') return methodLabel(v)
  return v
}

export class FilterBar {
  readonly element: HTMLElement
  private readonly known: Record<'product' | 'department' | 'source' | 'user_type', Set<string>> = {
    product: new Set(), department: new Set(), source: new Set(SOURCES), user_type: new Set(USER_TYPES),
  }
  private readonly chips: HTMLElement
  /** On a phone the fields fold away behind one button (the active filters stay visible as chips). */
  private expanded = !window.matchMedia?.('(max-width: 600px)').matches

  constructor(private readonly store: Store) {
    this.element = el('form', { class: 'filters', 'aria-label': 'Filters', role: 'search' })
    this.element.addEventListener('submit', (e) => e.preventDefault())
    this.chips = el('div', { class: 'chips', 'aria-live': 'polite' })
    this.render(store.state)
    store.subscribe((s) => this.render(s))
  }

  /** Values seen in API answers for a dimension (products in the by-product panel, …). */
  learn(key: keyof FilterBar['known'], values: Iterable<string>): void {
    const set = this.known[key]
    const before = set.size
    for (const v of values) if (v) set.add(v)
    if (set.size !== before) this.render(this.store.state)
  }

  private select(id: string, label: string, values: [string, string][], current: string, onChange: (v: string) => void): HTMLElement {
    const s = el('select', { id, name: id })
    for (const [v, l] of values) s.append(option(v, l, v === current))
    s.addEventListener('change', () => onChange(s.value))
    return el('label', { class: 'field', for: id }, el('span', {}, label), s)
  }

  private render(state: ViewState): void {
    const focused = document.activeElement?.id
    // A re-render while someone types a department keeps what they typed.
    const typing = focused === 'f-department' ? (document.activeElement as HTMLInputElement).value : null
    const st = this.store
    const fields: HTMLElement[] = []
    fields.push(this.select('f-period', 'Period', PRESETS.map((p) => [p, PRESET_LABELS[p]]), state.period, (v) => {
      if (v === 'custom') {
        const to = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
        const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)
        st.update({ period: 'custom', from: state.from || from, to: state.to || to })
      } else st.update({ period: v as Preset, from: '', to: '' })
    }))
    if (state.period === 'custom') {
      const from = el('input', { type: 'date', id: 'f-from', name: 'from', value: state.from, max: state.to })
      const to = el('input', { type: 'date', id: 'f-to', name: 'to', value: state.to, min: state.from })
      const apply = (): void => {
        if (from.value && to.value && from.value <= to.value) st.update({ period: 'custom', from: from.value, to: to.value })
      }
      from.addEventListener('change', apply)
      to.addEventListener('change', apply)
      fields.push(el('label', { class: 'field', for: 'f-from' }, el('span', {}, 'From'), from))
      fields.push(el('label', { class: 'field', for: 'f-to' }, el('span', {}, 'To (inclusive)'), to))
    }
    fields.push(this.select('f-bucket', 'Bucket', BUCKETS.map((b) => [b, b[0]!.toUpperCase() + b.slice(1)]), state.bucket, (v) => st.update({ bucket: v as Bucket })))
    // Department names are the organisation's own: typed (with suggestions from what the API has shown).
    const dept = el('input', { type: 'search', id: 'f-department', name: 'department', list: 'f-department-list', value: typing ?? state.filters.department ?? '', placeholder: 'All', autocomplete: 'off', size: 12 })
    dept.addEventListener('change', () => st.setFilter('department', dept.value.trim() || undefined))
    const dims: ('product' | 'user_type' | 'source')[] = ['product', 'user_type', 'source']
    for (const key of dims) {
      const current = state.filters[key] ?? ''
      const values = [...new Set([...this.known[key], ...(current ? [current] : [])])].sort()
      fields.push(this.select(`f-${key}`, FILTER_LABELS[key], [['', 'All'], ...values.map((v): [string, string] => [v, v])], current, (v) => st.setFilter(key, v || undefined)))
    }
    fields.splice(3, 0, el('label', { class: 'field', for: 'f-department' }, el('span', {}, FILTER_LABELS.department), dept,
      el('datalist', { id: 'f-department-list' }, ...[...this.known.department].sort().map((d) => el('option', { value: d })))))
    fields.push(this.select('f-privileged', 'Privileged', [['', 'All users'], ['1', 'Privileged only'], ['0', 'Non-privileged only']], state.filters.privileged ?? '',
      (v) => st.setFilter('privileged', v || undefined)))
    fields.push(this.select('f-method_class', 'Method', [['', 'All methods'], ...METHOD_CLASSES.filter((m) => m !== 'token').map((m): [string, string] => [m, methodLabel(m)])],
      state.filters.method_class ?? '', (v) => st.setFilter('method_class', v || undefined)))

    this.chips.replaceChildren()
    const active = FILTER_KEYS.filter((k) => state.filters[k])
    for (const k of active) {
      const b = el('button', { type: 'button', class: 'chip', 'aria-label': `Remove filter ${FILTER_LABELS[k]}: ${filterValueLabel(k, state.filters[k]!)}` },
        `${FILTER_LABELS[k]}: ${filterValueLabel(k, state.filters[k]!)}`, el('span', { 'aria-hidden': 'true' }, ' ×'))
      b.addEventListener('click', () => st.setFilter(k, undefined))
      this.chips.append(b)
    }
    if (active.length > 1) {
      const clear = el('button', { type: 'button', class: 'chip clear' }, 'Clear all filters')
      clear.addEventListener('click', () => st.update({ filters: {} }))
      this.chips.append(clear)
    }
    const count = active.length
    const toggle = el('button', { type: 'button', class: 'filters-toggle', 'aria-expanded': String(this.expanded), 'aria-controls': 'filter-fields' },
      this.expanded ? 'Hide filters' : `Filters${count ? ` (${count})` : ''} · ${PRESET_LABELS[state.period]}`)
    toggle.addEventListener('click', () => {
      this.expanded = !this.expanded
      this.render(this.store.state)
      document.querySelector<HTMLElement>('.filters-toggle')?.focus()
    })
    this.element.classList.toggle('collapsed', !this.expanded)
    this.element.replaceChildren(toggle, el('div', { class: 'filter-fields', id: 'filter-fields' }, ...fields), this.chips)
    if (focused) document.getElementById(focused)?.focus()
  }
}
