// Table panels: privileged users not covered (security only, SPEC §3 KPI 8) and the latest alerts (SPEC §4).
import { canSeePeople } from '../auth.js'
import { tableOf } from '../csv.js'
import { el } from '../dom.js'
import { EP } from '../endpoints.js'
import { fmtInt } from '../format.js'
import { ratioText, type Ratio } from '../kpi.js'
import type { FilterBar } from '../filters.js'
import type { PanelDef } from '../panel.js'
import { flatten, userTable, type UserRow } from '../users.js'

export interface PrivilegedData {
  coverage: { phishing_resistant_coverage: Ratio; device_bound_coverage: Ratio } | null
  total: number
  users: UserRow[]
}

export const privilegedPanel = (filters: FilterBar): PanelDef<PrivilegedData> => ({
  id: 'privileged-not-covered',
  title: 'Privileged users not covered',
  help: 'Privileged people who signed in at least once with a phishable method in the period (security role only).',
  roles: ['admin', 'security'],
  wide: false,
  async load(ctx) {
    const { api } = ctx.session
    const [list, coverage] = await Promise.all([
      api.json<{ total: number; users: Record<string, unknown>[] }>(EP.privilegedNotCovered, { ...ctx.params, limit: 200 }, ctx.signal),
      api.json<PrivilegedData['coverage']>(EP.privilegedCoverage, ctx.params, ctx.signal),
    ])
    return { coverage, total: list.total, users: list.users.map(flatten) }
  },
  // An empty list is good news when there are privileged users; without any, there is nothing to say.
  isEmpty: (d) => d.users.length === 0 && (d.coverage?.phishing_resistant_coverage.denominator ?? 0) === 0,
  csv: (d) => tableOf(d.users),
  render(view, d) {
    filters.learn('department', d.users.map((u) => String(u.department ?? '')))
    const summary = d.coverage
      ? el('p', { class: 'muted small' }, `Phishing-resistant coverage ${ratioText(d.coverage.phishing_resistant_coverage)}; device-bound coverage ${ratioText(d.coverage.device_bound_coverage)}.`)
      : null
    view.setContent(el('div', {}, summary ?? '',
      d.users.length ? userTable(d.users) : el('p', { class: 'good-news' }, 'Every privileged user signed in only with phishing-resistant methods in this period.')))
    view.note.textContent = d.total ? `${fmtInt(d.total)} privileged users not covered${d.total > d.users.length ? ` (the ${fmtInt(d.users.length)} with most phishable sign-ins shown)` : ''}.` : ''
  },
})

export interface Alert {
  id: string
  rule: string
  severity: string
  subject: { kind: string; id: string }
  title: string
  first_seen: string
  last_seen: string
  count: number
  state: string
}
export interface AlertsData { redacted?: boolean; alerts: Alert[] }

const when = (iso: string): string => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })

export const alertsPanel: PanelDef<AlertsData> = {
  id: 'alerts',
  title: 'Latest alerts',
  help: 'The most recent alerts of the period, newest first. Security can acknowledge or resolve them here.',
  load: (ctx) => ctx.session.api.json<AlertsData>(EP.alerts, { from: ctx.range.from, to: ctx.range.to, limit: 20 }, ctx.signal),
  isEmpty: () => false,
  csv: (d) => ({
    columns: ['id', 'rule', 'severity', 'subject_kind', 'subject', 'title', 'first_seen', 'last_seen', 'count', 'state'],
    rows: d.alerts.map((a) => [a.id, a.rule, a.severity, a.subject.kind, a.subject.id, a.title, a.first_seen, a.last_seen, a.count, a.state]),
  }),
  render(view, d, ctx) {
    if (d.alerts.length === 0) {
      view.setContent(el('p', { class: 'good-news' }, 'No alerts in this period.'))
      return
    }
    const responder = canSeePeople(ctx.session.role)
    const rows = d.alerts.map((a) => {
      const stack = el('div', { class: 'action-stack' })
      const actions = el('td', {}, stack)
      if (responder && a.state !== 'resolved') {
        for (const [verb, label] of [['acknowledge', 'Acknowledge'], ['resolve', 'Resolve']] as const) {
          if (verb === 'acknowledge' && a.state === 'acknowledged') continue
          const b = el('button', { type: 'button', class: 'small', 'aria-label': `${label}: ${a.title}` }, label)
          b.addEventListener('click', () => {
            b.disabled = true
            ctx.session.api.send<Alert>('POST', `${EP.alerts}/${encodeURIComponent(a.id)}/${verb}`, {})
              .then((updated) => {
                a.state = updated.state
                alertsPanel.render(view, d, ctx)
              })
              .catch((err: Error) => {
                b.disabled = false
                view.note.textContent = err.message
              })
          })
          stack.append(b)
        }
      }
      return el('tr', {},
        el('td', {}, when(a.last_seen)),
        el('td', { class: 'wrap' }, el('span', { class: `badge ${a.severity}` }, a.severity), ' ', a.title, a.count > 1 ? el('span', { class: 'muted' }, ` ×${a.count}`) : ''),
        el('td', {}, el('span', { class: `badge ${a.state}` }, a.state)),
        responder ? actions : null)
    })
    view.setContent(el('div', { class: 'table-wrap' }, el('table', { class: 'alerts' },
      el('thead', {}, el('tr', {}, ...['Last seen', 'Alert', 'State', ...(responder ? ['Actions'] : [])].map((h) => el('th', { scope: 'col', class: `col-${h.toLowerCase().replace(' ', '-')}` }, h)))),
      el('tbody', {}, ...rows))))
    view.note.textContent = d.redacted ? 'Alerts that name people are shown to security only.' : `${fmtInt(d.alerts.length)} most recent alerts.`
  },
}
