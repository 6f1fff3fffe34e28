// Dedupe and cooldown per (rule, subject, window): the first match of a (tenant, rule, subject) opens
// an alert and a window as long as the rule's cooldown; every further match inside the window adds to
// that alert (count, last seen, evidence) instead of making a new one. Only an opened alert is
// notified, so a user falling back 50 times in an hour is one notification of an alert that ends
// with count 50. Windows start at the event's own time, so a replay groups events the same way.
import { createHash } from 'node:crypto'
import type { Alert, AlertMatch } from './types.js'

/** Evidence kept per alert: the first ones (what opened it) and the latest ones. */
export const EVIDENCE_FIRST = 10
export const EVIDENCE_LAST = 10

export function alertId(m: Pick<AlertMatch, 'tenant' | 'rule' | 'subject_kind' | 'subject'>, windowStart: number): string {
  return createHash('sha256').update(`${m.tenant}\u0000${m.rule}\u0000${m.subject_kind}\u0000${m.subject}\u0000${windowStart}`).digest('hex').slice(0, 32)
}

function addEvidence(list: string[], ids: readonly string[]): string[] {
  const next = [...list]
  for (const id of ids) {
    if (next.includes(id)) continue
    if (next.length >= EVIDENCE_FIRST + EVIDENCE_LAST) next.splice(EVIDENCE_FIRST, 1)
    next.push(id)
  }
  return next
}

/** Booleans stay true once any match said so (e.g. "after failure"); other details keep the first match's. */
function mergeDetails(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a }
  for (const [k, v] of Object.entries(b)) if (v === true && out[k] !== true) out[k] = true
  return out
}

export interface Recorded {
  alert: Alert
  /** A new alert (to notify), not an update of an open one. */
  opened: boolean
}

export class AlertWindows {
  private readonly open = new Map<string, Alert>()

  constructor(private readonly maxOpen = 100_000) {}

  get size(): number {
    return this.open.size
  }

  private key(m: Pick<AlertMatch, 'tenant' | 'rule' | 'subject_kind' | 'subject'>): string {
    return `${m.tenant}\u0000${m.rule}\u0000${m.subject_kind}\u0000${m.subject}`
  }

  /** Adds a match; `silenced` is asked only when a new alert opens. */
  record(m: AlertMatch, cooldownMs: number, now: number, silenced: () => boolean): Recorded {
    const key = this.key(m)
    const cur = this.open.get(key)
    // A late event up to one cooldown before the open window still belongs to it.
    if (cur && m.at < cur.window_end && m.at >= cur.first_seen - cooldownMs) {
      const alert: Alert = {
        ...cur,
        first_seen: Math.min(cur.first_seen, m.at),
        last_seen: Math.max(cur.last_seen, m.at),
        count: cur.count + 1,
        evidence: m.restate ? m.evidence.slice(0, EVIDENCE_FIRST + EVIDENCE_LAST) : addEvidence(cur.evidence, m.evidence),
        details: m.restate ? m.details : mergeDetails(cur.details, m.details),
        title: m.restate ? m.title : cur.title,
      }
      this.open.set(key, alert)
      return { alert, opened: false }
    }
    const alert: Alert = {
      alert_id: alertId(m, m.at), tenant: m.tenant, rule: m.rule, severity: m.severity, subject_kind: m.subject_kind, subject: m.subject,
      title: m.title, first_seen: m.at, last_seen: m.at, window_end: m.at + cooldownMs, count: 1,
      evidence: addEvidence([], m.evidence), details: m.details, silenced: silenced(), created_at: now,
    }
    // A very late event opens its own alert but does not displace the current window.
    if (!cur || m.at >= cur.window_end) this.put(key, alert, now)
    return { alert, opened: true }
  }

  /** Windows still open after a restart (read back from the store), so the cooldown survives it. */
  restore(alerts: readonly Alert[], now: number): void {
    for (const a of alerts) {
      if (a.window_end <= now) continue
      const key = this.key(a)
      const cur = this.open.get(key)
      if (!cur || cur.window_end < a.window_end) this.put(key, a, now)
    }
  }

  private put(key: string, alert: Alert, now: number): void {
    this.open.delete(key)
    this.open.set(key, alert)
    if (this.open.size <= this.maxOpen) return
    for (const [k, a] of this.open) if (a.window_end <= now) this.open.delete(k)
    // Still full of live windows: drop the oldest (its subject may alert again before its cooldown ends).
    while (this.open.size > this.maxOpen) {
      const oldest = this.open.keys().next().value
      if (oldest === undefined) break
      this.open.delete(oldest)
    }
  }
}
