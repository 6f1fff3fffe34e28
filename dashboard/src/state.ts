// What is on screen, as a value that lives in the URL's query string: a view can be shared by its address,
// and back/forward walk through filter changes (history.pushState + popstate).

export const VIEWS = ['overview', 'roi'] as const
export type View = (typeof VIEWS)[number]
export const PRESETS = ['24h', '7d', '30d', '90d', '365d', 'custom'] as const
export type Preset = (typeof PRESETS)[number]
export const BUCKETS = ['hour', 'day', 'week', 'month'] as const
export type Bucket = (typeof BUCKETS)[number]

/** Filters sent to the API as they are (SPEC §3 filters), plus the drill-down ones. */
export const FILTER_KEYS = ['product', 'department', 'user_type', 'privileged', 'source', 'method_class'] as const
export type FilterKey = (typeof FILTER_KEYS)[number]

/** ROI assumptions overridden for this view (sent to the API, which recomputes): a scenario can be shared too. */
export const ASSUMPTION_KEYS = [
  'cost_per_ticket_low', 'cost_per_ticket_mid', 'cost_per_ticket_high', 'hourly_cost', 'password_seconds_low', 'password_seconds_mid',
  'password_seconds_high', 'passkey_seconds', 'baseline_from', 'baseline_to', 'default_reset_rate', 'passkey_primary_threshold',
] as const
export type AssumptionKey = (typeof ASSUMPTION_KEYS)[number]

export interface ViewState {
  view: View
  period: Preset
  /** Custom period, YYYY-MM-DD, both inclusive (only when period = custom). */
  from: string
  to: string
  bucket: Bucket
  filters: Partial<Record<FilterKey, string>>
  assume: Partial<Record<AssumptionKey, string>>
  /** Auto-refresh every N seconds; 0 = off (the default). */
  refresh: number
}

export const DEFAULT_STATE: ViewState = { view: 'overview', period: '30d', from: '', to: '', bucket: 'day', filters: {}, assume: {}, refresh: 0 }
export const REFRESH_CHOICES = [0, 30, 60, 300, 900] as const

const DATE = /^\d{4}-\d{2}-\d{2}$/

const oneOf = <T extends string>(list: readonly T[], v: string | null, fallback: T): T =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : fallback

export function parseState(search: string): ViewState {
  const q = new URLSearchParams(search)
  const filters: ViewState['filters'] = {}
  for (const k of FILTER_KEYS) {
    const v = q.get(k)
    if (v) filters[k] = v.slice(0, 200)
  }
  const assume: ViewState['assume'] = {}
  for (const k of ASSUMPTION_KEYS) {
    const v = q.get(k)
    if (v) assume[k] = v.slice(0, 40)
  }
  const from = q.get('from') ?? ''
  const to = q.get('to') ?? ''
  const custom = DATE.test(from) && DATE.test(to) && from <= to
  const refresh = Number(q.get('refresh') ?? 0)
  return {
    view: oneOf(VIEWS, q.get('view'), DEFAULT_STATE.view),
    period: custom && q.get('period') === 'custom' ? 'custom' : oneOf(PRESETS.filter((p) => p !== 'custom'), q.get('period'), DEFAULT_STATE.period),
    from: custom ? from : '',
    to: custom ? to : '',
    bucket: oneOf(BUCKETS, q.get('bucket'), DEFAULT_STATE.bucket),
    filters,
    assume,
    refresh: (REFRESH_CHOICES as readonly number[]).includes(refresh) ? refresh : 0,
  }
}

export function stateToSearch(s: ViewState): string {
  const q = new URLSearchParams()
  if (s.view !== DEFAULT_STATE.view) q.set('view', s.view)
  if (s.period !== DEFAULT_STATE.period) q.set('period', s.period)
  if (s.period === 'custom') {
    q.set('from', s.from)
    q.set('to', s.to)
  }
  if (s.bucket !== DEFAULT_STATE.bucket) q.set('bucket', s.bucket)
  for (const k of FILTER_KEYS) {
    const v = s.filters[k]
    if (v) q.set(k, v)
  }
  for (const k of ASSUMPTION_KEYS) {
    const v = s.assume[k]
    if (v) q.set(k, v)
  }
  if (s.refresh) q.set('refresh', String(s.refresh))
  const str = q.toString()
  return str ? `?${str}` : ''
}

type Listener = (s: ViewState) => void

/** The one holder of the view state; every change goes through `update` and lands in the URL. */
export class Store {
  private listeners: Listener[] = []
  private readonly onPop = (): void => {
    this.state = parseState(window.location.search)
    this.emit()
  }
  state: ViewState

  constructor() {
    this.state = parseState(window.location.search)
    window.addEventListener('popstate', this.onPop)
  }

  /** Stops following the URL (sign-out): listeners of a closed session must not wake up. */
  dispose(): void {
    window.removeEventListener('popstate', this.onPop)
    this.listeners = []
  }

  subscribe(fn: Listener): void {
    this.listeners.push(fn)
  }

  update(patch: Partial<ViewState>, opts: { replace?: boolean } = {}): void {
    const next: ViewState = { ...this.state, ...patch, filters: { ...(patch.filters ?? this.state.filters) }, assume: { ...(patch.assume ?? this.state.assume) } }
    for (const k of FILTER_KEYS) if (!next.filters[k]) delete next.filters[k]
    for (const k of ASSUMPTION_KEYS) if (!next.assume[k]) delete next.assume[k]
    const search = stateToSearch(next)
    if (search === stateToSearch(this.state) && !opts.replace) return
    this.state = next
    const url = `${window.location.pathname}${search}`
    if (opts.replace) history.replaceState(null, '', url)
    else history.pushState(null, '', url)
    this.emit()
  }

  setFilter(key: FilterKey, value: string | undefined): void {
    this.update({ filters: { ...this.state.filters, [key]: value } })
  }

  private emit(): void {
    for (const fn of this.listeners) fn(this.state)
  }
}
