// The rate rules of SPEC §4, measured on raw auth_events (FINAL) over a window and judged by pure
// functions. `fallback_rate_spike`: fallbacks ÷ successful interactive logins of users who have a
// passkey (SPEC §3 item 7) over the window, against a threshold and a multiple of the trailing rate.
// `passkey_failure_spike`: passkey success rate per product and OS over the window, against a floor.
import type { ClickHouseClient } from '../store/clickhouse.js'
import type { FailureRateParams, FallbackRateParams } from './rules.js'
import { SEVERITY } from './rules.js'
import type { AlertMatch } from './types.js'
import { chTime } from './versions.js'

export interface Population {
  tenant: string
  from: number
  to: number
  products: string[]
  user_types: string[]
}

export interface FallbackCounts {
  /** Successful interactive logins by users who had a passkey at the time. */
  logins: number
  fallbacks: number
  /** A few fallback event ids, as evidence. */
  sample: string[]
}

const FILTERS = `
  AND (length({products:Array(String)}) = 0 OR product IN {products:Array(String)})
  AND (length({user_types:Array(String)}) = 0 OR user_type IN {user_types:Array(String)})`

/**
 * Counts fallbacks with SPEC §2 evaluated per login: a registration before it not removed since, or a
 * passkey login before it within the look-back. Evidence is read only for the users seen in the window.
 */
export async function fallbackCounts(client: ClickHouseClient, p: Population, lookbackMs: number): Promise<FallbackCounts> {
  const rs = await client.query({
    query: `
      WITH w AS (
        SELECT event_id, user_id, ts, phishing_resistant, method
        FROM auth_events FINAL
        WHERE tenant = {tenant:String} AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
          AND event_type = 'login' AND outcome = 'success' AND method NOT IN ('api_token', 'app_password')
          ${FILTERS}
      ),
      ev AS (
        SELECT user_id,
          groupArrayIf(ts, event_type = 'passkey_registered') AS regs,
          groupArrayIf(ts, event_type = 'passkey_removed') AS rems,
          maxIf(ts, event_type = 'login' AND ts < {from:DateTime64(3, 'UTC')}) AS pk_before,
          groupArrayIf(ts, event_type = 'login' AND ts >= {from:DateTime64(3, 'UTC')}) AS pk_in
        FROM auth_events
        WHERE tenant = {tenant:String} AND ts < {to:DateTime64(3, 'UTC')}
          AND user_id IN (SELECT user_id FROM w)
          AND (event_type IN ('passkey_registered', 'passkey_removed')
            OR (event_type = 'login' AND outcome = 'success' AND method = 'passkey'
                AND ts >= {from:DateTime64(3, 'UTC')} - toIntervalMillisecond({lookback:UInt64})))
        GROUP BY user_id
      ),
      judged AS (
        SELECT w.event_id AS event_id,
          w.phishing_resistant = 0 AND w.method NOT IN ('sso', 'unknown') AS phishable,
          arrayExists(r -> r < w.ts AND NOT arrayExists(x -> x > r AND x < w.ts, ev.rems), ev.regs)
            OR ev.pk_before >= w.ts - toIntervalMillisecond({lookback:UInt64})
            OR arrayExists(t -> t < w.ts AND t >= w.ts - toIntervalMillisecond({lookback:UInt64}), ev.pk_in) AS has_passkey
        FROM w LEFT JOIN ev ON ev.user_id = w.user_id
      )
      SELECT countIf(has_passkey) AS logins, countIf(has_passkey AND phishable) AS fallbacks,
        groupArrayIf(20)(event_id, has_passkey AND phishable) AS sample
      FROM judged`,
    query_params: { tenant: p.tenant, from: chTime(p.from), to: chTime(p.to), products: p.products, user_types: p.user_types, lookback: lookbackMs },
    format: 'JSONEachRow',
    clickhouse_settings: { join_use_nulls: 0, output_format_json_quote_64bit_integers: 0 },
  })
  const [row] = await rs.json<{ logins: number; fallbacks: number; sample: string[] }>()
  return { logins: Number(row?.logins ?? 0), fallbacks: Number(row?.fallbacks ?? 0), sample: row?.sample ?? [] }
}

export interface FallbackVerdict {
  fire: boolean
  rate: number
  /** Fired by: the absolute threshold, the trailing-rate multiple, or both. */
  reasons: ('threshold' | 'baseline')[]
}

/** Fires when enough logins and the rate is above the threshold or above k× the trailing rate. */
export function judgeFallbackRate(now: FallbackCounts, baselineRate: number | null, p: Pick<FallbackRateParams, 'min_logins' | 'threshold' | 'baseline_multiplier'>): FallbackVerdict {
  const rate = now.logins > 0 ? now.fallbacks / now.logins : 0
  if (now.logins < p.min_logins) return { fire: false, rate, reasons: [] }
  const reasons: FallbackVerdict['reasons'] = []
  if (rate > p.threshold) reasons.push('threshold')
  if (p.baseline_multiplier > 0 && baselineRate !== null && baselineRate > 0 && rate > p.baseline_multiplier * baselineRate) reasons.push('baseline')
  return { fire: reasons.length > 0, rate, reasons }
}

export interface PasskeyAttempts {
  product: string
  os: string
  attempts: number
  successes: number
  /** A few failed attempt ids, as evidence. */
  sample: string[]
}

/** Passkey login attempts per product and OS in the window (a flow is one row after flow assembly). */
export async function passkeyAttempts(client: ClickHouseClient, p: Population): Promise<PasskeyAttempts[]> {
  const rs = await client.query({
    query: `
      SELECT product, os, count() AS attempts, countIf(outcome = 'success') AS successes,
        groupArrayIf(20)(event_id, outcome = 'failure') AS sample
      FROM auth_events FINAL
      WHERE tenant = {tenant:String} AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
        AND event_type = 'login' AND (method = 'passkey' OR failure_reason = 'passkey_failed')
        ${FILTERS}
      GROUP BY product, os
      ORDER BY product, os`,
    query_params: { tenant: p.tenant, from: chTime(p.from), to: chTime(p.to), products: p.products, user_types: p.user_types },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  })
  return (await rs.json<PasskeyAttempts>()).map((r) => ({ ...r, attempts: Number(r.attempts), successes: Number(r.successes) }))
}

/** Fires when enough attempts and the success rate is below the floor. */
export function judgePasskeySuccess(a: Pick<PasskeyAttempts, 'attempts' | 'successes'>, p: Pick<FailureRateParams, 'min_attempts' | 'threshold'>): { fire: boolean; rate: number } {
  const rate = a.attempts > 0 ? a.successes / a.attempts : 1
  return { fire: a.attempts >= p.min_attempts && rate < p.threshold, rate }
}

const pct = (r: number) => `${(r * 100).toFixed(1)} %`
const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`

export function fallbackSpikeMatch(tenant: string, now: number, windowMs: number, c: FallbackCounts, v: FallbackVerdict, baselineRate: number | null, p: FallbackRateParams): AlertMatch {
  const scope = [p.products.length ? `products ${p.products.join(', ')}` : '', p.user_types.length ? `user types ${p.user_types.join(', ')}` : ''].filter(Boolean).join('; ')
  return {
    tenant, rule: 'fallback_rate_spike', severity: SEVERITY.fallback_rate_spike, subject_kind: 'tenant', subject: tenant, at: now, restate: true,
    title: `Fallback rate ${pct(v.rate)} over ${minutes(windowMs)} (${c.fallbacks} of ${c.logins} logins by passkey users)${baselineRate !== null ? `; trailing ${p.baseline_days}-day rate ${pct(baselineRate)}` : ''}`,
    evidence: c.sample,
    details: {
      window_from: new Date(now - windowMs).toISOString(), window_to: new Date(now).toISOString(), fallbacks: c.fallbacks, logins: c.logins,
      rate: v.rate, threshold: p.threshold, baseline_rate: baselineRate, baseline_multiplier: p.baseline_multiplier, reasons: v.reasons, scope,
    },
  }
}

export function failureSpikeMatch(tenant: string, now: number, windowMs: number, a: PasskeyAttempts, rate: number, p: FailureRateParams): AlertMatch {
  return {
    tenant, rule: 'passkey_failure_spike', severity: SEVERITY.passkey_failure_spike, subject_kind: 'product_os',
    subject: `${a.product || 'other'}/${a.os || 'unknown'}`, at: now, restate: true,
    title: `Passkey success rate ${pct(rate)} on ${a.product || 'other'} / ${a.os || 'unknown OS'} over ${minutes(windowMs)} (${a.successes} of ${a.attempts} attempts)`,
    evidence: a.sample,
    details: {
      window_from: new Date(now - windowMs).toISOString(), window_to: new Date(now).toISOString(), product: a.product, os: a.os,
      attempts: a.attempts, successes: a.successes, rate, threshold: p.threshold,
    },
  }
}

