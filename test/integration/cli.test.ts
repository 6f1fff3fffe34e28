// The built CLI as an operator runs it: real child processes on this file's own embedded ClickHouse
// directory. The children own that directory while they run; the test opens it only between them.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../core/config.js'
import { PROJECT_ROOT } from '../../core/paths.js'
import { rowError } from '../../ingest/validate.js'
import { openStore } from '../../store/clickhouse.js'
import { assertBuilt, runCli } from '../helpers/cli.js'
import { nativeLogin, ONE_PER_SOURCE } from '../helpers/events.js'
import { queryRows } from '../helpers/store.js'

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures')
const fixtureText = (path: string) => readFileSync(join(FIXTURES, path), 'utf8')
const fixture = (path: string): unknown => JSON.parse(fixtureText(path))


const dataDir = mkdtempSync(join(tmpdir(), 'pulse-cli-'))
const files = mkdtempSync(join(tmpdir(), 'pulse-cli-files-'))
const env = { PULSE_DATA_DIR: dataDir, PULSE_BATCH_MAX_MS: '50' }
const cli = (args: string[], input?: string) => runCli(args, env, input)

beforeAll(() => assertBuilt())
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(files, { recursive: true, force: true })
})

/** Queries the data directory while no child process has it open. */
async function query<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const store = openStore(loadConfig({ PULSE_DATA_DIR: dataDir }).clickhouse, dataDir)
  try {
    return await queryRows<T>(store, sql, params)
  } finally {
    await store.close()
  }
}

async function stored(tenant: string, final = true): Promise<number> {
  const [r] = await query<{ n: number }>(`SELECT count() AS n FROM auth_events ${final ? 'FINAL' : ''} WHERE tenant = {tenant:String}`, { tenant })
  return Number(r?.n ?? 0)
}

function write(name: string, text: string): string {
  const path = join(files, name)
  writeFileSync(path, text)
  return path
}

const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n'

/** The numbers of `import`'s summary line. */
function importSummary(stdout: string) {
  const m = /: (\d+) events read, (\d+) rows stored, (\d+) already stored, (\d+) ignored \(not about authentication\), (\d+) rejected/.exec(stdout)
  if (!m) throw new Error(`no summary line in: ${stdout}`)
  const [read, rows, already, ignored, rejected] = m.slice(1).map(Number)
  return { read, rows, already, ignored, rejected }
}

describe('migrate', () => {
  it('applies the migrations once, then says the schema is up to date', () => {
    const first = cli(['migrate'])
    expect(first.stderr).toBe('')
    expect(first.status).toBe(0)
    const applied = /Applied (\d+) migration\(s\): (.+)/.exec(first.stdout)
    expect(applied).not.toBeNull()
    expect(Number(applied![1])).toBeGreaterThanOrEqual(3)
    expect(applied![2]).toContain('001_auth_events')
    const second = cli(['migrate'])
    expect(second.status).toBe(0)
    expect(second.stdout).toMatch(new RegExp(`^Schema is up to date \\(${applied![1]} migrations applied earlier\\)`))
  })
})

describe('import', () => {
  it('imports NDJSON (one broken line), a JSON array and a CSV exactly, and counts a re-import as already stored', async () => {
    const nd = Array.from({ length: 6 }, () => nativeLogin())
    const broken = '{"ts": "2026-10-01T09:00:00Z", "user_id":'
    const ndPath = write('events.ndjson', `${JSON.stringify(nd[0])}\n${JSON.stringify(nd[1])}\n${broken}\n\n${ndjson(nd.slice(2))}`)
    const arrPath = write('events.json', JSON.stringify(Array.from({ length: 4 }, () => nativeLogin({ method: 'password', second_factor: 'push', passkey_type: '' })), null, 2))
    const csvPath = write('events.csv', [
      'ts,source_event_id,event_type,outcome,failure_reason,user_id,method,second_factor,passkey_type,product,app,privileged,latency_ms',
      '2026-10-02T08:00:00.000Z,csv-1,login,success,,ann@acme.example,passkey,none,device_bound,jira,Jira,1,1800',
      '2026-10-02T08:05:00.000Z,csv-2,login,failure,invalid_credentials,bob@acme.example,password,none,,confluence,Confluence,0,',
      '2026-10-02T08:10:00.000Z,csv-3,password_reset,success,,bob@acme.example,password,none,,other,,0,',
    ].join('\n') + '\n')

    const cases = [
      { path: ndPath, tenant: 'imp-ndjson', read: 7, rows: 6, rejected: 1 },
      { path: arrPath, tenant: 'imp-json', read: 4, rows: 4, rejected: 0 },
      { path: csvPath, tenant: 'imp-csv', read: 3, rows: 3, rejected: 0 },
    ]
    for (const c of cases) {
      const r = cli(['import', c.path, '--source', 'native', '--tenant', c.tenant])
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      expect(r.stdout).toContain(`Imported ${c.path}:`)
      expect(importSummary(r.stdout)).toEqual({ read: c.read, rows: c.rows, already: 0, ignored: 0, rejected: c.rejected })
      if (c.rejected) expect(r.stdout).toMatch(/rejected #2: invalid_json: not JSON: /)
    }
    for (const c of cases) {
      const again = cli(['import', c.path, '--source', 'native', '--tenant', c.tenant])
      expect(again.status).toBe(0)
      expect(importSummary(again.stdout)).toEqual({ read: c.read, rows: 0, already: c.rows, ignored: 0, rejected: c.rejected })
    }
    for (const c of cases) {
      expect(await stored(c.tenant)).toBe(c.rows)
      expect(await stored(c.tenant, false)).toBe(c.rows)
    }
    const dead = await query<{ n: number }>("SELECT count() AS n FROM dead_letters FINAL WHERE tenant = 'imp-ndjson' AND reason_code = 'invalid_json' AND payload = {p:String}", { p: broken })
    expect(Number(dead[0]!.n)).toBe(1)
    const csvRows = await query<Record<string, unknown>>(
      "SELECT source_event_id, outcome, failure_reason, method, passkey_type, privileged, latency_ms, event_type FROM auth_events FINAL WHERE tenant = 'imp-csv' ORDER BY source_event_id")
    expect(csvRows).toEqual([
      { source_event_id: 'csv-1', outcome: 'success', failure_reason: '', method: 'passkey', passkey_type: 'device_bound', privileged: 1, latency_ms: 1800, event_type: 'login' },
      { source_event_id: 'csv-2', outcome: 'failure', failure_reason: 'invalid_credentials', method: 'password', passkey_type: '', privileged: 0, latency_ms: null, event_type: 'login' },
      { source_event_id: 'csv-3', outcome: 'success', failure_reason: '', method: 'password', passkey_type: '', privileged: 0, latency_ms: null, event_type: 'password_reset' },
    ])
  })

  it('--source auto recognises every vendor in one NDJSON file, assembles the Okta flow and ignores the non-auth event', async () => {
    const events = [
      ...Object.entries(ONE_PER_SOURCE).map(([source, file]) => fixture(`${source}/${file}`)),
      ...(fixture('okta/flow-password-push.json') as unknown[]),
      fixture('okta/policy-evaluate-sign-on.json'),
    ]
    const path = write('mixed.ndjson', ndjson(events))
    const r = cli(['import', path, '--source', 'auto', '--tenant', 'imp-auto'])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(importSummary(r.stdout)).toEqual({ read: 16, rows: 13, already: 0, ignored: 1, rejected: 0 })
    const bySource = await query<{ source: string; n: number }>(
      "SELECT source, count() AS n FROM auth_events FINAL WHERE tenant = 'imp-auto' GROUP BY source ORDER BY source")
    expect(Object.fromEntries(bySource.map((b) => [b.source, Number(b.n)])))
      .toEqual({ ...Object.fromEntries(Object.keys(ONE_PER_SOURCE).map((k) => [k, 1])), okta: 2 })
    const flow = await query<Record<string, unknown>>(
      "SELECT event_type, method, second_factor FROM auth_events FINAL WHERE tenant = 'imp-auto' AND flow_id = 'idxT0kLm3nOpQ4rS5tU6vW7'")
    expect(flow).toEqual([{ event_type: 'login', method: 'password', second_factor: 'push' }])
  })

  it('exits 2 naming a missing file, and 2 with a reason for a .json file that is not JSON', () => {
    const missing = join(files, 'nope.ndjson')
    const r = cli(['import', missing, '--source', 'native'])
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(`Cannot read ${missing}:`)
    expect(r.stderr).toMatch(/no such file/)

    const notJson = write('broken.json', 'ts,user_id\n2026-10-01,a@b.c\n')
    const j = cli(['import', notJson, '--source', 'native'])
    expect(j.status).toBe(2)
    expect(j.stderr).toMatch(new RegExp(`Cannot read ${notJson}: not a JSON document .*; use --format ndjson`, 's'))
  })

  it('refuses an unknown source listing the known ones, and CSV for any source but native', () => {
    const csv = write('one.csv', 'ts,event_type,outcome,user_id\n2026-10-01T00:00:00Z,login,success,a@acme.example\n')
    const r = cli(['import', csv, '--source', 'myspace'])
    expect(r.status).not.toBe(0)
    expect(r.stderr).toMatch(/Unknown source "myspace"; known sources: .*okta.*native.*auto/)
    const okta = cli(['import', csv, '--source', 'okta', '--format', 'csv'])
    expect(okta.status).toBe(2)
    expect(okta.stderr).toMatch(/CSV holds already-normalised events only: use --source native/)
  })
})

describe('analytics', () => {
  it('refuses to run as the distributed analytics service without a ClickHouse server or Kafka, saying which', () => {
    const noServer = runCli(['analytics', '--port', '0'], { ...env, CLICKHOUSE_URL: '', KAFKA_BROKERS: '127.0.0.1:9' })
    expect(noServer.status).not.toBe(0)
    expect(noServer.stderr).toMatch(/set CLICKHOUSE_URL/)
    const noKafka = runCli(['analytics', '--port', '0'], { ...env, CLICKHOUSE_URL: 'http://127.0.0.1:9', KAFKA_BROKERS: '' })
    expect(noKafka.status).not.toBe(0)
    expect(noKafka.stderr).toMatch(/set KAFKA_BROKERS/)
  })
})

describe('normalize', () => {
  it('assembles the Okta MFA steps and session start into exactly one login row', () => {
    const r = cli(['normalize', '--source', 'okta'], ndjson(fixture('okta/flow-password-push.json') as unknown[]))
    expect(r.status).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const row = JSON.parse(lines[0]!)
    expect(rowError(row)).toBeNull()
    expect(row).toMatchObject({ event_type: 'login', outcome: 'success', method: 'password', second_factor: 'push', source: 'okta', flow_id: 'idxT0kLm3nOpQ4rS5tU6vW7' })
    expect(r.stderr).toMatch(/3 events read, 1 rows out, 0 ignored, 0 rejected/)
  })

  it('reports a non-auth event as ignored and a broken line as rejected, with reasons, on stderr only', () => {
    const ign = cli(['normalize', '--source', 'okta'], ndjson([fixture('okta/policy-evaluate-sign-on.json')]))
    expect(ign.status).toBe(0)
    expect(ign.stdout).toBe('')
    expect(ign.stderr).toMatch(/^ignored\s+line 1: policy\.evaluate_sign_on is a policy evaluation, not a login$/m)
    const bad = cli(['normalize', '--source', 'okta'], '{"eventType": "user.session.start", \n')
    expect(bad.status).toBe(0)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(/^rejected line 1: invalid_json: not JSON: .+$/m)
  })

  it('emits only rows valid against the schema for every fixture of every source', () => {
    for (const source of readdirSync(FIXTURES)) {
      const events = readdirSync(join(FIXTURES, source)).flatMap((f) => {
        const p = fixture(`${source}/${f}`)
        return Array.isArray(p) ? p : [p]
      })
      const r = cli(['normalize', '--source', source], ndjson(events))
      expect(r.status, `${source}: ${r.stderr}`).toBe(0)
      const lines = r.stdout.split('\n').filter(Boolean)
      expect(lines.length, source).toBeGreaterThan(0)
      for (const line of lines) {
        const row = JSON.parse(line) as { source: string }
        expect(rowError(row), `${source}: ${line}`).toBeNull()
        expect(row.source).toBe(source)
      }
      expect(r.stderr).toMatch(new RegExp(`normalize: ${events.length} events read, ${lines.length} rows out, \\d+ ignored, \\d+ rejected`))
    }
  })
})

describe('demo', () => {
  it('stores N demo events, exactly N rows, and a second run with the same flags stores nothing new', { timeout: 120_000 }, async () => {
    const flags = ['demo', '--users', '200', '--days', '10', '--seed', '7']
    const first = cli(flags)
    expect(first.stderr).toBe('')
    expect(first.status).toBe(0)
    const m = /^Stored (\d+) demo events in /.exec(first.stdout)
    expect(m).not.toBeNull()
    const n = Number(m![1])
    expect(n).toBeGreaterThan(1_000)
    expect(await stored('default')).toBe(n)
    expect(await stored('default', false)).toBe(n)

    const second = cli(flags)
    expect(second.status).toBe(0)
    expect(second.stdout).toMatch(new RegExp(`^Stored 0 demo events in .*\\(${n} already stored\\)`))
    expect(await stored('default')).toBe(n)
    expect(await stored('default', false)).toBe(n)
  })
})
