// SPEC §3 KPI 1, method mix: successful interactive logins per method_class per time bucket.
import type { ClickHouseClient } from '../../store/clickhouse.js'

export const BUCKETS = { hour: 'toStartOfHour', day: 'toStartOfDay', week: 'toMonday', month: 'toStartOfMonth' } as const
export type Bucket = keyof typeof BUCKETS

export interface MethodMixParams {
  tenant: string
  from: string
  to: string
  bucket: Bucket
}

export interface MethodMixRow {
  bucket: string
  method_class: string
  logins: number
  share: number
  bucket_total: number
}

export async function methodMix(client: ClickHouseClient, p: MethodMixParams): Promise<MethodMixRow[]> {
  // The bucket function comes from a fixed map, never from the request; every value is a parameter.
  const fn = BUCKETS[p.bucket]
  const rs = await client.query({
    query: `
      SELECT toString(${fn}(ts)) AS bucket, method_class, count() AS logins,
             sum(logins) OVER (PARTITION BY bucket) AS bucket_total,
             round(logins / bucket_total, 4) AS share
      FROM auth_events FINAL
      WHERE tenant = {tenant:String}
        AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
        AND event_type = 'login' AND outcome = 'success' AND method_class != 'token'
      GROUP BY bucket, method_class
      ORDER BY bucket, method_class`,
    query_params: { tenant: p.tenant, from: p.from, to: p.to },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  })
  return rs.json<MethodMixRow>()
}
