// SPEC §3 KPI 2, passkey sign-in share: successful passkey logins ÷ successful interactive logins, for the
// period and per bucket, from the login_stats rollups.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { PASSKEY_CLASSES_SQL, ratio, rows, statsFrom, type Bucket, type Ratio, type Scope } from './common.js'

export interface ShareResult {
  share: Ratio
  series: ({ bucket: string } & Ratio)[]
}

export async function passkeyShare(client: ClickHouseClient, s: Scope, bucket: Bucket): Promise<ShareResult> {
  const src = statsFrom(s)
  const result = await rows<{ g: number; bucket: string; passkey: number; all: number }>(client, `
    SELECT grouping(bucket) AS g, ${src.bucket(bucket)} AS bucket,
           sumIf(events, method_class IN ${PASSKEY_CLASSES_SQL}) AS passkey, sum(events) AS all
    ${src.from}
      AND event_type = 'login' AND outcome = 'success' AND method_class != 'token'
    GROUP BY GROUPING SETS ((), (bucket))
    ORDER BY g DESC, bucket`, src.params)
  const total = result.find((r) => Number(r.g) === 1)
  return {
    share: ratio(total?.passkey ?? 0, total?.all ?? 0),
    series: result.filter((r) => Number(r.g) === 0).map((r) => ({ bucket: r.bucket, ...ratio(r.passkey, r.all) })),
  }
}
