// Alerts in ClickHouse (migrations 015, 016): writing new versions as alerts open and grow, reading the
// windows still open after a restart, and what the API lists and changes.
import type { ClickHouseClient } from '../store/clickhouse.js'
import { ALERT_STATES, type Alert, type AlertState, type RuleName, type Severity, type SubjectKind } from './types.js'
import { chTime, nextVersion, parseChTime } from './versions.js'

interface AlertRow {
  alert_id: string
  tenant: string
  rule: string
  severity: string
  subject_kind: string
  subject: string
  title: string
  first_seen: string
  last_seen: string
  window_end: string
  count: number | string
  evidence: string[]
  details: string
  silenced: number
  created_at: string
}

const ALERT_COLUMNS = 'alert_id, tenant, rule, severity, subject_kind, subject, title, first_seen, last_seen, window_end, count, evidence, details, silenced, created_at'

function toRow(a: Alert): Record<string, unknown> {
  return {
    alert_id: a.alert_id, tenant: a.tenant, rule: a.rule, severity: a.severity, subject_kind: a.subject_kind, subject: a.subject,
    title: a.title, first_seen: chTime(a.first_seen), last_seen: chTime(a.last_seen), window_end: chTime(a.window_end), count: a.count,
    evidence: a.evidence, details: JSON.stringify(a.details), silenced: a.silenced ? 1 : 0, created_at: chTime(a.created_at), version: nextVersion(),
  }
}

function fromRow(r: AlertRow): Alert {
  let details: Record<string, unknown> = {}
  try {
    details = JSON.parse(r.details) as Record<string, unknown>
  } catch { /* kept empty */ }
  return {
    alert_id: r.alert_id, tenant: r.tenant, rule: r.rule as RuleName, severity: r.severity as Severity, subject_kind: r.subject_kind as SubjectKind,
    subject: r.subject, title: r.title, first_seen: parseChTime(r.first_seen), last_seen: parseChTime(r.last_seen), window_end: parseChTime(r.window_end),
    count: Number(r.count), evidence: r.evidence, details, silenced: Number(r.silenced) === 1, created_at: parseChTime(r.created_at),
  }
}

export async function saveAlerts(client: ClickHouseClient, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return
  await client.insert({ table: 'alerts', values: alerts.map(toRow), format: 'JSONEachRow' })
}

/** Alerts whose cooldown window has not ended: restored into the dedupe windows at start-up. */
export async function openWindows(client: ClickHouseClient, now = Date.now()): Promise<Alert[]> {
  const rs = await client.query({
    query: `SELECT ${ALERT_COLUMNS} FROM alerts FINAL WHERE window_end > {now:DateTime64(3, 'UTC')}`,
    query_params: { now: chTime(now) },
    format: 'JSONEachRow',
  })
  return (await rs.json<AlertRow>()).map(fromRow)
}

export interface StoredAlert extends Alert {
  state: AlertState
  state_changed_at: number | null
  state_changed_by: string
}

export interface AlertFilter {
  tenant: string
  states?: AlertState[]
  rules?: RuleName[]
  /** Alerts seen in [from, to): last seen at or after `from`, first seen before `to`. */
  from: number
  to: number
  /** Leave out alerts about people (for roles that may not see them). */
  withoutUsers?: boolean
  limit: number
  alertId?: string
}

/** Alerts of one tenant with their state (no state row: open), newest activity first. */
export async function listAlerts(client: ClickHouseClient, f: AlertFilter): Promise<StoredAlert[]> {
  const rs = await client.query({
    query: `
      SELECT ${ALERT_COLUMNS.split(', ').map((c) => `a.${c} AS ${c}`).join(', ')},
        if(s.state = '', 'open', s.state) AS state, s.changed_at AS state_changed_at, s.changed_by AS state_changed_by
      FROM (
        SELECT ${ALERT_COLUMNS} FROM alerts FINAL
        WHERE tenant = {tenant:String}
          AND last_seen >= {from:DateTime64(3, 'UTC')} AND first_seen < {to:DateTime64(3, 'UTC')}
          AND (length({rules:Array(String)}) = 0 OR rule IN {rules:Array(String)})
          AND ({without_users:UInt8} = 0 OR subject_kind != 'user')
          AND ({alert_id:String} = '' OR alert_id = {alert_id:String})
      ) AS a
      LEFT JOIN (
        SELECT alert_id, argMax(state, version) AS state, argMax(changed_at, version) AS changed_at, argMax(changed_by, version) AS changed_by
        FROM alert_states WHERE tenant = {tenant:String} GROUP BY alert_id
      ) AS s ON s.alert_id = a.alert_id
      WHERE length({states:Array(String)}) = 0 OR if(s.state = '', 'open', s.state) IN {states:Array(String)}
      ORDER BY a.last_seen DESC, a.alert_id
      LIMIT {limit:UInt32}`,
    query_params: {
      tenant: f.tenant, from: chTime(f.from), to: chTime(f.to), rules: f.rules ?? [], states: f.states ?? [],
      without_users: f.withoutUsers ? 1 : 0, alert_id: f.alertId ?? '', limit: f.limit,
    },
    format: 'JSONEachRow',
    clickhouse_settings: { join_use_nulls: 0 },
  })
  const rows = await rs.json<AlertRow & { state: string; state_changed_at: string; state_changed_by: string }>()
  return rows.map((r) => {
    // No state row: the join's defaults (an empty state, the epoch) mean "open, never changed".
    const changed = parseChTime(r.state_changed_at)
    return {
      ...fromRow(r),
      state: (ALERT_STATES as readonly string[]).includes(r.state) ? (r.state as AlertState) : 'open',
      state_changed_at: changed > 0 ? changed : null,
      state_changed_by: r.state_changed_by,
    }
  })
}

export async function getAlert(client: ClickHouseClient, tenant: string, alertId: string): Promise<StoredAlert | null> {
  const [a] = await listAlerts(client, { tenant, alertId, from: 0, to: Date.UTC(2100, 0, 1), limit: 1 })
  return a ?? null
}

export async function setAlertState(client: ClickHouseClient, tenant: string, alertId: string, state: AlertState, by: string, now = Date.now()): Promise<void> {
  await client.insert({
    table: 'alert_states',
    values: [{ tenant, alert_id: alertId, state, changed_at: chTime(now), changed_by: by, version: nextVersion(now) }],
    format: 'JSONEachRow',
  })
}
