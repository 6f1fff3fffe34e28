// The ROI view: the report of GET /api/v1/reports/roi on screen (totals, per month, per product, every
// assumption with whether it was measured or assumed), an assumptions form whose values go to the API as
// overrides (the API recomputes; nothing is computed here), and the report's files (CSV, Parquet, HTML).
import { ApiError, type Params } from './api.js'
import type { Session } from './auth.js'
import { categoryAxis, tipRow, valueAxis } from './charts.js'
import { saveBlob, tableOf } from './csv.js'
import { el } from './dom.js'
import { EP } from './endpoints.js'
import { escapeHtml, fmtBucket, fmtInt, fmtNum, fmtRate, fmtUsd } from './format.js'
import { apiParams } from './overview.js'
import { Panel, type PanelContext, type PanelDef } from './panel.js'
import { apiRange, describeRange, rangeOf } from './period.js'
import { SERIES } from './palette.js'
import { ASSUMPTION_KEYS, type AssumptionKey, type Store } from './state.js'

interface Range { low: number; mid: number; high: number }
export interface RoiFigures {
  active_users: number
  passkey_primary_users: number
  passkey_logins: number
  password_resets: number
  lockouts: number
  months: number
  current_reset_rate: number | null
  baseline_reset_rate: number
  tickets_avoided_modelled: number
  tickets_avoided_observed: number
  time_saved_hours: Range
  time_value_usd: Range
  support_cost_saved_usd: Range
  total_savings_usd: Range
  phishing_attempts_blocked: number
}
export interface AssumptionEntry { name: string; unit: string; low: number | null; mid: number | null; high: number | null; basis: string; note: string }
export interface RoiReport {
  from: string
  to: string
  generated_at: string
  totals: RoiFigures
  by_product: (RoiFigures & { product: string })[]
  by_month: (RoiFigures & { month: string; from: string; to: string })[]
  assumptions: AssumptionEntry[]
}

const FIELDS: { key: AssumptionKey; label: string; step: string; min?: string; max?: string; type?: string }[] = [
  { key: 'cost_per_ticket_low', label: 'Low', step: '1', min: '0' },
  { key: 'cost_per_ticket_mid', label: 'Mid', step: '1', min: '0' },
  { key: 'cost_per_ticket_high', label: 'High', step: '1', min: '0' },
  { key: 'hourly_cost', label: 'Loaded hourly cost (USD)', step: '1', min: '0' },
  { key: 'password_seconds_low', label: 'Low', step: '0.5', min: '0', max: '3600' },
  { key: 'password_seconds_mid', label: 'Mid', step: '0.5', min: '0', max: '3600' },
  { key: 'password_seconds_high', label: 'High', step: '0.5', min: '0', max: '3600' },
  { key: 'passkey_seconds', label: 'Passkey sign-in (seconds)', step: '0.5', min: '0', max: '3600' },
  { key: 'default_reset_rate', label: 'Reset rate without a baseline (tickets per user per month)', step: '0.01', min: '0', max: '100' },
  { key: 'passkey_primary_threshold', label: 'Passkey-primary threshold (share of sign-ins)', step: '0.05', min: '0.05', max: '1' },
  { key: 'baseline_from', label: 'From', step: '', type: 'date' },
  { key: 'baseline_to', label: 'To (exclusive)', step: '', type: 'date' },
]

const BASIS_LABEL: Record<string, string> = { measured: 'measured', default: 'default', tenant: 'tenant setting', request: 'this view' }

function figuresRows(f: RoiFigures): [string, string, string][] {
  const range = (r: Range, fmt: (n: number) => string) => (r.low === r.high ? fmt(r.mid) : `${fmt(r.low)} – ${fmt(r.high)} (mid ${fmt(r.mid)})`)
  return [
    ['Total savings', range(f.total_savings_usd, fmtUsd), 'support cost saved + value of time saved'],
    ['Support cost saved', range(f.support_cost_saved_usd, fmtUsd), 'modelled tickets avoided × cost per ticket'],
    ['Value of time saved', range(f.time_value_usd, fmtUsd), 'hours saved × loaded hourly cost'],
    ['Time saved', range(f.time_saved_hours, (n) => `${fmtInt(n)} h`), 'passkey sign-ins × (password − passkey seconds)'],
    ['Reset tickets avoided (modelled)', fmtNum(f.tickets_avoided_modelled), 'baseline rate × passkey-primary users × months'],
    ['Reset tickets avoided (observed)', fmtNum(f.tickets_avoided_observed), 'max(0, baseline − current rate) × active users × months'],
    ['Reset rate now / baseline', `${fmtRate(f.current_reset_rate)} / ${fmtRate(f.baseline_reset_rate)}`, 'tickets per user per month'],
    ['Active users · passkey-primary', `${fmtInt(f.active_users)} · ${fmtInt(f.passkey_primary_users)}`, `${fmtInt(f.passkey_logins)} passkey sign-ins`],
    ['Resets · lockouts', `${fmtInt(f.password_resets)} · ${fmtInt(f.lockouts)}`, `over ${fmtNum(f.months)} months`],
    ['Phishing attempts blocked', fmtInt(f.phishing_attempts_blocked), 'counted, not priced'],
  ]
}

const table = (head: string[], rows: (string | Node)[][], numeric: number[] = []): HTMLElement =>
  el('div', { class: 'table-wrap' }, el('table', {},
    el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => el('td', { class: numeric.includes(i) ? 'num' : i === r.length - 1 ? 'wrap' : null }, c)))))))

const loadReport = (ctx: PanelContext) => ctx.json<RoiReport>(EP.roi, ctx.params)

const totalsPanel: PanelDef<RoiReport> = {
  id: 'roi-totals',
  title: 'Savings in the period',
  help: 'Low, mid and high cases; every figure is computed by the API from the assumptions listed below.',
  load: loadReport,
  isEmpty: (r) => r.totals.active_users === 0,
  csv: (r) => ({ columns: ['figure', 'value', 'how'], rows: figuresRows(r.totals) }),
  render(view, r) {
    const t = r.totals
    const big = (label: string, value: string, sub: string, id: string) =>
      el('article', { class: 'card', 'data-roi': id, 'data-value': String(id === 'total' ? t.total_savings_usd.mid : id === 'support' ? t.support_cost_saved_usd.mid : t.time_value_usd.mid) },
        el('h2', {}, label), el('div', { class: 'value' }, value), el('div', { class: 'sub' }, sub))
    view.setContent(el('div', {},
      el('div', { class: 'roi-totals' },
        big('Total savings (mid)', fmtUsd(t.total_savings_usd.mid), `low ${fmtUsd(t.total_savings_usd.low)} · high ${fmtUsd(t.total_savings_usd.high)}`, 'total'),
        big('Support cost saved (mid)', fmtUsd(t.support_cost_saved_usd.mid), `${fmtNum(t.tickets_avoided_modelled)} tickets avoided`, 'support'),
        big('Value of time saved (mid)', fmtUsd(t.time_value_usd.mid), `${fmtInt(t.time_saved_hours.mid)} hours`, 'time')),
      table(['Figure', 'Value', 'How'], figuresRows(t))))
  },
}

const monthsPanel: PanelDef<RoiReport> = {
  id: 'roi-by-month',
  title: 'Savings by month',
  help: 'Mid case per month (months cut to the period); the tooltip gives low and high.',
  load: loadReport,
  isEmpty: (r) => r.by_month.length === 0,
  csv: (r) => tableOf(r.by_month.map((m) => ({
    month: m.month, active_users: m.active_users, passkey_primary_users: m.passkey_primary_users, tickets_avoided_modelled: m.tickets_avoided_modelled,
    support_cost_saved_usd_mid: m.support_cost_saved_usd.mid, time_value_usd_mid: m.time_value_usd.mid,
    total_savings_usd_low: m.total_savings_usd.low, total_savings_usd_mid: m.total_savings_usd.mid, total_savings_usd_high: m.total_savings_usd.high,
  }))),
  render(view, r) {
    const months = r.by_month
    view.setChart({
      tooltip: {
        trigger: 'axis', axisPointer: { type: 'shadow' },
        formatter: (items: { dataIndex: number }[]) => {
          const m = months[items[0]?.dataIndex ?? 0]
          if (!m) return ''
          return `<div class="tip-title">${escapeHtml(fmtBucket(`${m.month}-01`, 'month'))}</div>`
            + tipRow(SERIES.primary, 'Support cost saved', fmtUsd(m.support_cost_saved_usd.mid))
            + tipRow(SERIES.good, 'Value of time saved', fmtUsd(m.time_value_usd.mid))
            + tipRow('transparent', 'Total (low – high)', `${fmtUsd(m.total_savings_usd.mid)} (${fmtUsd(m.total_savings_usd.low)} – ${fmtUsd(m.total_savings_usd.high)})`)
            + `<div class="tip-foot">${fmtNum(m.tickets_avoided_modelled)} tickets avoided · ${fmtInt(m.active_users)} active users</div>`
        },
      },
      legend: { bottom: 0, data: ['Support cost saved', 'Value of time saved'] },
      xAxis: categoryAxis(months.map((m) => fmtBucket(`${m.month}-01`, 'month'))),
      yAxis: valueAxis({ axisLabel: { formatter: (v: number) => fmtUsd(v) } }),
      series: [
        { name: 'Support cost saved', type: 'bar', stack: 's', barMaxWidth: 64, itemStyle: { color: SERIES.primary }, data: months.map((m) => m.support_cost_saved_usd.mid) },
        { name: 'Value of time saved', type: 'bar', stack: 's', barMaxWidth: 64, itemStyle: { color: SERIES.good }, data: months.map((m) => m.time_value_usd.mid) },
      ],
    })
  },
}

const productsPanel: PanelDef<RoiReport> = {
  id: 'roi-by-product',
  title: 'Savings by product',
  help: 'The same figures per product (people active in several products count in each).',
  load: loadReport,
  isEmpty: (r) => r.by_product.length === 0,
  csv: (r) => tableOf(r.by_product.map((p) => ({
    product: p.product, active_users: p.active_users, passkey_primary_users: p.passkey_primary_users, passkey_logins: p.passkey_logins,
    tickets_avoided_modelled: p.tickets_avoided_modelled, time_saved_hours_mid: p.time_saved_hours.mid,
    total_savings_usd_low: p.total_savings_usd.low, total_savings_usd_mid: p.total_savings_usd.mid, total_savings_usd_high: p.total_savings_usd.high,
    phishing_attempts_blocked: p.phishing_attempts_blocked,
  }))),
  render(view, r) {
    const rows = [...r.by_product].sort((a, b) => b.total_savings_usd.mid - a.total_savings_usd.mid)
    const money = (r: Range) => el('span', {}, fmtUsd(r.mid), el('br'), el('span', { class: 'muted small' }, `${fmtUsd(r.low)} – ${fmtUsd(r.high)}`))
    view.setContent(table(['Product', 'Active users', 'Passkey-primary', 'Tickets avoided', 'Hours saved', 'Total savings (mid, low – high)', 'Phishing blocked'],
      rows.map((p) => [p.product || '(none)', fmtInt(p.active_users), fmtInt(p.passkey_primary_users), fmtNum(p.tickets_avoided_modelled), fmtInt(p.time_saved_hours.mid),
        money(p.total_savings_usd), fmtInt(p.phishing_attempts_blocked)]),
      [1, 2, 3, 4, 5, 6]))
  },
}

const assumptionsPanel: PanelDef<RoiReport> = {
  id: 'roi-assumptions',
  title: 'Assumptions behind these numbers',
  help: 'Each value with where it came from: measured from your events, a default, a tenant setting, or this view.',
  load: loadReport,
  isEmpty: (r) => r.assumptions.length === 0,
  csv: (r) => tableOf(r.assumptions as unknown as Record<string, unknown>[], ['name', 'unit', 'low', 'mid', 'high', 'basis', 'note']),
  render(view, r) {
    const v = (n: number | null) => (n === null ? '–' : fmtNum(n) === '0' && n !== 0 ? fmtRate(n) : fmtNum(n))
    view.setContent(table(['Assumption', 'Unit', 'Low', 'Mid', 'High', 'Basis', 'Note'], r.assumptions.map((a) => [
      a.name.replace(/_/g, ' '), a.unit, v(a.low), v(a.mid), v(a.high),
      el('span', { class: a.basis === 'measured' ? 'measured' : 'defaulted' }, BASIS_LABEL[a.basis] ?? a.basis), a.note,
    ]), [2, 3, 4]))
  },
}

export class RoiView {
  readonly element: HTMLElement
  private readonly panels: Panel<RoiReport>[]
  private readonly form: HTMLFormElement
  private readonly formError = el('p', { class: 'form-error', role: 'alert' })
  private readonly periodText = el('span', { id: 'roi-period' })
  /** Says when measured values replace the form's login seconds or reset rate. */
  private readonly measuredNote = el('p', { class: 'muted small', 'aria-live': 'polite' })
  private tenantValues: Partial<Record<AssumptionKey, number | string | null>> = {}
  private cycle: AbortController | null = null

  constructor(private readonly session: Session, private readonly store: Store) {
    this.panels = [totalsPanel, monthsPanel, productsPanel, assumptionsPanel].map((d) => new Panel(d))
    this.form = this.buildForm()
    this.element = el('div', { class: 'roi' }, this.form,
      el('div', { class: 'roi-main' }, el('div', { class: 'period-line' }, this.periodText), ...this.panels.map((p) => p.element)))
    this.element.addEventListener('panel-retry', () => this.refresh())
    session.api.json<{ values: Record<AssumptionKey, number | string | null> }>(EP.assumptions).then((s) => {
      this.tenantValues = s.values
      this.fillForm()
    }).catch((err: unknown) => {
      this.formError.textContent = `The tenant's assumptions could not be read: ${(err as Error).message}`
    })
  }

  /** Period, filters and the overrides of this view, as the report's query. */
  private params(): Params {
    return { ...apiParams(this.store.state), ...this.store.state.assume }
  }

  private input(key: AssumptionKey): HTMLInputElement {
    return this.form.querySelector<HTMLInputElement>(`[name="${key}"]`)!
  }

  private fillForm(): void {
    const a = this.store.state.assume
    for (const f of FIELDS) {
      const input = this.input(f.key)
      const tenant = this.tenantValues[f.key]
      const base = tenant === null || tenant === undefined ? '' : f.type === 'date' ? String(tenant).slice(0, 10) : String(tenant)
      input.placeholder = base
      input.value = a[f.key] ?? base
      input.classList.toggle('overridden', a[f.key] !== undefined)
    }
  }

  private buildForm(): HTMLFormElement {
    const field = (key: AssumptionKey) => {
      const f = FIELDS.find((x) => x.key === key)!
      const id = `roi-${key}`
      return el('label', { class: 'field', for: id }, el('span', {}, f.label),
        el('input', { id, name: key, type: f.type ?? 'number', step: f.step || null, min: f.min ?? null, max: f.max ?? null, inputmode: f.type ? null : 'decimal' }))
    }
    const submit = el('button', { type: 'submit', class: 'primary' }, 'Recalculate')
    const reset = el('button', { type: 'button' }, 'Use tenant settings')
    const save = el('button', { type: 'button', title: 'Store these values as the tenant\'s assumptions (admin only)' }, 'Save for tenant')
    const dl = (format: 'csv' | 'parquet' | 'html', label: string) => {
      const b = el('button', { type: 'button', 'data-format': format }, label)
      b.addEventListener('click', () => void this.download(format, b))
      return b
    }
    const form = el('form', { class: 'roi-form', 'aria-labelledby': 'roi-form-title', novalidate: true },
      el('h2', { id: 'roi-form-title' }, 'Assumptions'),
      el('p', { class: 'muted small' }, 'Change a value and recalculate: the API recomputes the report. Empty fields use the tenant\'s settings.'),
      el('fieldset', { class: 'group' }, el('legend', {}, 'Cost per help-desk ticket (USD)'), el('div', { class: 'row' }, field('cost_per_ticket_low'), field('cost_per_ticket_mid'), field('cost_per_ticket_high'))),
      field('hourly_cost'),
      el('fieldset', { class: 'group' }, el('legend', {}, 'Password + 2nd factor sign-in (seconds)'), el('div', { class: 'row' }, field('password_seconds_low'), field('password_seconds_mid'), field('password_seconds_high'))),
      field('passkey_seconds'),
      el('fieldset', { class: 'group' }, el('legend', {}, 'Baseline window (before the rollout)'), el('div', { class: 'row two' }, field('baseline_from'), field('baseline_to'))),
      field('default_reset_rate'),
      field('passkey_primary_threshold'),
      this.measuredNote,
      this.formError,
      el('div', { class: 'actions' }, submit, reset, this.session.role === 'admin' ? save : null),
      el('h2', {}, 'Download the report'),
      el('div', { class: 'actions' }, dl('csv', 'CSV'), dl('parquet', 'Parquet'), dl('html', 'Printable report')))
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      const assume = this.formOverrides()
      if (assume) this.store.update({ assume })
    })
    reset.addEventListener('click', () => this.store.update({ assume: {} }))
    save.addEventListener('click', () => void this.save(save))
    return form
  }

  /** The fields that differ from the tenant's values, validated in the browser for a quick message (the API checks again). */
  private formOverrides(): Partial<Record<AssumptionKey, string>> | null {
    const out: Partial<Record<AssumptionKey, string>> = {}
    for (const f of FIELDS) {
      const input = this.input(f.key)
      const v = input.value.trim()
      if (!v || v === input.placeholder) continue
      if (f.type !== 'date' && !Number.isFinite(Number(v))) {
        this.formError.textContent = `${f.label}: not a number`
        input.focus()
        return null
      }
      out[f.key] = v
    }
    if ((out.baseline_from === undefined) !== (out.baseline_to === undefined) && !(this.tenantValues.baseline_from && this.tenantValues.baseline_to)) {
      this.formError.textContent = 'The baseline window needs both dates.'
      return null
    }
    this.formError.textContent = ''
    return out
  }

  private async save(button: HTMLButtonElement): Promise<void> {
    const assume = this.formOverrides()
    if (!assume) return
    const body: Record<string, number | string | null> = {}
    for (const k of ASSUMPTION_KEYS) {
      const v = assume[k] ?? this.tenantValues[k]
      if (v === undefined || v === null || v === '') continue
      body[k] = k === 'baseline_from' || k === 'baseline_to' ? String(v) : Number(v)
    }
    button.disabled = true
    try {
      const res = await this.session.api.send<{ values: Record<AssumptionKey, number | string | null> }>('PUT', EP.assumptions, body)
      this.tenantValues = res.values
      this.formError.textContent = ''
      // The stored values are now the tenant's: no override left, and the report is asked again.
      if (Object.keys(this.store.state.assume).length > 0) this.store.update({ assume: {} })
      else this.refresh()
    } catch (err) {
      this.formError.textContent = err instanceof ApiError ? err.message : (err as Error).message
    } finally {
      button.disabled = false
    }
  }

  private async download(format: 'csv' | 'parquet' | 'html', button: HTMLButtonElement): Promise<void> {
    button.disabled = true
    try {
      const { blob, filename } = await this.session.api.file(EP.roi, { ...this.params(), format })
      const name = filename ?? `passkey-pulse-roi.${format}`
      if (format === 'html') {
        const url = URL.createObjectURL(new Blob([blob], { type: 'text/html' }))
        // A new tab with the printable page; if a pop-up blocker says no, the file is saved instead.
        if (!window.open(url, '_blank')) saveBlob(blob, name)
        setTimeout(() => URL.revokeObjectURL(url), 60_000)
      } else {
        saveBlob(blob, name)
      }
      this.formError.textContent = ''
    } catch (err) {
      this.formError.textContent = err instanceof ApiError ? err.message : (err as Error).message
    } finally {
      button.disabled = false
    }
  }

  refresh(): void {
    this.cycle?.abort()
    const cycle = new AbortController()
    this.cycle = cycle
    const state = this.store.state
    const range = rangeOf(state)
    const params = this.params()
    const memo = new Map<string, Promise<unknown>>()
    const ctx: Omit<PanelContext, 'signal'> = {
      session: this.session, state, range, params, store: this.store,
      json: <T>(path: string, p: Params) => {
        const key = JSON.stringify([path, p])
        if (!memo.has(key)) memo.set(key, this.session.api.json<T>(path, p, cycle.signal))
        return memo.get(key) as Promise<T>
      },
    }
    this.periodText.textContent = describeRange(range)
    this.fillForm()
    for (const p of this.panels) void p.refresh(ctx)
    void ctx.json<RoiReport>(EP.roi, params).then((r) => {
      const measured = r.assumptions.filter((a) => a.basis === 'measured')
      this.measuredNote.textContent = measured.length
        ? `Measured from your events in this period, and used instead of the values above: ${measured.map((a) => `${a.name.replace(/_/g, ' ')} ${fmtNum(a.mid)} ${a.unit}`).join('; ')}.`
        : ''
      this.periodText.textContent = `Report for ${describeRange(apiRange(r))}, generated ${new Date(r.generated_at).toLocaleString()}`
    }).catch(() => { /* the panels show the error */ })
  }

  retheme(): void {
    for (const p of this.panels) p.retheme()
  }

  destroy(): void {
    this.cycle?.abort()
    for (const p of this.panels) p.destroy()
    this.element.remove()
  }
}
