// The query benchmark's datasets: N events generated inside ClickHouse (INSERT … SELECT FROM numbers(N)), so that
// 10 M events take minutes, not the JS generator's 8. Every value is a hash of the row number (cityHash64), so a
// size gives the same rows on every run and machine; the rows go into auth_events through the real migrations,
// so the materialized-view rollups fill exactly as they do in production.
//
// The distributions follow demo/generator.ts in shape, over one year ending 2026-11-01: ~4,000 people per
// 1 M events in eight departments; passkeys rolled out department by department from month 3 (15 % never
// enrol; a few pilot users before the data starts); people who have a passkey still fall back to their old
// method ~10 % of the time (~35 % on Linux or Firefox); password + push / TOTP / SMS, SSO, e-mail codes for
// guests, API tokens for service accounts; failures, passkey failures followed by a password sign-in minutes
// later, phishing refused by passkeys, resets and lockouts that fall once people have passkeys; privileged users
// mostly on hardware keys; latency log-normal per method, 10 % unknown.
//
// Run as its own process (chDB binds one data directory per process):
//   npx tsx bench/query/dataset.ts --events 1000000 [--dir .cache/bench/1m-g1]
// It builds into <dir>.partial and renames when complete, so a cached directory is always a finished one.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadConfig } from '../../core/config.js'
import { PROJECT_ROOT } from '../../core/paths.js'
import { openStore } from '../../store/clickhouse.js'
import { migrate } from '../../store/migrate.js'

/** Bump when the generated rows change: cached datasets of another version are not reused. */
export const GENERATOR_VERSION = 'g1'
export const DATASET_END = '2026-11-01T00:00:00.000Z'
export const DATASET_DAYS = 365
export const TENANT = 'default'
/** People per million events. */
const USERS_PER_MILLION = 4000

export function datasetDir(events: number): string {
  const size = events % 1_000_000 === 0 ? `${events / 1_000_000}m` : String(events)
  return join(PROJECT_ROOT, '.cache', 'bench', `${size}-${GENERATOR_VERSION}`)
}

export interface DatasetInfo {
  generator: string
  events_requested: number
  events: number
  users: number
  from: string
  to: string
  build_seconds: number
  disk_bytes: number
  rollup_rows: Record<string, number>
}

/** ClickHouse expressions shared by the three inserts. `u` is the user number; `hu(k)` a per-user hash stream. */
const hu = (k: number, u = 'u') => `cityHash64(${u}, ${1000 + k})`
const frac = (h: string) => `(${h} % 1000000) / 1000000.0`

function userColumns(u = 'u'): string {
  return `
    ['Engineering', 'IT', 'Sales', 'Marketing', 'Finance', 'Support', 'HR', 'Legal'][1 + ${hu(1, u)} % 8] AS department,
    [0, 0, 120, 90, 60, 45, 100, 75][1 + ${hu(1, u)} % 8] AS dept_delay_days,
    multiIf(${hu(2, u)} % 100 < 85, 'employee', ${hu(2, u)} % 100 < 93, 'external', ${hu(2, u)} % 100 < 97, 'guest',
            ${hu(2, u)} % 100 < 99, 'service', 'unmanaged') AS user_type,
    toUInt8(user_type IN ('employee', 'external') AND ${hu(3, u)} % 100 < 5) AS privileged,
    ${hu(4, u)} % 100 AS plat,
    multiIf(plat < 28, 'Windows', plat < 50, 'Windows', plat < 65, 'macOS', plat < 77, 'macOS', plat < 83, 'Linux',
            plat < 88, 'Windows', plat < 94, 'iOS', 'Android') AS u_os,
    multiIf(plat < 28, 'Edge', plat < 50, 'Chrome', plat < 65, 'Safari', plat < 77, 'Chrome', plat < 88, 'Firefox',
            plat < 94, 'Mobile Safari', 'Chrome') AS u_browser,
    if(plat >= 88, 'mobile', 'desktop') AS u_device,
    -- Firefox and Linux users fall back more (the demo's story); everyone else ~10 %.
    if(u_browser = 'Firefox' OR u_os = 'Linux', 35, 10) AS fallback_pct,
    -- Enrolment: none for service accounts and 15 % of people; a pilot 3 % before the data starts; else from
    -- day 60 + the department's delay, spread over ~200 days.
    user_type != 'service' AND ${hu(5, u)} % 100 >= 15 AS will_enrol,
    {start_ms:Int64} + toInt64(if(${hu(5, u)} % 100 < 18, -30 - toInt64(${hu(6, u)} % 200),
                                   60 + dept_delay_days + toInt64(${hu(6, u)} % 200)) * 86400000
                               + toInt64(${hu(7, u)} % 86400000)) AS enrol_ms,
    multiIf(privileged = 1 AND ${hu(8, u)} % 100 < 80, 'device_bound', ${hu(8, u)} % 100 < 70, 'synced',
            ${hu(8, u)} % 100 < 95, 'device_bound', 'unknown') AS u_pk_type,
    multiIf(u_pk_type = 'unknown', '',
            u_pk_type = 'device_bound' AND (privileged = 1 OR u_os NOT IN ('Windows')), 'YubiKey 5 Series',
            u_pk_type = 'device_bound', 'Windows Hello',
            u_os IN ('macOS', 'iOS'), 'iCloud Keychain',
            u_os = 'Android' OR u_browser = 'Chrome', 'Google Password Manager',
            '1Password') AS u_authenticator,
    multiIf(u_authenticator = 'iCloud Keychain', 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
            u_authenticator = 'Google Password Manager', 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
            u_authenticator = 'Windows Hello', '08987058-cadc-4b81-b6e1-30de50dcbe96',
            u_authenticator = 'YubiKey 5 Series', 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
            u_authenticator = '1Password', 'bada5566-a7aa-401f-bd96-45619a55120d', '') AS u_aaguid,
    multiIf(user_type = 'guest', 'otp', ${hu(9, u)} % 100 < 45, 'password', ${hu(9, u)} % 100 < 65, 'password',
            ${hu(9, u)} % 100 < 75, 'password', ${hu(9, u)} % 100 < 88, 'sso', ${hu(9, u)} % 100 < 93, 'password',
            'authenticator_app') AS legacy_method,
    multiIf(legacy_method != 'password', 'none', ${hu(9, u)} % 100 < 45, 'push', ${hu(9, u)} % 100 < 65, 'totp',
            ${hu(9, u)} % 100 < 75, 'sms', 'none') AS legacy_factor,
    ['okta', 'okta', 'okta', 'entra', 'entra', 'native'][1 + ${hu(10, u)} % 6] AS u_source,
    ['US', 'US', 'DE', 'GB', 'IN', 'FR', 'BR', 'JP'][1 + ${hu(11, u)} % 8] AS u_country,
    concat('user', toString(${u}), '@acme.example') AS u_id`
}

/** The columns every insert writes, in order (method_class is MATERIALIZED). */
const COLUMNS = `event_id, ts, ingested_at, tenant, source, source_event_id, event_type, outcome, failure_reason, user_id,
  user_domain, user_type, privileged, department, product, app, method, second_factor, passkey_type, authenticator, aaguid,
  phishing_resistant, latency_ms, flow_id, ip, country, user_agent, browser, browser_version, os, os_version, device_type, raw`

/** A login row's remaining columns from method, factor, outcome, reason, ts_ms, product and a latency base (ms). */
function loginSelect(idPrefix: string, n: string): string {
  return `
    concat('${idPrefix}', hex(cityHash64(${n}, 77)), hex(cityHash64(${n}, 78))) AS event_id,
    fromUnixTimestamp64Milli(ts_ms, 'UTC') AS ts, fromUnixTimestamp64Milli(ts_ms + 1500, 'UTC') AS ingested_at,
    {tenant:String} AS tenant, u_source AS source, toString(${n}) AS source_event_id, ev_type AS event_type, outcome,
    reason AS failure_reason, u_id AS user_id, 'acme.example' AS user_domain, user_type, privileged, department, product,
    concat(product, ' cloud') AS app, method, second_factor,
    if(method = 'passkey' OR second_factor = 'webauthn' OR ev_type IN ('passkey_registered', 'passkey_removed'), u_pk_type, '') AS passkey_type,
    if(passkey_type != '', u_authenticator, '') AS authenticator, if(passkey_type != '', u_aaguid, '') AS aaguid,
    toUInt8(method IN ('passkey', 'certificate') OR second_factor = 'webauthn') AS phishing_resistant,
    -- log-normal around the method's median; 10 % of logs give no latency (NULL, never 0).
    if(ev_type != 'login' OR outcome != 'success' OR cityHash64(${n}, 9) % 10 = 0, NULL,
       toUInt32(lat_base * exp(0.45 * ((${frac(`cityHash64(${n}, 10)`)} + ${frac(`cityHash64(${n}, 11)`)} + ${frac(`cityHash64(${n}, 12)`)}) - 1.5) * 2))) AS latency_ms,
    '' AS flow_id, concat('10.', toString(u % 250), '.', toString(intDiv(u, 250) % 250), '.', toString(cityHash64(${n}, 13) % 250)) AS ip,
    u_country AS country, concat('Mozilla/5.0 (', u_os, ') ', u_browser) AS user_agent, u_browser AS browser,
    '' AS browser_version, u_os AS os, '' AS os_version, u_device AS device_type,
    concat('{"bench":"${GENERATOR_VERSION}","n":', toString(${n}), '}') AS raw`
}

const LAT_BASE = `multiIf(method = 'passkey', if(passkey_type_ = 'device_bound', 3000, 2500), method = 'password' AND second_factor = 'none', 8000,
  method = 'password', 20000, method = 'sso', 5000, method = 'authenticator_app', 6000, method = 'otp', 25000, 1000)`

/** The bulk of the year: logins, resets and lockouts, one row per number. */
function mainInsert(): string {
  return `
  INSERT INTO auth_events (${COLUMNS})
  SELECT ${COLUMNS} FROM (
    SELECT number AS n, cityHash64(n, 1) % {users:UInt64} AS u, ${userColumns()},
      {start_ms:Int64} + toInt64(intDiv(n * {span_ms:UInt64}, {main:UInt64})) + toInt64(cityHash64(n, 2) % 60000) AS ts_ms,
      will_enrol AND ts_ms >= enrol_ms AS enrolled,
      cityHash64(n, 3) % 10000 AS k,
      -- Resets and lockouts: ~0.6 % and ~0.3 % of events before a passkey, a quarter of that after.
      multiIf(user_type = 'service', 'login', k < if(enrolled, 15, 60), 'password_reset', k < if(enrolled, 22, 90), 'account_locked', 'login') AS ev_type,
      cityHash64(n, 4) % 100 AS c,
      multiIf(ev_type != 'login', 'password', user_type = 'service', 'api_token', enrolled AND c >= fallback_pct, 'passkey', legacy_method) AS method,
      multiIf(method = 'password' AND ev_type = 'login', legacy_factor, 'none') AS second_factor,
      u_pk_type AS passkey_type_,
      ['jira', 'jira', 'jira', 'jira', 'confluence', 'confluence', 'confluence', 'bitbucket', 'bitbucket', 'trello', 'other'][1 + cityHash64(n, 5) % 11] AS product,
      cityHash64(n, 6) % 10000 AS f,
      multiIf(ev_type = 'account_locked', 'locked_out', ev_type = 'password_reset', '',
              method = 'passkey' AND f < 5, 'phishing_blocked', method = 'passkey' AND f < 250, 'passkey_failed',
              method = 'passkey' AND f < 400, 'user_cancelled',
              method = 'password' AND f < 500, 'invalid_credentials', method = 'password' AND second_factor != 'none' AND f < 600, 'mfa_failed',
              method NOT IN ('passkey', 'password') AND f < 150, 'other', '') AS reason,
      if(reason = '', 'success', 'failure') AS outcome,
      ${LAT_BASE} AS lat_base,
      ${loginSelect('m', 'n')}
    FROM numbers({main:UInt64})
  )`
}

/** A passkey failure, then the same person's password sign-in 30–300 s later: fallbacks after failure. */
function pairsInsert(): string {
  return `
  INSERT INTO auth_events (${COLUMNS})
  SELECT ${COLUMNS} FROM (
    SELECT m * 2 + step AS n, cityHash64(m, 21) % {users:UInt64} AS u, ${userColumns()},
      {start_ms:Int64} + toInt64(intDiv(m * {span_ms:UInt64}, {pairs:UInt64})) + toInt64(cityHash64(m, 22) % 60000)
        + if(step = 1, 30000 + toInt64(cityHash64(m, 23) % 270000), 0) AS ts_ms,
      'login' AS ev_type,
      if(step = 0, 'passkey', 'password') AS method,
      if(step = 0, 'none', if(legacy_factor = 'none', 'push', legacy_factor)) AS second_factor,
      u_pk_type AS passkey_type_,
      ['jira', 'confluence', 'bitbucket', 'trello'][1 + cityHash64(m, 24) % 4] AS product,
      if(step = 0, 'passkey_failed', '') AS reason, if(step = 0, 'failure', 'success') AS outcome,
      ${LAT_BASE} AS lat_base,
      ${loginSelect('p', 'n')}
    FROM (SELECT number AS m FROM numbers({pairs:UInt64})) ARRAY JOIN [0, 1] AS step
    WHERE will_enrol AND {start_ms:Int64} + toInt64(intDiv(m * {span_ms:UInt64}, {pairs:UInt64})) >= enrol_ms AND user_type != 'service'
  )`
}

/** One registration per person who enrols (at the enrolment time, pilots before the data starts); 2 % remove it 30 days on. */
function registrationsInsert(): string {
  return `
  INSERT INTO auth_events (${COLUMNS})
  SELECT ${COLUMNS} FROM (
    SELECT u * 2 + step AS n, ${userColumns()},
      enrol_ms + step * 30 * 86400000 AS ts_ms,
      if(step = 0, 'passkey_registered', 'passkey_removed') AS ev_type,
      'passkey' AS method, 'none' AS second_factor, u_pk_type AS passkey_type_, 'other' AS product,
      '' AS reason, 'success' AS outcome, 0 AS lat_base,
      ${loginSelect('r', 'n')}
    FROM (SELECT number AS u FROM numbers({users:UInt64})) ARRAY JOIN [0, 1] AS step
    WHERE will_enrol AND (step = 0 OR ${hu(12)} % 100 < 2) AND ts_ms < {end_ms:Int64}
  )`
}

async function dirBytes(dir: string): Promise<number> {
  const { execFileSync } = await import('node:child_process')
  return Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0])
}

export async function buildDataset(events: number, dir = datasetDir(events), log = (s: string) => process.stderr.write(`${s}\n`)): Promise<DatasetInfo> {
  const started = Date.now()
  const partial = `${dir}.partial`
  rmSync(partial, { recursive: true, force: true })
  mkdirSync(partial, { recursive: true })
  const config = loadConfig({ ...process.env, PULSE_DATA_DIR: partial, PULSE_CH_MAX_MEMORY: String(6 * 1024 ** 3) })
  const store = openStore(config.clickhouse, partial)
  try {
    await migrate(store.client)
    const endMs = Date.parse(DATASET_END)
    const spanMs = DATASET_DAYS * 86_400_000
    const users = Math.max(100, Math.round((events / 1e6) * USERS_PER_MILLION))
    const pairs = Math.round(events * 0.004)
    const params = {
      tenant: TENANT, users, start_ms: endMs - spanMs, end_ms: endMs, span_ms: spanMs,
      main: events - 2 * pairs - Math.round(users * 0.85), pairs,
    }
    const settings = { max_memory_usage: String(6 * 1024 ** 3) }
    for (const [name, sql] of [['registrations', registrationsInsert()], ['pairs', pairsInsert()], ['main', mainInsert()]] as const) {
      const t = Date.now()
      await store.client.command({ query: sql, query_params: params, clickhouse_settings: settings })
      log(`  ${name}: ${((Date.now() - t) / 1000).toFixed(1)} s`)
    }
    // Settle the rollups as a long-running store would have (background merges); auth_events is left as inserted.
    for (const table of ['login_stats_hourly', 'login_stats_daily', 'user_day_logins', 'user_passkey_days', 'user_passkey_changes']) {
      await store.client.command({ query: `OPTIMIZE TABLE ${table} FINAL`, clickhouse_settings: settings })
    }
    const count = async (q: string) => Number((await (await store.client.query({ query: q, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n ?? 0)
    const rollup_rows: Record<string, number> = {}
    for (const table of ['login_stats_hourly', 'login_stats_daily', 'user_day_logins', 'user_passkey_days', 'user_passkey_changes']) {
      rollup_rows[table] = await count(`SELECT count() AS n FROM ${table}`)
    }
    const info: DatasetInfo = {
      generator: GENERATOR_VERSION,
      events_requested: events,
      events: await count('SELECT count() AS n FROM auth_events'),
      users: await count(`SELECT uniqExact(user_id) AS n FROM auth_events`),
      from: new Date(endMs - spanMs).toISOString(),
      to: DATASET_END,
      build_seconds: 0,
      disk_bytes: 0,
      rollup_rows,
    }
    await store.close()
    info.build_seconds = Math.round((Date.now() - started) / 100) / 10
    info.disk_bytes = await dirBytes(partial)
    writeFileSync(join(partial, 'dataset.json'), JSON.stringify(info, null, 2))
    rmSync(dir, { recursive: true, force: true })
    renameSync(partial, dir)
    return info
  } catch (err) {
    await store.close().catch(() => undefined)
    throw err
  }
}

export function cachedInfo(dir: string): DatasetInfo | null {
  const f = join(dir, 'dataset.json')
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as DatasetInfo) : null
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  const i = process.argv.indexOf('--events')
  const events = Number(i > 0 ? process.argv[i + 1] : 1_000_000)
  const d = process.argv.indexOf('--dir')
  const dir = d > 0 ? process.argv[d + 1]! : datasetDir(events)
  if (!Number.isInteger(events) || events < 10_000) {
    process.stderr.write('dataset: --events must be an integer of at least 10000\n')
    process.exit(2)
  }
  buildDataset(events, dir).then((info) => {
    process.stdout.write(`${JSON.stringify(info)}\n`)
  }, (err: Error) => {
    process.stderr.write(`dataset: ${err.message}\n`)
    process.exit(1)
  })
}
