// The shapes every alert module shares: a rule's finding (a match) and the stored alert it becomes.

export const RULE_NAMES = [
  'password_fallback', 'privileged_phishable_login', 'fallback_rate_spike', 'passkey_failure_spike',
  'deprecated_credential', 'privileged_synced_passkey',
] as const
export type RuleName = (typeof RULE_NAMES)[number]

/** Rules that judge one event as it is stored; the others run on a schedule against ClickHouse. */
export const EVENT_RULES = ['password_fallback', 'privileged_phishable_login', 'deprecated_credential', 'privileged_synced_passkey'] as const
export const RATE_RULES = ['fallback_rate_spike', 'passkey_failure_spike'] as const
export type EventRuleName = (typeof EVENT_RULES)[number]
export type RateRuleName = (typeof RATE_RULES)[number]

export const SEVERITIES = ['low', 'medium', 'high'] as const
export type Severity = (typeof SEVERITIES)[number]

/** What an alert is about: a person (identifying), a product and OS pair, or the whole tenant. */
export const SUBJECT_KINDS = ['user', 'product_os', 'tenant'] as const
export type SubjectKind = (typeof SUBJECT_KINDS)[number]

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const
export type AlertState = (typeof ALERT_STATES)[number]

/** One finding of a rule: an event that matched, or a rate over a window that crossed a threshold. */
export interface AlertMatch {
  tenant: string
  rule: RuleName
  severity: Severity
  subject_kind: SubjectKind
  subject: string
  title: string
  /** When it happened: the event's time, or the end of the rate window (epoch ms). */
  at: number
  /** Event ids backing the finding (one for an event rule, a sample for a rate rule). */
  evidence: string[]
  details: Record<string, unknown>
  /** Rate rules restate the current numbers on each evaluation instead of adding to them. */
  restate?: boolean
}

/**
 * A stored alert: every match of one (rule, subject) within one cooldown window, counted. Times are
 * epoch ms in memory and DateTime64(3) in ClickHouse.
 */
export interface Alert {
  alert_id: string
  tenant: string
  rule: RuleName
  severity: Severity
  subject_kind: SubjectKind
  subject: string
  title: string
  first_seen: number
  last_seen: number
  /** The window (opened by the first match, as long as the rule's cooldown) ends here. */
  window_end: number
  count: number
  evidence: string[]
  details: Record<string, unknown>
  /** Opened during the rule's quiet hours: stored, not notified. */
  silenced: boolean
  created_at: number
}
