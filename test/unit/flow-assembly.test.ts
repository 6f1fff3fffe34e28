import { describe, expect, it } from 'vitest'
import type { FlowStep } from '../../ingest/fate.js'
import { FlowAssembler, mergeFlow } from '../../ingest/flow-assembly.js'
import { completeRow } from '../../ingest/normalizers/row.js'
import { rowError } from '../../ingest/validate.js'
import type { AuthEvent } from '../../schemas/auth-event.js'

const ctx = { tenant: 't', ingestedAt: '2026-11-01 00:00:00.000' }
const T0 = Date.UTC(2026, 9, 1, 9, 0, 0)

function login(over: Partial<AuthEvent> & { tsMs?: number } = {}): AuthEvent {
  const { tsMs = T0 + 20_000, ...rest } = over
  return completeRow({ event_type: 'login', outcome: 'success', user_id: 'ana@acme.example', tsMs, source_event_id: `final-${tsMs}-${rest.flow_id}`, flow_id: 'f1', method: 'unknown', second_factor: 'unknown', ...rest }, 'okta', {}, ctx)
}
function step(contributes: FlowStep['contributes'], tsMs = T0, flow_id = 'f1', standalone: AuthEvent | null = null): FlowStep {
  return { flow_id, tsMs, contributes, standalone }
}
const input = (rows: AuthEvent[], steps: FlowStep[] = [], tenant = 't') => ({ tenant, rows, steps })

describe('mergeFlow', () => {
  it('takes the primary, the second factor and the start time from the steps', () => {
    const r = mergeFlow(login(), [step({ method: 'password' }, T0), step({ second_factor: 'push' }, T0 + 8_000)])
    expect([r.method, r.second_factor, r.latency_ms, r.phishing_resistant, r.outcome]).toEqual(['password', 'push', 20_000, 0, 'success'])
    expect(rowError(r)).toBeNull()
  })

  it('treats a lone factor as the only one: a passkey step alone is a passkey login', () => {
    const r = mergeFlow(login(), [step({ second_factor: 'webauthn', passkey_type: 'synced', authenticator: 'Apple Passwords', aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd' })])
    expect([r.method, r.second_factor, r.passkey_type, r.authenticator, r.phishing_resistant]).toEqual(['passkey', 'none', 'synced', 'Apple Passwords', 1])
  })

  it('keeps WebAuthn as second factor after a password, phishing-resistant', () => {
    const r = mergeFlow(login({ method: 'password', second_factor: 'none' }), [step({ second_factor: 'webauthn', passkey_type: 'device_bound' })])
    expect([r.method, r.second_factor, r.passkey_type, r.phishing_resistant]).toEqual(['password', 'webauthn', 'device_bound', 1])
  })

  it('carries a phishing-resistant authenticator (FastPass) and the final outcome', () => {
    const r = mergeFlow(login(), [step({ method: 'authenticator_app', phishing_resistant: 1 })])
    expect([r.method, r.phishing_resistant]).toEqual(['authenticator_app', 1])
  })

  it('lets failed steps explain a failed flow but not shape a successful one', () => {
    const failed = mergeFlow(login({ outcome: 'failure', failure_reason: 'other' }), [step({ outcome: 'failure', failure_reason: 'mfa_denied', second_factor: 'push' })])
    expect([failed.outcome, failed.failure_reason, failed.second_factor]).toEqual(['failure', 'mfa_denied', 'unknown'])
    const ok = mergeFlow(login({ method: 'password' }), [step({ outcome: 'failure', failure_reason: 'mfa_failed', second_factor: 'sms' }), step({ second_factor: 'totp' }, T0 + 1_000)])
    expect([ok.second_factor, ok.failure_reason]).toEqual(['totp', ''])
  })

  it('keeps a vendor latency, and ignores a start outside the window', () => {
    expect(mergeFlow(login({ latency_ms: 1234 }), [step({ second_factor: 'push' })]).latency_ms).toBe(1234)
    expect(mergeFlow(login(), [step({ second_factor: 'push' }, T0 - 10 * 60_000)]).latency_ms).toBeNull()
  })
})

describe('FlowAssembler', () => {
  it('holds steps and joins them to the final login: one row per flow', () => {
    const a = new FlowAssembler()
    expect(a.assemble([input([], [step({ method: 'password' })]), input([], [step({ second_factor: 'totp' }, T0 + 1_000)])])).toEqual([])
    const out = a.assemble([input([login()])])
    expect(out).toHaveLength(1)
    expect([out[0]!.method, out[0]!.second_factor]).toEqual(['password', 'totp'])
    expect(a.snapshot()).toMatchObject({ pendingFlows: 0, joined: 1 })
  })

  it('passes rows without a flow, and non-login rows, straight through', () => {
    const a = new FlowAssembler()
    const reset = completeRow({ event_type: 'password_reset', outcome: 'success', user_id: 'x@y.z', tsMs: T0, flow_id: 'f1' }, 'okta', {}, ctx)
    const noFlow = login({ flow_id: '' })
    expect(a.assemble([input([reset, noFlow])])).toEqual([reset, noFlow])
  })

  it('keeps tenants apart even when flow ids collide', () => {
    const a = new FlowAssembler()
    a.assemble([input([], [step({ second_factor: 'push' })], 'other-tenant')])
    const [r] = a.assemble([input([login()])])
    expect(r!.second_factor).toBe('unknown')
    expect(a.snapshot().pendingFlows).toBe(1)
  })

  it('waits for the final event however new the other traffic is (backfills interleave with live events)', () => {
    let now = 1_000_000
    const a = new FlowAssembler({ now: () => now })
    a.assemble([input([], [step({ method: 'password' }, T0, 'old', null)])])
    const live = login({ flow_id: 'live', tsMs: T0 + 30 * 86_400_000 })
    expect(a.assemble([input([live])])).toEqual([live])
    now += 60_000
    const [joined] = a.assemble([input([login({ flow_id: 'old', tsMs: T0 + 5_000 })])])
    expect([joined!.method, joined!.latency_ms]).toEqual(['password', 5_000])
    expect(a.snapshot()).toMatchObject({ pendingFlows: 0, joined: 1, expired: 0 })
  })

  it('stores an unfinished flow as what its steps say once the window has passed since it arrived', () => {
    let now = 1_000_000
    const a = new FlowAssembler({ now: () => now })
    const alone = login({ flow_id: 'quiet', outcome: 'failure', failure_reason: 'mfa_denied' })
    a.assemble([input([], [step({ outcome: 'failure' }, T0, 'quiet', alone)])])
    now += 4 * 60_000
    expect(a.expire()).toEqual([])
    now += 2 * 60_000
    expect(a.expire()).toEqual([alone])
  })

  it('drops a step that arrives after its flow completed, rather than storing a second login', () => {
    const a = new FlowAssembler()
    a.assemble([input([login()])])
    const late = login({ flow_id: 'f1', outcome: 'failure', failure_reason: 'mfa_failed', tsMs: T0 + 25_000 })
    expect(a.assemble([input([], [step({ outcome: 'failure' }, T0 + 25_000, 'f1', late)])])).toEqual([])
    expect(a.drain()).toEqual([])
    expect(a.snapshot().lateSteps).toBe(1)
  })

  it('bounds its state: beyond maxFlows the oldest flows are released', () => {
    const a = new FlowAssembler({ maxFlows: 3 })
    const rows = Array.from({ length: 5 }, (_, i) => login({ flow_id: `f${i}`, outcome: 'failure', failure_reason: 'other' }))
    const out = a.assemble(rows.map((r, i) => input([], [step({ outcome: 'failure' }, T0, `f${i}`, r)])))
    expect(out).toEqual([rows[0], rows[1]])
    expect(a.snapshot().pendingFlows).toBe(3)
    expect(a.drain()).toEqual(rows.slice(2))
  })
})
