// The comparison of issue 7 item 2: the same KPI computed from raw auth_events (with FINAL, as the code would
// have to without rollups), timed in-engine in the server process. Each entry names the API call whose answer
// it reproduces; `check` picks the figures that must agree with the API's (a raw query that answered a
// different question would make the comparison worthless).
import type { Params } from './panels.js'

export interface RawQuery {
  id: string
  /** The panel / API call that answers the same question from rollups. */
  panel: string
  sql: string
  /** Figures to compare with the API's answer: [raw value from the rows, API path, params, value from the API JSON]. */
  check?: { path: string; params: (p: Params) => Params; raw: (rows: Record<string, unknown>[]) => number; api: (body: Record<string, unknown>) => number }
}

const PERIOD = `tenant = 'default' AND ts >= parseDateTime64BestEffort({from:String}, 3, 'UTC') AND ts < parseDateTime64BestEffort({to:String}, 3, 'UTC')`
const LOGINS = `event_type = 'login' AND method_class != 'token'`
const OK = `${LOGINS} AND outcome = 'success'`
const PASSKEYS = "('passkey_synced', 'passkey_device_bound', 'passkey_unknown')"

export const RAW_QUERIES: RawQuery[] = [
  {
    id: 'method mix by day',
    panel: 'method mix',
    sql: `SELECT toStartOfDay(ts) AS bucket, method_class, count() AS logins FROM auth_events FINAL
          WHERE ${PERIOD} AND ${OK} GROUP BY bucket, method_class ORDER BY bucket, method_class`,
  },
  {
    id: 'passkey sign-in share',
    panel: 'summary cards',
    sql: `SELECT countIf(method_class IN ${PASSKEYS}) AS pk, count() AS all FROM auth_events FINAL WHERE ${PERIOD} AND ${OK}`,
    check: {
      path: '/api/v1/kpis/passkey-share', params: (p) => p,
      raw: (r) => Number(r[0]?.pk), api: (b) => Number((b.share as { numerator: number }).numerator),
    },
  },
  {
    id: 'success rate per method',
    panel: 'success rate',
    sql: `SELECT method_class, countIf(outcome = 'success') AS ok, count() AS attempts FROM auth_events FINAL
          WHERE ${PERIOD} AND ${LOGINS} GROUP BY method_class ORDER BY method_class`,
  },
  {
    id: 'time to sign in (p50/p90/p95/mean)',
    panel: 'time to sign in',
    sql: `SELECT method_class, quantilesDD(0.01, 0.5, 0.9, 0.95)(latency_ms) AS q, avg(latency_ms) AS mean FROM auth_events FINAL
          WHERE ${PERIOD} AND ${OK} AND latency_ms IS NOT NULL GROUP BY method_class ORDER BY method_class`,
  },
  {
    id: 'active users',
    panel: 'resets + baseline',
    sql: `SELECT uniqExact(user_id) AS n FROM auth_events FINAL WHERE ${PERIOD} AND ${OK}`,
    check: {
      path: '/api/v1/kpis/resets', params: (p) => p,
      raw: (r) => Number(r[0]?.n), api: (b) => Number(b.active_users),
    },
  },
  {
    id: 'passkey-primary users',
    panel: 'adoption',
    sql: `SELECT count() AS active, countIf(pk / all >= 0.8) AS primary FROM (
            SELECT user_id, count() AS all, countIf(method_class IN ${PASSKEYS}) AS pk FROM auth_events FINAL
            WHERE ${PERIOD} AND ${OK} GROUP BY user_id)`,
    check: {
      path: '/api/v1/kpis/passkey-primary', params: (p) => p,
      raw: (r) => Number(r[0]?.primary), api: (b) => Number((b.passkey_primary as { numerator: number }).numerator),
    },
  },
  {
    id: 'fallback rate (has a passkey at t, SPEC §2)',
    panel: 'fallbacks (3 panels)',
    // Per login, the user's registrations, removals and passkey logins of the look-back (180 days), from events.
    sql: `WITH parseDateTime64BestEffort({from:String}, 3, 'UTC') AS p_from, parseDateTime64BestEffort({to:String}, 3, 'UTC') AS p_to
          SELECT countIf(has AND phishing_resistant = 0 AND method_class NOT IN ('sso', 'unknown')) AS fallbacks, countIf(has) AS holder_logins
          FROM (
            SELECT l.phishing_resistant AS phishing_resistant, l.method_class AS method_class,
                   arrayExists(p -> p < l.ts AND p >= l.ts - toIntervalDay(180), u.pk)
                   OR arrayExists(r -> r < l.ts AND NOT arrayExists(m -> m > r AND m < l.ts, u.rems), u.regs) AS has
            FROM (SELECT user_id, ts, phishing_resistant, method_class FROM auth_events FINAL WHERE ${PERIOD} AND ${OK}) AS l
            INNER JOIN (
              SELECT user_id,
                     groupArrayIf(ts, event_type = 'login' AND outcome = 'success' AND method = 'passkey' AND ts >= p_from - toIntervalDay(181)) AS pk,
                     groupArrayIf(ts, event_type = 'passkey_registered' AND outcome = 'success') AS regs,
                     groupArrayIf(ts, event_type = 'passkey_removed' AND outcome = 'success') AS rems
              FROM auth_events FINAL
              WHERE tenant = 'default' AND ts < p_to AND (method = 'passkey' OR event_type IN ('passkey_registered', 'passkey_removed'))
              GROUP BY user_id) AS u ON l.user_id = u.user_id
          )`,
    check: {
      path: '/api/v1/kpis/fallbacks', params: (p) => ({ ...p, bucket: 'month' }),
      raw: (r) => Number(r[0]?.fallbacks), api: (b) => Number((b.fallback_rate as { numerator: number }).numerator),
    },
  },
  {
    id: 'phishing blocked by day and product',
    panel: 'phishing blocked',
    sql: `SELECT toStartOfDay(ts) AS bucket, product, count() AS blocked FROM auth_events FINAL
          WHERE ${PERIOD} AND event_type = 'login' AND failure_reason = 'phishing_blocked' GROUP BY bucket, product`,
  },
]
