// SPEC §3 KPI 1, method mix: successful interactive logins per method_class per time bucket, from the
// login_stats rollups (hours for hour buckets, days otherwise).
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { rows, statsFrom, type Bucket, type Scope } from './common.js'

export interface MethodMixRow {
  bucket: string
  method_class: string
  logins: number
  share: number
  bucket_total: number
}

export async function methodMix(client: ClickHouseClient, s: Scope, bucket: Bucket): Promise<MethodMixRow[]> {
  const src = statsFrom(s)
  return rows<MethodMixRow>(client, `
    SELECT ${src.bucket(bucket)} AS bucket, method_class, sum(events) AS logins,
           sum(logins) OVER (PARTITION BY bucket) AS bucket_total,
           round(logins / bucket_total, 4) AS share
    ${src.from}
      AND event_type = 'login' AND outcome = 'success' AND method_class != 'token'
    GROUP BY bucket, method_class
    ORDER BY bucket, method_class`, src.params)
}
