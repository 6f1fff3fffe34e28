// SPEC §3 KPI 6, time to sign in: p50, p90, p95 and mean of latency_ms of successful interactive logins per
// method_class. Quantiles come from DDSketch states in the rollups (1 % relative accuracy; they merge exactly,
// so the rollup gives what quantilesDD(0.01, …) gives over the raw events). Logins without a latency are left out.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { latencyFrom, PASSKEY_CLASSES_SQL, round, rows, type Bucket, type Scope } from './common.js'

export interface LatencyStats {
  /** Logins with a latency. */
  samples: number
  p50_ms: number | null
  p90_ms: number | null
  p95_ms: number | null
  mean_ms: number | null
}

export interface LatencyResult {
  by_method: ({ method_class: string } & LatencyStats)[]
  series: ({ bucket: string; method_class: string } & LatencyStats)[]
}

interface Row { g: number; bucket: string; method_class: string; n: number; total: number; q: number[] }

const SELECT = `sum(latency_n) AS n, sum(latency_sum) AS total, quantilesDDMerge(0.01, 0.5, 0.9, 0.95)(latency_dd) AS q`

/** One stats row (n, total, q) as LatencyStats. */
export function latencyStats(r: { n: number; total: number; q: number[] } | undefined): LatencyStats {
  const n = Number(r?.n ?? 0)
  if (!r || n === 0) return { samples: 0, p50_ms: null, p90_ms: null, p95_ms: null, mean_ms: null }
  return { samples: n, p50_ms: round(r.q[0]!, 1), p90_ms: round(r.q[1]!, 1), p95_ms: round(r.q[2]!, 1), mean_ms: round(r.total / n, 1) }
}

export async function timeToSignIn(client: ClickHouseClient, s: Scope, bucket: Bucket): Promise<LatencyResult> {
  const src = latencyFrom(s)
  const result = await rows<Row>(client, `
    SELECT grouping(bucket, method_class) AS g, ${src.bucket(bucket)} AS bucket, method_class, ${SELECT}
    ${src.from}
      AND method_class != 'token'
    GROUP BY GROUPING SETS ((method_class), (bucket, method_class))
    ORDER BY g DESC, bucket, method_class`, src.params)
  return {
    by_method: result.filter((r) => Number(r.g) === 2).map((r) => ({ method_class: r.method_class, ...latencyStats(r) })),
    series: result.filter((r) => Number(r.g) === 0).map((r) => ({ bucket: r.bucket, method_class: r.method_class, ...latencyStats(r) })),
  }
}

/** The two kinds of successful login whose medians SPEC §3 item 12 compares: password + second factor, and every passkey class. */
export const MEDIAN_KINDS = { password_mfa: "method_class = 'password_mfa'", passkey: `method_class IN ${PASSKEY_CLASSES_SQL}` } as const

/** Select-list items `<p>n`, `<p>total`, `<p>q` (a row for latencyStats) over the stats rows where `cond` holds. */
export function latencySelectIf(cond: string, p: string): string {
  return `sumIf(latency_n, ${cond}) AS ${p}n, sumIf(latency_sum, ${cond}) AS ${p}total, quantilesDDMergeIf(0.01, 0.5, 0.9, 0.95)(latency_dd, ${cond}) AS ${p}q`
}

/** Medians for SPEC §3 item 12: password + second factor (password_mfa) and every passkey class together. */
export async function loginMedians(client: ClickHouseClient, s: Scope): Promise<{ password_mfa: LatencyStats; passkey: LatencyStats }> {
  const src = latencyFrom(s)
  const result = await rows<{ kind: string; n: number; total: number; q: number[] }>(client, `
    SELECT if(${MEDIAN_KINDS.password_mfa}, 'password_mfa', 'passkey') AS kind, ${SELECT}
    ${src.from}
      AND (${MEDIAN_KINDS.password_mfa} OR ${MEDIAN_KINDS.passkey})
    GROUP BY kind`, src.params)
  return {
    password_mfa: latencyStats(result.find((r) => r.kind === 'password_mfa')),
    passkey: latencyStats(result.find((r) => r.kind === 'passkey')),
  }
}
