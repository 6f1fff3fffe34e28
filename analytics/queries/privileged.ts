// SPEC §3 KPIs 8 and 15 for privileged users (privileged = 1 on their logins):
//  - phishing-resistant coverage: privileged active users whose every successful login in the period was
//    phishing-resistant ÷ privileged active users;
//  - device-bound coverage: privileged active users whose passkey logins all used device-bound credentials ÷
//    privileged active users with passkey logins.
// Aggregates only; who is not covered is a separate, security-only list (users.ts).
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { PASSKEY_CLASSES_SQL, ratio, rows, userDaysFrom, type Ratio, type Scope } from './common.js'

export interface PrivilegedResult {
  phishing_resistant_coverage: Ratio
  device_bound_coverage: Ratio
}

export async function privilegedCoverage(client: ClickHouseClient, s: Scope): Promise<PrivilegedResult> {
  // The privileged filter would contradict the KPI: it is always privileged = 1.
  const u = userDaysFrom(s, { skip: ['privileged'] })
  const [r] = await rows<{ active: number; covered: number; with_passkey: number; device_bound: number }>(client, `
    SELECT count() AS active, countIf(pr = all) AS covered, countIf(pk > 0) AS with_passkey, countIf(pk > 0 AND db = pk) AS device_bound
    FROM (
      SELECT uid, sum(logins) AS all, sum(pr_logins) AS pr,
             sumIf(logins, method_class IN ${PASSKEY_CLASSES_SQL}) AS pk,
             sumIf(logins, method_class = 'passkey_device_bound') AS db
      FROM user_day_logins WHERE ${u.where} AND privileged = 1 GROUP BY uid
    )`, u.params)
  return {
    phishing_resistant_coverage: ratio(r?.covered ?? 0, r?.active ?? 0),
    device_bound_coverage: ratio(r?.device_bound ?? 0, r?.with_passkey ?? 0),
  }
}
