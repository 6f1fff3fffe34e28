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

/** The method-mix SQL, for JSON rows and for ClickHouse's own Arrow output alike. */
export function methodMixQuery(s: Scope, bucket: Bucket): { query: string; params: Record<string, unknown> } {
  const src = statsFrom(s)
  return {
    query: `
    SELECT ${src.bucket(bucket)} AS bucket, method_class, sum(events) AS logins,
           sum(logins) OVER (PARTITION BY bucket) AS bucket_total,
           round(logins / bucket_total, 4) AS share
    ${src.from}
      AND event_type = 'login' AND outcome = 'success' AND method_class != 'token'
    GROUP BY bucket, method_class
    ORDER BY bucket, method_class`,
    params: src.params,
  }
}

export async function methodMix(client: ClickHouseClient, s: Scope, bucket: Bucket): Promise<MethodMixRow[]> {
  const q = methodMixQuery(s, bucket)
  return rows<MethodMixRow>(client, q.query, q.params)
}

export interface MethodMixByProductRow {
  product: string
  method_class: string
  logins: number
  share: number
  product_total: number
}

/** Method mix per product over the whole period (the dashboard's "by product" panel). */
export async function methodMixByProduct(client: ClickHouseClient, s: Scope): Promise<MethodMixByProductRow[]> {
  const src = statsFrom(s)
  return rows<MethodMixByProductRow>(client, `
    SELECT product, method_class, sum(events) AS logins,
           sum(logins) OVER (PARTITION BY product) AS product_total,
           round(logins / product_total, 4) AS share
    ${src.from}
      AND event_type = 'login' AND outcome = 'success' AND method_class != 'token'
    GROUP BY product, method_class
    ORDER BY product_total DESC, product, method_class`, src.params)
}
