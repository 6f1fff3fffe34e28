// The top row: six headline numbers from GET /api/v1/summary (one request), each with its change against
// the previous period of equal length. Ratios show their numerator and denominator; savings show low–high.
import { ApiError } from './api.js'
import type { Session } from './auth.js'
import { el } from './dom.js'
import { EP } from './endpoints.js'
import { fmtInt, fmtNum, fmtPct, fmtUsd } from './format.js'
import { ratioValue, type Ratio } from './kpi.js'
import type { PanelContext } from './panel.js'

interface RatioCard { current: Ratio; previous: Ratio; change: number | null }
interface Range { low: number; mid: number; high: number }
export interface Summary {
  from: string
  to: string
  previous: { from: string; to: string }
  passkey_share: RatioCard
  enrollment_rate: RatioCard
  fallback_rate: RatioCard
  privileged_coverage: RatioCard
  tickets_avoided: { current: number; previous: number }
  total_savings_usd: { current: Range; previous: Range }
}

interface CardSpec {
  id: string
  title: string
  /** Which way is better: up (share, coverage, savings) or down (fallbacks). */
  better: 'up' | 'down'
  read(s: Summary): { value: number | null; text: string; sub: string; delta: number | null; deltaText: string }
}

const pp = (d: number | null): string => (d === null ? 'nothing to compare with in the previous period' : `${d >= 0 ? '+' : '−'}${fmtNum(Math.abs(d) * 100)} pts`)
const rel = (now: number, before: number): { delta: number | null; text: string } => {
  if (!before) return { delta: null, text: now === 0 ? 'none in the previous period either' : 'nothing to compare with in the previous period' }
  const d = (now - before) / Math.abs(before)
  return { delta: d, text: `${d >= 0 ? '+' : '−'}${fmtNum(Math.abs(d) * 100)} %` }
}

const ratioCard = (id: keyof Pick<Summary, 'passkey_share' | 'enrollment_rate' | 'fallback_rate' | 'privileged_coverage'>, title: string, better: 'up' | 'down', unit: string): CardSpec => ({
  id, title, better,
  read: (s) => {
    const c = s[id]
    return {
      value: ratioValue(c.current),
      text: fmtPct(ratioValue(c.current)),
      sub: `${fmtInt(c.current.numerator)} of ${fmtInt(c.current.denominator)} ${unit}`,
      delta: c.change,
      deltaText: pp(c.change),
    }
  },
})

export const CARDS: CardSpec[] = [
  ratioCard('passkey_share', 'Passkey sign-in share', 'up', 'sign-ins'),
  ratioCard('enrollment_rate', 'Enrollment rate', 'up', 'active users'),
  ratioCard('fallback_rate', 'Fallback rate', 'down', 'sign-ins of passkey holders'),
  ratioCard('privileged_coverage', 'Privileged coverage', 'up', 'privileged users'),
  {
    id: 'tickets_avoided', title: 'Reset tickets avoided', better: 'up',
    read: (s) => {
      const r = rel(s.tickets_avoided.current, s.tickets_avoided.previous)
      return { value: s.tickets_avoided.current, text: fmtInt(s.tickets_avoided.current), sub: 'modelled: baseline rate × passkey-primary users', delta: r.delta, deltaText: r.text }
    },
  },
  {
    id: 'total_savings_usd', title: 'Total savings (mid)', better: 'up',
    read: (s) => {
      const c = s.total_savings_usd.current
      const r = rel(c.mid, s.total_savings_usd.previous.mid)
      return { value: c.mid, text: fmtUsd(c.mid), sub: `range ${fmtUsd(c.low)} – ${fmtUsd(c.high)}`, delta: r.delta, deltaText: r.text }
    },
  },
]

export class Cards {
  readonly element = el('section', { class: 'cards', 'aria-label': 'Headline numbers' })
  private readonly cards = new Map<string, HTMLElement>()
  private controller: AbortController | null = null
  /** The last answer, with the period the API actually used. */
  summary: Summary | null = null
  onSummary: ((s: Summary) => void) | null = null

  constructor(private readonly session: Session) {
    for (const c of CARDS) {
      const card = el('article', { class: 'card', 'data-card': c.id, 'data-state': 'idle', 'aria-labelledby': `card-${c.id}` },
        el('h2', { id: `card-${c.id}` }, c.title), el('div', { class: 'value' }, '…'), el('div', { class: 'sub' }), el('div', { class: 'delta flat' }))
      this.cards.set(c.id, card)
      this.element.append(card)
    }
  }

  private set(id: string, state: string, value: string, sub: string, delta: string, tone: string, raw?: number | null): void {
    const card = this.cards.get(id)!
    card.dataset.state = state
    if (raw !== undefined && raw !== null) card.dataset.value = String(raw)
    else delete card.dataset.value
    card.querySelector('.value')!.textContent = value
    card.querySelector('.sub')!.textContent = sub
    const d = card.querySelector<HTMLElement>('.delta')!
    d.textContent = delta
    d.className = `delta ${tone}`
  }

  refresh(ctx: Omit<PanelContext, 'signal'>): void {
    this.controller?.abort()
    const controller = new AbortController()
    this.controller = controller
    for (const c of CARDS) {
      const card = this.cards.get(c.id)!
      card.dataset.state = 'loading'
      card.setAttribute('aria-busy', 'true')
    }
    this.session.api.json<Summary>(EP.summary, ctx.params, controller.signal).then((s) => {
      if (controller.signal.aborted) return
      this.summary = s
      for (const c of CARDS) {
        const r = c.read(s)
        const tone = r.delta === null || Math.abs(r.delta) < 0.0005 ? 'flat' : (r.delta > 0) === (c.better === 'up') ? 'good' : 'bad'
        const arrow = r.delta === null || tone === 'flat' ? '' : r.delta > 0 ? '▲ ' : '▼ '
        const delta = r.delta === null ? r.deltaText : `${arrow}${r.deltaText} vs previous period`
        this.set(c.id, 'ready', r.text, r.sub, delta, tone, r.value)
        this.cards.get(c.id)!.setAttribute('aria-busy', 'false')
      }
      this.onSummary?.(s)
    }).catch((err: unknown) => {
      if (controller.signal.aborted || (err as Error).name === 'AbortError') return
      const unavailable = err instanceof ApiError && err.notAvailable
      const msg = unavailable ? 'Not available yet' : err instanceof ApiError ? err.message : (err as Error).message
      for (const c of CARDS) {
        this.set(c.id, unavailable ? 'unavailable' : 'error', msg, unavailable ? `GET ${EP.summary} answered 404` : '', '', 'flat')
        this.cards.get(c.id)!.setAttribute('aria-busy', 'false')
      }
    })
  }

  destroy(): void {
    this.controller?.abort()
    this.element.remove()
  }
}
