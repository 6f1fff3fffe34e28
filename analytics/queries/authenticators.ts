// Successful passkey logins by authenticator (the provider named by the AAGUID, e.g. "iCloud Keychain",
// "YubiKey 5 Series", "Windows Hello for Business") and passkey type, for the dashboard's breakdown.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { PASSKEY_CLASSES_SQL, ratio, rows, statsFrom, type Ratio, type Scope } from './common.js'

export interface AuthenticatorRow {
  /** '' when the log named no authenticator. */
  authenticator: string
  method_class: string
  logins: number
  /** logins ÷ all successful passkey logins. */
  share: Ratio
}

export async function authenticators(client: ClickHouseClient, s: Scope): Promise<{ passkey_logins: number; rows: AuthenticatorRow[] }> {
  const src = statsFrom(s)
  const result = await rows<{ authenticator: string; method_class: string; logins: number }>(client, `
    SELECT authenticator, method_class, sum(events) AS logins
    ${src.from}
      AND event_type = 'login' AND outcome = 'success' AND method_class IN ${PASSKEY_CLASSES_SQL}
    GROUP BY authenticator, method_class
    ORDER BY logins DESC, authenticator, method_class`, src.params)
  const total = result.reduce((a, r) => a + Number(r.logins), 0)
  return { passkey_logins: total, rows: result.map((r) => ({ ...r, share: ratio(r.logins, total) })) }
}
