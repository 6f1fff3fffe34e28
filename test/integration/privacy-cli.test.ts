// The privacy step on the command-line paths: `normalize` shows the rows ingest would store (pseudonymised,
// truncated), and `import` stores them so, dead letters included. Real processes, a real embedded store.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../core/paths.js'
import { createPrivacy, PSEUDONYM } from '../../ingest/privacy.js'
import { assertBuilt, runCli } from '../helpers/cli.js'
import { dumpStore } from './privacy-store-dump.js'

const SECRET = 'privacy-cli-test-key-0123456789'
const privacy = createPrivacy({ pseudonymizeSecret: SECRET, ipTruncate: true })!
const dir = mkdtempSync(join(tmpdir(), 'pulse-privacy-cli-'))
const env = { PULSE_PSEUDONYMIZE_SECRET: SECRET, PULSE_IP_TRUNCATE: 'on', PULSE_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'debug' }
// Okta's fixture: Alice.Nguyen@Example.com from 203.0.113.25; a line that is not JSON, with an e-mail and an IP.
const okta = JSON.stringify(JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'okta', 'session-start-password.json'), 'utf8')))
const file = join(dir, 'events.ndjson')
const PLAIN = ['alice.nguyen@example.com', '203.0.113.25', 'zoe.cli@evil.example', '198.51.100.250']

beforeAll(() => {
  assertBuilt()
  writeFileSync(file, `${okta}\n{"who":"Zoe.CLI@evil.example","from":"198.51.100.250"\n`)
})
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

const leaks = (text: string) => PLAIN.filter((p) => text.toLowerCase().includes(p))

describe('privacy on the CLI paths', () => {
  it('`normalize` prints pseudonymised, truncated rows and scrubbed reasons', () => {
    const r = runCli(['normalize', '--source', 'okta', file], env)
    expect(r.status, r.stderr).toBe(0)
    const row = JSON.parse(r.stdout.trim()) as { user_id: string; user_domain: string; ip: string }
    expect(row).toMatchObject({ user_id: privacy.pseudonym('alice.nguyen@example.com'), user_domain: 'example.com', ip: '203.0.113.0' })
    expect(leaks(r.stdout + r.stderr), r.stdout + r.stderr).toEqual([])
  })

  it('`import` stores rows and dead letters with no plain value', { timeout: 120_000 }, () => {
    const r = runCli(['import', '--source', 'okta', file], env)
    expect(r.status, r.stderr).toBe(0)
    expect(leaks(r.stdout + r.stderr)).toEqual([])
    const dump = dumpStore(env.PULSE_DATA_DIR)
    for (const [table, text] of Object.entries(dump)) expect(leaks(text), table).toEqual([])
    const rows = dump.auth_events.trim().split('\n').map((l) => JSON.parse(l) as { user_id: string; raw: string })
    expect(rows).toHaveLength(1)
    expect(rows[0]!.user_id).toMatch(PSEUDONYM)
    expect(rows[0]!.raw).toContain(privacy.pseudonym('alice.nguyen@example.com'))
    expect(dump.dead_letters).toContain(privacy.pseudonym('zoe.cli@evil.example'))
    expect(dump.dead_letters).toContain('198.51.100.0')
  })
})
