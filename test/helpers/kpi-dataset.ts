// A small organisation whose every KPI is computed by hand (the expectations live in the tests that use it).
// Native events, written through the real ingest path so the materialized views fire.
//
// Period under test: 2026-10-01 to 2026-10-31 (exclusive, 30 days). Baseline window: September (30 days).
//
//   alice  Engineering, jira, macOS/Safari       registered (synced) 09-01; passkey 10-02, 10-04; a failed passkey
//                                                10-03 09:00 then password + TOTP 09:05 (fallback after failure); sso 10-05
//   bob    Sales, confluence, Windows/Chrome     password 09-10, 09-20, reset 09-11, lockout 09-12; password 10-10 08:00,
//                                                registers (device-bound) 08:01, password 15:00 (fallback); passkey 10-11..14
//   carol  IT, privileged, bitbucket, Windows/Edge   registered (YubiKey) 08-01; device-bound passkey 10-02..06
//   dave   IT, privileged, jira, macOS/Chrome     failed password 10-02 08:59, password + push 09:00, password + WebAuthn 10-03
//   erin   Design, privileged, jira, Linux/Firefox   passkey (synced, never registered here) 10-07, 10-08; password + SMS 10-09
//   frank  guest, trello, Windows/Chrome         sso 09-10, 10-15, 10-16; resets 09-13, 10-15; lockout 10-16
//   grace  Sales, confluence, Android/Chrome     registered 09-15; password 10-19 (fallback); removed 10-20;
//                                                password 10-21 (not a fallback); phishing refused 10-21; reset 10-21; API token 10-22
//   heidi  Support, jira, Windows/Chrome         passkey 2026-03-01 (older than the 180-day look-back); password 10-05
import type { IngestService } from '../../ingest/service.js'

export const PERIOD = { from: '2026-10-01', to: '2026-10-31' }
export const BASELINE = { baseline_from: '2026-09-01', baseline_to: '2026-10-01' }
export const MONTHS = 30 / 30.4375

interface Person {
  id: string
  department: string
  user_type: string
  privileged: 0 | 1
  product: string
  os: string
  browser: string
  device_type: string
}

const person = (name: string, department: string, product: string, os: string, browser: string, o: Partial<Person> = {}): Person => ({
  id: `${name}@acme.example`, department, user_type: 'employee', privileged: 0, product, os, browser, device_type: 'desktop', ...o,
})

export const PEOPLE = {
  alice: person('alice', 'Engineering', 'jira', 'macOS', 'Safari'),
  bob: person('bob', 'Sales', 'confluence', 'Windows', 'Chrome'),
  carol: person('carol', 'IT', 'bitbucket', 'Windows', 'Edge', { privileged: 1 }),
  dave: person('dave', 'IT', 'jira', 'macOS', 'Chrome', { privileged: 1 }),
  erin: person('erin', 'Design', 'jira', 'Linux', 'Firefox', { privileged: 1 }),
  frank: person('frank', '', 'trello', 'Windows', 'Chrome', { user_type: 'guest' }),
  grace: person('grace', 'Sales', 'confluence', 'Android', 'Chrome', { device_type: 'mobile' }),
  heidi: person('heidi', 'Support', 'jira', 'Windows', 'Chrome'),
} as const

let seq = 0
type Over = Record<string, unknown>

export function event(p: Person, ts: string, over: Over = {}): Over {
  return {
    ts, source_event_id: `kpi-${++seq}`, event_type: 'login', outcome: 'success', user_id: p.id,
    user_type: p.user_type, privileged: p.privileged, department: p.department, product: p.product, app: p.product,
    os: p.os, browser: p.browser, device_type: p.device_type, method: 'unknown', second_factor: 'none', passkey_type: '',
    ...over,
  }
}

const pk = (type: 'synced' | 'device_bound', authenticator: string, latency_ms?: number): Over =>
  ({ method: 'passkey', passkey_type: type, authenticator, ...(latency_ms !== undefined ? { latency_ms } : {}) })
const pw = (second_factor: string, latency_ms: number): Over => ({ method: 'password', second_factor, latency_ms })

export function acmeEvents(): Over[] {
  const { alice, bob, carol, dave, erin, frank, grace, heidi } = PEOPLE
  return [
    event(alice, '2026-09-01T10:00:00Z', { event_type: 'passkey_registered', ...pk('synced', 'iCloud Keychain') }),
    event(alice, '2026-10-02T09:00:00Z', pk('synced', 'iCloud Keychain', 2000)),
    event(alice, '2026-10-03T09:00:00Z', { outcome: 'failure', failure_reason: 'passkey_failed', ...pk('synced', 'iCloud Keychain', 9000) }),
    event(alice, '2026-10-03T09:05:00Z', pw('totp', 20000)),
    event(alice, '2026-10-04T09:00:00Z', pk('synced', 'iCloud Keychain', 3000)),
    event(alice, '2026-10-05T09:00:00Z', { method: 'sso' }),

    event(bob, '2026-09-10T08:00:00Z', pw('none', 10000)),
    event(bob, '2026-09-11T08:00:00Z', { event_type: 'password_reset', method: 'password' }),
    event(bob, '2026-09-12T08:00:00Z', { event_type: 'account_locked', method: 'password' }),
    event(bob, '2026-09-20T08:00:00Z', pw('none', 10000)),
    event(bob, '2026-10-10T08:00:00Z', pw('none', 11000)),
    event(bob, '2026-10-10T08:01:00Z', { event_type: 'passkey_registered', ...pk('device_bound', 'Windows Hello') }),
    event(bob, '2026-10-10T15:00:00Z', pw('none', 12000)),
    event(bob, '2026-10-11T09:00:00Z', pk('device_bound', 'Windows Hello', 1500)),
    event(bob, '2026-10-12T09:00:00Z', pk('device_bound', 'Windows Hello', 2500)),
    event(bob, '2026-10-13T09:00:00Z', pk('device_bound', 'Windows Hello', 3500)),
    event(bob, '2026-10-14T09:00:00Z', pk('device_bound', 'Windows Hello', 4500)),

    event(carol, '2026-08-01T09:00:00Z', { event_type: 'passkey_registered', ...pk('device_bound', 'YubiKey 5 Series') }),
    ...[2, 3, 4, 5, 6].map((d) => event(carol, `2026-10-0${d}T09:00:00Z`, pk('device_bound', 'YubiKey 5 Series', 2000))),

    event(dave, '2026-10-02T08:59:00Z', { outcome: 'failure', failure_reason: 'invalid_credentials', ...pw('push', 5000) }),
    event(dave, '2026-10-02T09:00:00Z', pw('push', 18000)),
    event(dave, '2026-10-03T09:00:00Z', pw('webauthn', 8000)),

    event(erin, '2026-10-07T09:00:00Z', pk('synced', 'Google Password Manager', 2200)),
    event(erin, '2026-10-08T09:00:00Z', pk('synced', 'Google Password Manager', 2600)),
    event(erin, '2026-10-09T09:00:00Z', pw('sms', 25000)),

    event(frank, '2026-09-10T10:00:00Z', { method: 'sso' }),
    event(frank, '2026-09-13T10:00:00Z', { event_type: 'password_reset', method: 'password' }),
    event(frank, '2026-10-15T10:00:00Z', { method: 'sso' }),
    event(frank, '2026-10-15T11:00:00Z', { event_type: 'password_reset', method: 'password' }),
    event(frank, '2026-10-16T10:00:00Z', { method: 'sso' }),
    event(frank, '2026-10-16T11:00:00Z', { event_type: 'account_locked', method: 'password' }),

    event(grace, '2026-09-15T09:00:00Z', { event_type: 'passkey_registered', ...pk('synced', 'Google Password Manager') }),
    event(grace, '2026-10-19T09:00:00Z', pw('none', 9000)),
    event(grace, '2026-10-20T10:00:00Z', { event_type: 'passkey_removed', ...pk('synced', 'Google Password Manager') }),
    event(grace, '2026-10-21T09:00:00Z', pw('none', 9000)),
    event(grace, '2026-10-21T12:00:00Z', { outcome: 'failure', failure_reason: 'phishing_blocked', ...pk('synced', 'Google Password Manager', 4000) }),
    event(grace, '2026-10-21T13:00:00Z', { event_type: 'password_reset', method: 'password' }),
    event(grace, '2026-10-22T09:00:00Z', { method: 'api_token' }),

    event(heidi, '2026-03-01T09:00:00Z', pk('synced', 'iCloud Keychain', 2000)),
    event(heidi, '2026-10-05T09:00:00Z', pw('none', 9000)),
  ]
}

/** Another tenant's busy passkey user: none of it may appear in acme's answers. */
export function globexEvents(): Over[] {
  const zed = { ...person('zed', 'IT', 'jira', 'macOS', 'Safari', { privileged: 1 }), id: 'zed@globex.example' }
  return [
    event(zed, '2026-09-01T09:00:00Z', { event_type: 'password_reset', method: 'password' }),
    ...Array.from({ length: 20 }, (_, i) => event(zed, `2026-10-${String(i + 1).padStart(2, '0')}T09:00:00Z`, pk('synced', 'iCloud Keychain', 2500))),
    event(zed, '2026-10-21T09:00:00Z', pw('none', 9000)),
    event(zed, '2026-10-22T09:00:00Z', { outcome: 'failure', failure_reason: 'phishing_blocked', ...pk('synced', 'iCloud Keychain', 2500) }),
  ]
}

export async function ingestNative(service: IngestService, tenant: string, events: Over[]): Promise<void> {
  const summary = await service.ingest(events.map((payload) => ({ payload, source: 'native', tenant })))
  if (summary.rejected > 0 || summary.stored !== events.length) throw new Error(`ingest for ${tenant}: ${JSON.stringify(summary)}`)
  await service.flush()
}
