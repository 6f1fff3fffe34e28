// Who has a passkey, and since when (SPEC §2), known in memory so that judging an event costs no
// ClickHouse round trip.
//
// Design. Per (tenant, user) we keep a handful of timestamps: first and last registration, last
// removal, first and last successful passkey login, last passkey failure. That is enough to answer
// "had a passkey at t" for events arriving in (roughly) time order:
//   - registered and not removed: a registration before t with no removal between it and t;
//   - or a passkey login before t, no older than the look-back (default 180 days).
// Users without any passkey evidence are not held at all, so the state is as large as the passkey
// population, and bounded: least recently active users are evicted beyond `maxUsers` (an evicted user
// is treated as having no passkey until their next passkey event or the next refresh).
//
// Restart. The state is derived data: at start-up it is rebuilt from auth_events with ONE aggregate
// query (registrations and removals of all time, which are rare, plus passkey logins inside the
// look-back window, most recent users first, limited to `maxUsers`); min/max are unaffected by
// not-yet-merged duplicates, so the query needs no FINAL. A periodic refresh re-reads the last hour
// the same way, which brings in what other ingest workers (other Kafka partitions) and backfills stored.
import type { AuthEvent } from '../schemas/auth-event.js'
import type { ClickHouseClient } from '../store/clickhouse.js'
import { formatTimestamp } from '../ingest/time.js'

/** Epoch ms; 0 means never. */
export interface PasskeyEvidence {
  firstRegisteredAt: number
  lastRegisteredAt: number
  lastRemovedAt: number
  firstPasskeyLoginAt: number
  lastPasskeyLoginAt: number
  lastPasskeyFailureAt: number
}

export type EvidenceRow = Pick<AuthEvent, 'tenant' | 'user_id' | 'event_type' | 'outcome' | 'method' | 'failure_reason'>

const DAY = 86_400_000
const NONE: PasskeyEvidence = {
  firstRegisteredAt: 0, lastRegisteredAt: 0, lastRemovedAt: 0, firstPasskeyLoginAt: 0, lastPasskeyLoginAt: 0, lastPasskeyFailureAt: 0,
}

const earliest = (a: number, b: number) => (a === 0 ? b : b === 0 ? a : Math.min(a, b))

/** A login attempt with a passkey that failed (the passkey was tried: the method says so, or the reason). */
export function isPasskeyFailure(r: Pick<AuthEvent, 'event_type' | 'outcome' | 'method' | 'failure_reason'>): boolean {
  return r.event_type === 'login' && r.outcome === 'failure' && (r.method === 'passkey' || r.failure_reason === 'passkey_failed')
}

export function isPasskeyLogin(r: Pick<AuthEvent, 'event_type' | 'outcome' | 'method'>): boolean {
  return r.event_type === 'login' && r.outcome === 'success' && r.method === 'passkey'
}

/** Whether an event says anything about a user's passkeys (only those create state). */
export function isPasskeyEvidence(r: EvidenceRow): boolean {
  return r.event_type === 'passkey_registered' || r.event_type === 'passkey_removed' || isPasskeyLogin(r) || isPasskeyFailure(r)
}

export class PasskeyState {
  /** Insertion order is recency order: a touched user is moved to the end; the first is evicted. */
  private readonly users = new Map<string, PasskeyEvidence>()
  evictions = 0

  constructor(readonly maxUsers = 200_000) {}

  get size(): number {
    return this.users.size
  }

  private key(tenant: string, user: string): string {
    return `${tenant}\u0000${user}`
  }

  get(tenant: string, user: string): PasskeyEvidence | undefined {
    return this.users.get(this.key(tenant, user))
  }

  private touch(key: string): PasskeyEvidence {
    const found = this.users.get(key)
    const e = found ?? { ...NONE }
    if (found) this.users.delete(key)
    this.users.set(key, e)
    if (this.users.size > this.maxUsers) {
      const oldest = this.users.keys().next().value
      if (oldest !== undefined) this.users.delete(oldest)
      this.evictions++
    }
    return e
  }

  /** Learns from one stored event at `at` (epoch ms). Call after judging the event, not before. */
  observe(r: EvidenceRow, at: number): void {
    if (!isPasskeyEvidence(r)) return
    const e = this.touch(this.key(r.tenant, r.user_id))
    if (r.event_type === 'passkey_registered') {
      e.firstRegisteredAt = earliest(e.firstRegisteredAt, at)
      e.lastRegisteredAt = Math.max(e.lastRegisteredAt, at)
    } else if (r.event_type === 'passkey_removed') {
      e.lastRemovedAt = Math.max(e.lastRemovedAt, at)
    } else if (isPasskeyLogin(r)) {
      e.firstPasskeyLoginAt = earliest(e.firstPasskeyLoginAt, at)
      e.lastPasskeyLoginAt = Math.max(e.lastPasskeyLoginAt, at)
    } else {
      e.lastPasskeyFailureAt = Math.max(e.lastPasskeyFailureAt, at)
    }
  }

  /** Merges evidence read from ClickHouse (rebuild or refresh): earliest firsts, latest lasts. */
  merge(tenant: string, user: string, x: PasskeyEvidence): void {
    const e = this.touch(this.key(tenant, user))
    e.firstRegisteredAt = earliest(e.firstRegisteredAt, x.firstRegisteredAt)
    e.lastRegisteredAt = Math.max(e.lastRegisteredAt, x.lastRegisteredAt)
    e.lastRemovedAt = Math.max(e.lastRemovedAt, x.lastRemovedAt)
    e.firstPasskeyLoginAt = earliest(e.firstPasskeyLoginAt, x.firstPasskeyLoginAt)
    e.lastPasskeyLoginAt = Math.max(e.lastPasskeyLoginAt, x.lastPasskeyLoginAt)
    e.lastPasskeyFailureAt = Math.max(e.lastPasskeyFailureAt, x.lastPasskeyFailureAt)
  }

  /**
   * SPEC §2 at time t. Events mostly arrive in time order, so the latest registration / passkey login
   * is the one before t; for a late event (the latest is after t) the earliest stands in for "one
   * before t", which can only err towards "no passkey" (a missed alert, never a false one).
   */
  hasPasskeyAt(tenant: string, user: string, t: number, lookbackMs = 180 * DAY): boolean {
    const e = this.users.get(this.key(tenant, user))
    if (!e) return false
    return registeredAt(e, t) || passkeyLoginWithin(e, t, lookbackMs)
  }

  /** A passkey failure of this user within `windowMs` before (or at) t. */
  passkeyFailureWithin(tenant: string, user: string, t: number, windowMs: number): boolean {
    const f = this.users.get(this.key(tenant, user))?.lastPasskeyFailureAt ?? 0
    return f > 0 && f <= t && t - f <= windowMs
  }
}

function registeredAt(e: PasskeyEvidence, t: number): boolean {
  const reg = e.lastRegisteredAt > 0 && e.lastRegisteredAt < t ? e.lastRegisteredAt
    : e.firstRegisteredAt > 0 && e.firstRegisteredAt < t ? e.firstRegisteredAt : 0
  if (reg === 0) return false
  return !(e.lastRemovedAt > reg && e.lastRemovedAt < t)
}

function passkeyLoginWithin(e: PasskeyEvidence, t: number, lookbackMs: number): boolean {
  const last = e.lastPasskeyLoginAt > 0 && e.lastPasskeyLoginAt < t ? e.lastPasskeyLoginAt
    : e.firstPasskeyLoginAt > 0 && e.firstPasskeyLoginAt < t ? e.firstPasskeyLoginAt : 0
  return last > 0 && t - last <= lookbackMs
}

export interface RebuildOptions {
  lookbackMs: number
  now?: number
  /** Only events at or after this time (a refresh); the whole history otherwise (a rebuild). */
  since?: number
}

/**
 * Reads passkey evidence from auth_events with one aggregate query and merges it into the state.
 * Returns the number of users read.
 */
export async function loadPasskeyState(client: ClickHouseClient, state: PasskeyState, o: RebuildOptions): Promise<number> {
  const now = o.now ?? Date.now()
  const ms = (c: string) => `toUnixTimestamp64Milli(${c})`
  const rs = await client.query({
    query: `
      SELECT tenant, user_id,
        ${ms("minIf(ts, event_type = 'passkey_registered')")} AS first_reg,
        ${ms("maxIf(ts, event_type = 'passkey_registered')")} AS last_reg,
        ${ms("maxIf(ts, event_type = 'passkey_removed')")} AS last_rem,
        ${ms("minIf(ts, event_type = 'login' AND outcome = 'success')")} AS first_pk,
        ${ms("maxIf(ts, event_type = 'login' AND outcome = 'success')")} AS last_pk,
        ${ms("maxIf(ts, event_type = 'login' AND outcome = 'failure' AND ts >= {failures_from:DateTime64(3, 'UTC')})")} AS last_fail
      FROM auth_events
      WHERE ts >= {since:DateTime64(3, 'UTC')}
        AND (event_type IN ('passkey_registered', 'passkey_removed')
          OR (event_type = 'login' AND ts >= {logins_from:DateTime64(3, 'UTC')}
              AND ((outcome = 'success' AND method = 'passkey')
                OR (outcome = 'failure' AND (method = 'passkey' OR failure_reason = 'passkey_failed')))))
      GROUP BY tenant, user_id
      HAVING first_reg > 0 OR last_rem > 0 OR first_pk > 0 OR last_fail > 0
      ORDER BY greatest(last_reg, last_rem, last_pk, last_fail) DESC
      LIMIT {max:UInt32}`,
    query_params: {
      since: formatTimestamp(o.since ?? 0),
      logins_from: formatTimestamp(Math.max(0, now - o.lookbackMs)),
      failures_from: formatTimestamp(Math.max(0, now - DAY)),
      max: state.maxUsers,
    },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  })
  const rows = await rs.json<{ tenant: string; user_id: string; first_reg: number; last_reg: number; last_rem: number; first_pk: number; last_pk: number; last_fail: number }>()
  // Oldest first, so the most recently active users end up the least likely to be evicted.
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!
    state.merge(r.tenant, r.user_id, {
      firstRegisteredAt: Number(r.first_reg), lastRegisteredAt: Number(r.last_reg), lastRemovedAt: Number(r.last_rem),
      firstPasskeyLoginAt: Number(r.first_pk), lastPasskeyLoginAt: Number(r.last_pk), lastPasskeyFailureAt: Number(r.last_fail),
    })
  }
  return rows.length
}
