// What becomes of each raw event. Fates are values that flow through the pipeline (never exceptions),
// so every event is accounted for: stored, ignored (not about authentication) or rejected (dead-lettered).
import type { AuthEvent } from '../schemas/auth-event.js'

/**
 * One step of a login that the vendor logs as several events (SPEC §1 "one login per completed flow"):
 * an Okta MFA verification before `user.session.start`, an Entra per-step record, a start event used
 * for latency. The flow-assembly stage joins steps to the login row with the same flow_id (and tenant)
 * within 5 minutes: steps supply the second factor, passkey details and the start time; the final
 * event supplies the outcome. A step is never a login row itself.
 */
export interface FlowStep {
  flow_id: string
  /** Epoch milliseconds of the step. */
  tsMs: number
  /** What the step tells about the login it belongs to; only the fields it knows. */
  contributes: Partial<Pick<AuthEvent,
    'method' | 'second_factor' | 'passkey_type' | 'authenticator' | 'aaguid' | 'phishing_resistant' |
    'outcome' | 'failure_reason' | 'latency_ms'>>
  /**
   * The row that stands for this step when its flow never completes within the window (e.g. a failed
   * MFA challenge with no session after it), so that nothing is dropped; null when the step alone
   * says nothing worth storing (a successful intermediate challenge).
   */
  standalone: AuthEvent | null
}

/** Where a raw event came from, kept with its dead letter so it can be found and replayed. */
export interface KafkaOrigin {
  topic: string
  partition: number
  offset: string
}

export interface RawEvent {
  /** Parsed JSON, or the undecodable text itself when parsing failed upstream. */
  payload: unknown
  /** A registered source name, or 'auto'. */
  source: string
  /** The tenant the sender is allowed to write for. */
  tenant: string
  /** True when the transport named no tenant (see NormalizeContext.tenantMappable). */
  tenantMappable?: boolean
  origin?: KafkaOrigin
  /** Set when the bytes could not be parsed as JSON: the event is rejected with this reason. */
  parseError?: string
  /**
   * The received text that `payload` was parsed from, whole: kept as the `raw` column as it came (no
   * re-serialisation) when no privacy control has to rewrite it. Absent when the payload is not one message.
   */
  text?: string
}

export const REJECT_CODES = [
  'invalid_json', 'invalid_shape', 'missing_field', 'invalid_value', 'unknown_source', 'unrecognised',
  'too_large', 'invalid_row',
] as const
export type RejectCode = (typeof REJECT_CODES)[number]

/** What a normaliser says about one payload. */
export type NormalizeResult =
  | { kind: 'accepted'; rows: AuthEvent[]; steps?: FlowStep[] }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; code: RejectCode; reason: string }

export interface DeadLetter {
  dead_letter_id: string
  received_at: string
  tenant: string
  source: string
  reason_code: RejectCode
  reason: string
  payload: string
  kafka_topic: string
  kafka_partition: number | null
  kafka_offset: string | null
}

/** What the pipeline decided for one raw event. */
export type EventFate =
  | { kind: 'accepted'; rows: AuthEvent[]; steps?: FlowStep[]; tenant: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; deadLetter: DeadLetter }

export const accepted = (rows: AuthEvent[], steps?: FlowStep[]): NormalizeResult =>
  (steps && steps.length > 0 ? { kind: 'accepted', rows, steps } : { kind: 'accepted', rows })
export const ignored = (reason: string): NormalizeResult => ({ kind: 'ignored', reason })
export const rejected = (code: RejectCode, reason: string): NormalizeResult => ({ kind: 'rejected', code, reason })
