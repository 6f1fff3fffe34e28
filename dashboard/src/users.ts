// The people behind a number, for admin and security only (the API refuses everyone else): a modal list
// with its own CSV. Opened from a fallback heatmap cell or the privileged panel.
import { ApiError, type Params } from './api.js'
import { saveCsv, tableOf } from './csv.js'
import { el } from './dom.js'
import { EP } from './endpoints.js'
import type { PanelContext } from './panel.js'

export type UserRow = Record<string, string | number | null>

export interface UserListRequest {
  title: string
  /** Default: the fallback users. */
  path?: string
  /** Narrow to people who fell back on this OS and/or browser. */
  os?: string
  browser?: string
  params?: Params
}

export function userTable(rows: UserRow[], columns?: string[]): HTMLElement {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const numeric = new Set(cols.filter((c) => rows.every((r) => r[c] === null || typeof r[c] === 'number')))
  return el('div', { class: 'table-wrap' },
    el('table', {},
      el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { scope: 'col', class: numeric.has(c) ? 'num' : null }, c.replace(/_/g, ' '))))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...cols.map((c) => el('td', { class: numeric.has(c) ? 'num' : null }, r[c] === null || r[c] === undefined ? '' : String(r[c]))))))))
}

interface Platform { os: string; browser: string; logins: number }

/** A list row as shown: arrays of platforms or methods as readable text. */
export function flatten(r: Record<string, unknown>): UserRow {
  const out: UserRow = {}
  for (const [k, v] of Object.entries(r)) {
    if (Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'object' && x ? Object.values(x as Record<string, unknown>).join(' · ') : String(x))).join(', ')
    else out[k] = v as string | number | null
  }
  return out
}

export async function openUserList(ctx: PanelContext, req: UserListRequest): Promise<void> {
  const body = el('div', { role: 'status' }, 'Loading…')
  const close = el('button', { type: 'button', class: 'small' }, 'Close')
  const csv = el('button', { type: 'button', class: 'small', disabled: true }, 'CSV')
  const dialog = el('dialog', { class: 'user-list', 'aria-labelledby': 'user-list-title' },
    el('header', {}, el('h2', { id: 'user-list-title' }, req.title), el('div', { class: 'panel-actions' }, csv, close)),
    body)
  close.addEventListener('click', () => dialog.close())
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
  try {
    const res = await ctx.session.api.json<{ total?: number; users: (Record<string, unknown> & { platforms?: Platform[] })[] }>(
      req.path ?? EP.fallbackUsers, { ...ctx.params, limit: 1000, ...req.params })
    // The API lists people with the platforms of their fallbacks; keep those who fell back on the chosen one,
    // with their fallbacks there.
    const narrowed = req.os === undefined && req.browser === undefined ? res.users : res.users.flatMap((u) => {
      const here = (u.platforms ?? []).filter((p) => (req.os === undefined || p.os === req.os) && (req.browser === undefined || p.browser === req.browser))
      if (here.length === 0) return []
      return [{ ...u, fallbacks_here: here.reduce((n, p) => n + p.logins, 0) }]
    }).sort((a, b) => (b.fallbacks_here as number) - (a.fallbacks_here as number))
    const rows = narrowed.map(flatten)
    body.replaceChildren(
      rows.length ? userTable(rows) : el('p', { class: 'muted' }, 'No one for this selection.'),
      el('p', { class: 'muted small' }, `${rows.length} people${res.total !== undefined && res.total > res.users.length ? ` (from the ${res.users.length} with most fallbacks of ${res.total})` : ''}.`))
    body.removeAttribute('role')
    csv.disabled = rows.length === 0
    csv.addEventListener('click', () => saveCsv(tableOf(rows), 'passkey-pulse-users.csv'))
  } catch (err) {
    body.replaceChildren(el('p', { class: 'error-text' }, err instanceof ApiError ? err.message : (err as Error).message))
  }
}
