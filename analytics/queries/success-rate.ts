// SPEC §3 KPI 5, success rate per method: successful ÷ (successful + failed) interactive login attempts per
// method_class. Rows are one per completed flow already (flow assembly joins the steps of a sign-in), so this
// counts flows, not steps. Failures refused as phishing (phishing_blocked) are failures here too; they are
// also given on their own so a chart can set them apart.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { ratio, rows, statsFrom, type Bucket, type Ratio, type Scope } from './common.js'

export interface SuccessRow {
  method_class: string
  success_rate: Ratio
  failures: number
  phishing_blocked: number
}

export interface SuccessResult {
  /** All interactive methods together. */
  overall: Ratio
  by_method: SuccessRow[]
  series: ({ bucket: string; method_class: string } & Ratio)[]
}

interface Row { g: number; bucket: string; method_class: string; ok: number; attempts: number; blocked: number }

export async function successRate(client: ClickHouseClient, s: Scope, bucket: Bucket): Promise<SuccessResult> {
  const src = statsFrom(s)
  const result = await rows<Row>(client, `
    SELECT grouping(bucket, method_class) AS g, ${src.bucket(bucket)} AS bucket, method_class,
           sumIf(events, outcome = 'success') AS ok, sum(events) AS attempts,
           sumIf(events, failure_reason = 'phishing_blocked') AS blocked
    ${src.from}
      AND event_type = 'login' AND method_class != 'token'
    GROUP BY GROUPING SETS ((), (method_class), (bucket, method_class))
    ORDER BY g DESC, bucket, method_class`, src.params)
  const total = result.find((r) => Number(r.g) === 3)
  return {
    overall: ratio(total?.ok ?? 0, total?.attempts ?? 0),
    by_method: result.filter((r) => Number(r.g) === 2).map((r) => ({
      method_class: r.method_class, success_rate: ratio(r.ok, r.attempts), failures: r.attempts - r.ok, phishing_blocked: r.blocked,
    })),
    series: result.filter((r) => Number(r.g) === 0).map((r) => ({ bucket: r.bucket, method_class: r.method_class, ...ratio(r.ok, r.attempts) })),
  }
}
