// Flow assembly (SPEC §1, "one login per completed flow"): joins the step events a vendor logs for one
// sign-in (Okta MFA verifications before user.session.start, Entra interrupts, PingFederate attempts)
// to the final login row with the same tenant and flow_id, within a bounded window. Steps supply the
// second factor, the passkey details and the start time; the final event supplies the outcome.
//
// State is bounded (maxFlows pending flows, each held for the window after it arrived). A step whose
// flow never completes is stored as what it says alone (its standalone row) when the window passes,
// when the state is full, or at shutdown; a crash loses at most the window's unfinished steps.
// The window runs on arrival (wall-clock) time, not event time: one worker sees backfills and live
// traffic interleaved, and a watermark from the newest event would expire the old flows too early.
import {
  isPhishingResistantByMethod, type AuthEvent, type Method, type SecondFactor,
} from '../schemas/auth-event.js'
import type { FlowStep } from './fate.js'

export const FLOW_WINDOW_MS = 5 * 60_000

export interface FlowAssemblerOptions {
  windowMs?: number
  maxFlows?: number
  /** Wall clock, for tests. */
  now?: () => number
}

/** What one raw event contributed: its rows and its steps, under the tenant it was written for. */
export interface AssemblyInput {
  tenant: string
  rows: readonly AuthEvent[]
  steps?: readonly FlowStep[]
}

interface PendingFlow {
  steps: FlowStep[]
  arrivedAt: number
}

export interface AssemblyStats {
  pendingFlows: number
  joined: number
  expired: number
  lateSteps: number
}

// When a flow names no primary credential but a factor was used, that factor was the only one.
const ONLY_FACTOR: Partial<Record<SecondFactor, Method>> = {
  push: 'authenticator_app', totp: 'authenticator_app', webauthn: 'passkey', sms: 'otp', voice: 'otp', email: 'otp',
}

const keyOf = (tenant: string, flowId: string) => `${tenant}\u0000${flowId}`
const tsMsOf = (row: AuthEvent) => Date.parse(`${row.ts.replace(' ', 'T')}Z`)

/** The final login row with what its steps tell. Pure. */
export function mergeFlow(row: AuthEvent, steps: readonly FlowStep[], windowMs = FLOW_WINDOW_MS): AuthEvent {
  const out: AuthEvent = { ...row }
  const ordered = [...steps].sort((a, b) => a.tsMs - b.tsMs)
  let resistant = row.phishing_resistant === 1
  for (const step of ordered) {
    const c = step.contributes
    if (c.outcome === 'failure') {
      // A failed step explains a failed flow; it says nothing about how a successful one ended.
      if (out.outcome === 'failure' && out.failure_reason === 'other' && c.failure_reason) out.failure_reason = c.failure_reason
      continue
    }
    if (c.method && c.method !== 'unknown' && out.method === 'unknown') out.method = c.method
    if (c.second_factor && c.second_factor !== 'none' && c.second_factor !== 'unknown' &&
        (out.second_factor === 'none' || out.second_factor === 'unknown')) out.second_factor = c.second_factor
    if (c.passkey_type && !out.passkey_type) {
      out.passkey_type = c.passkey_type
      out.authenticator = c.authenticator ?? out.authenticator
      out.aaguid = c.aaguid ?? out.aaguid
    }
    if (c.phishing_resistant === 1) resistant = true
  }
  const only = out.method === 'unknown' ? ONLY_FACTOR[out.second_factor] : undefined
  if (only) {
    out.method = only
    out.second_factor = 'none'
  }
  if (out.latency_ms === null && ordered.length > 0) {
    const fromStart = tsMsOf(row) - ordered[0]!.tsMs
    const declared = ordered.find((s) => s.contributes.latency_ms)?.contributes.latency_ms ?? null
    out.latency_ms = fromStart >= 1 && fromStart <= windowMs ? fromStart : declared
  }
  out.phishing_resistant = resistant || isPhishingResistantByMethod(out.method, out.second_factor) ? 1 : 0
  return out
}

export class FlowAssembler {
  private readonly windowMs: number
  private readonly maxFlows: number
  private readonly now: () => number
  /** Insertion order is arrival order, so the first entries are the oldest. */
  private readonly pending = new Map<string, PendingFlow>()
  /** Flows already completed (with when), so that a late step is not stored as a login of its own. */
  private readonly completed = new Map<string, number>()
  private readonly stats: AssemblyStats = { pendingFlows: 0, joined: 0, expired: 0, lateSteps: 0 }

  constructor(opts: FlowAssemblerOptions = {}) {
    this.windowMs = opts.windowMs ?? FLOW_WINDOW_MS
    this.maxFlows = opts.maxFlows ?? 100_000
    this.now = opts.now ?? Date.now
  }

  /** Feeds what the normalisers produced, in arrival order; returns the rows that are ready to store. */
  assemble(inputs: Iterable<AssemblyInput>): AuthEvent[] {
    const ready: AuthEvent[] = []
    const arrivedAt = this.now()
    for (const input of inputs) {
      for (const step of input.steps ?? []) {
        const key = keyOf(input.tenant, step.flow_id)
        if (this.completed.has(key)) {
          this.stats.lateSteps++
          continue
        }
        const flow = this.pending.get(key)
        if (flow) flow.steps.push(step)
        else this.pending.set(key, { steps: [step], arrivedAt })
      }
      for (const row of input.rows) {
        if (row.event_type !== 'login' || !row.flow_id) {
          ready.push(row)
          continue
        }
        const key = keyOf(input.tenant, row.flow_id)
        const flow = this.pending.get(key)
        if (flow) {
          this.pending.delete(key)
          this.stats.joined++
          ready.push(mergeFlow(row, flow.steps, this.windowMs))
        } else {
          ready.push(row)
        }
        this.markCompleted(key, arrivedAt)
      }
    }
    this.expireInto(ready)
    return ready
  }

  /** Standalone rows of the flows whose window has passed (call periodically when no events arrive). */
  expire(): AuthEvent[] {
    const out: AuthEvent[] = []
    this.expireInto(out)
    return out
  }

  /** Every pending flow as what its steps say alone: for shutdown and the end of a file. */
  drain(): AuthEvent[] {
    const out: AuthEvent[] = []
    for (const flow of this.pending.values()) this.release(flow, out)
    this.pending.clear()
    return out
  }

  snapshot(): AssemblyStats {
    return { ...this.stats, pendingFlows: this.pending.size }
  }

  private expireInto(out: AuthEvent[]): void {
    const now = this.now()
    // Arrival order: the first flow that is neither stale nor over the bound ends the scan.
    for (const [key, flow] of this.pending) {
      if (now - flow.arrivedAt <= this.windowMs && this.pending.size <= this.maxFlows) break
      this.pending.delete(key)
      this.release(flow, out)
    }
    // Completed keys only need to outlive the window in which their late steps could still come.
    for (const [key, at] of this.completed) {
      if (this.completed.size <= this.maxFlows && now - at <= this.windowMs) break
      this.completed.delete(key)
    }
  }

  private release(flow: PendingFlow, out: AuthEvent[]): void {
    this.stats.expired++
    for (const step of flow.steps) if (step.standalone) out.push(step.standalone)
  }

  private markCompleted(key: string, at: number): void {
    this.completed.delete(key)
    this.completed.set(key, at)
  }
}
