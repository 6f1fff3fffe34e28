// SPEC §3 KPI 14, phishing attempts blocked: logins refused with phishing_blocked (an origin-bound credential
// refusing a look-alike domain), per bucket and product. Counted, not priced.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { rows, statsFrom, type Bucket, type Scope } from './common.js'

export interface PhishingResult {
  total: number
  series: { bucket: string; blocked: number }[]
  by_product: { product: string; blocked: number }[]
  series_by_product: { bucket: string; product: string; blocked: number }[]
}

export async function phishingBlocked(client: ClickHouseClient, s: Scope, bucket: Bucket): Promise<PhishingResult> {
  const src = statsFrom(s)
  const result = await rows<{ g: number; bucket: string; product: string; blocked: number }>(client, `
    SELECT grouping(bucket, product) AS g, ${src.bucket(bucket)} AS bucket, product, sum(events) AS blocked
    ${src.from}
      AND event_type = 'login' AND outcome = 'failure' AND failure_reason = 'phishing_blocked'
    GROUP BY GROUPING SETS ((), (bucket), (product), (bucket, product))
    ORDER BY g DESC, bucket, product`, src.params)
  const of = (g: number) => result.filter((r) => Number(r.g) === g)
  return {
    total: Number(of(3)[0]?.blocked ?? 0),
    series: of(1).map((r) => ({ bucket: r.bucket, blocked: r.blocked })),
    by_product: of(2).map((r) => ({ product: r.product, blocked: r.blocked })).sort((a, b) => b.blocked - a.blocked || a.product.localeCompare(b.product)),
    series_by_product: of(0).map((r) => ({ bucket: r.bucket, product: r.product, blocked: r.blocked })),
  }
}
