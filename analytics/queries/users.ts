// User-level lists for the security role (they name people: only routes with `identifying: true` call these):
// who falls back to passwords, which privileged users sign in with phishable methods, and who has no passkey
// yet but signs in most.
import type { ClickHouseClient } from '../../store/clickhouse.js'
import { rows, userDaysFrom, type Scope } from './common.js'
import { fallbackRowsSql } from './fallbacks.js'
import { matView, splitScope } from './materialized.js'
import { hasAtSql } from './passkey-state.js'

export interface Platform { os: string; browser: string; logins: number }

export interface FallbackUser {
  user_id: string
  department: string
  user_type: string
  fallbacks: number
  fallbacks_after_failure: number
  last_fallback: string
  /** Where they fell back, most first. */
  platforms: Platform[]
}

export interface UserList<T> { total: number; users: T[] }

interface Opts { lookbackDays: number; limit: number }

/**
 * Per user and platform, grouped by a hash of (os, browser) with the names carried by any(): grouping by
 * (uid, os, browser) took the engine 4-5× as long on the 10 M benchmark (30 days: 169 ms against 40 ms).
 * A collision would need two platforms of one user to share a 64-bit hash. The names' aliases differ from the
 * columns, which the key reads.
 */
const PLATFORM_KEY = 'cityHash64(os, browser)'

const platforms = (arr: string) => `arraySlice(arraySort(p -> (-p.3, p.1, p.2), ${arr}), 1, 5)`
const toPlatforms = (ps: [string, string, number][]): Platform[] => ps.map(([os, browser, logins]) => ({ os, browser, logins: Number(logins) }))

export async function fallbackUsers(client: ClickHouseClient, s: Scope, o: Opts): Promise<UserList<FallbackUser>> {
  const src = await fallbackRowsSql(client, s, o.lookbackDays, 'l.uid AS uid, l.user_id AS user_id, l.department AS department, l.user_type AS user_type, l.os AS os, l.browser AS browser')
  const result = await rows<Omit<FallbackUser, 'platforms'> & { platforms: [string, string, number][]; total: number }>(client, `
    SELECT any(user_id) AS user_id, any(department) AS department, any(user_type) AS user_type,
           sum(fb) AS fallbacks, sum(af) AS fallbacks_after_failure, toString(max(last)) AS last_fallback,
           ${platforms('groupArray((p_os, p_browser, fb))')} AS platforms, count() OVER () AS total
    FROM (
      SELECT uid, ${PLATFORM_KEY} AS pk, any(user_id) AS user_id, any(department) AS department, any(user_type) AS user_type,
             any(os) AS p_os, any(browser) AS p_browser, sum(fallbacks) AS fb, sum(after_failure) AS af, max(last_fallback) AS last
      FROM (${src.sql})
      WHERE fallbacks > 0
      GROUP BY uid, pk
    )
    GROUP BY uid
    ORDER BY fallbacks DESC, user_id
    LIMIT {limit:UInt32}`, { ...src.params, limit: o.limit })
  return {
    total: Number(result[0]?.total ?? 0),
    users: result.map(({ total: _t, platforms: p, ...u }) => ({ ...u, platforms: toPlatforms(p) })),
  }
}

export interface UncoveredUser {
  user_id: string
  department: string
  logins: number
  /** Successful logins that were not phishing-resistant. */
  phishable_logins: number
  phishable_methods: string[]
  last_phishable_login: string
}

/** Privileged active users with at least one successful login that was not phishing-resistant (SPEC §3 item 8). */
export async function privilegedNotCovered(client: ClickHouseClient, s: Scope, o: Omit<Opts, 'lookbackDays'>): Promise<UserList<UncoveredUser>> {
  const u = userDaysFrom(s, { skip: ['privileged'] })
  const result = await rows<UncoveredUser & { total: number }>(client, `
    SELECT who AS user_id, dept AS department, n AS logins, n - pr AS phishable_logins, methods AS phishable_methods,
           toString(last) AS last_phishable_login, count() OVER () AS total
    FROM (
      -- Aliases differ from the columns: the filters in WHERE name the columns.
      SELECT uid, any(user_id) AS who, any(department) AS dept, sum(logins) AS n, sum(pr_logins) AS pr,
             arraySort(groupUniqArrayIf(method_class, logins > pr_logins)) AS methods,
             maxIf(arrayMax(npr_times), notEmpty(npr_times)) AS last
      FROM user_day_logins
      WHERE ${u.where} AND privileged = 1
      GROUP BY uid
    )
    WHERE phishable_logins > 0
    ORDER BY phishable_logins DESC, user_id
    LIMIT {limit:UInt32}`, { ...u.params, limit: o.limit })
  return { total: Number(result[0]?.total ?? 0), users: result.map(({ total: _t, ...r }) => r) }
}

export interface NoPasskeyUser {
  user_id: string
  department: string
  user_type: string
  logins: number
  last_login: string
  platforms: Platform[]
}

/** Active users who do not have a passkey at the period end (SPEC §2), most successful logins first. */
export async function usersWithoutPasskey(client: ClickHouseClient, s: Scope, o: Opts): Promise<UserList<NoPasskeyUser>> {
  const u = userDaysFrom(s)
  const st = splitScope(s, o.lookbackDays, await matView(client, s.tenant, o.lookbackDays), { fails: false }).state
  const result = await rows<Omit<NoPasskeyUser, 'platforms'> & { platforms: [string, string, number][]; total: number }>(client, `
    SELECT a.user_id AS user_id, a.department AS department, a.user_type AS user_type, a.logins AS logins,
           toString(a.last_login) AS last_login, a.platforms AS platforms, count() OVER () AS total
    FROM (
      SELECT uid, any(who) AS user_id, any(dept) AS department, any(kind) AS user_type, sum(n) AS logins,
             max(last) AS last_login, ${platforms('groupArray((p_os, p_browser, n))')} AS platforms, {to_day:Date} AS end_day
      FROM (
        -- Aliases differ from the columns: the filters in WHERE name the columns.
        SELECT uid, ${PLATFORM_KEY} AS pk, any(os) AS p_os, any(browser) AS p_browser, any(user_id) AS who, any(department) AS dept,
               any(user_type) AS kind, sum(logins) AS n, max(last_login) AS last
        FROM user_day_logins WHERE ${u.where}
        GROUP BY uid, pk
      )
      GROUP BY uid
    ) AS a
    LEFT JOIN (${st.sql}) AS u ON a.uid = u.uid
    WHERE NOT ${hasAtSql("toDateTime64(a.end_day, 3, 'UTC')")}
    ORDER BY logins DESC, user_id
    LIMIT {limit:UInt32}`, { ...u.params, ...st.params, limit: o.limit })
  return {
    total: Number(result[0]?.total ?? 0),
    users: result.map(({ total: _t, platforms: p, ...r }) => ({ ...r, platforms: toPlatforms(p) })),
  }
}
