// The per-event rules of SPEC §4, as pure functions of one stored event, the tenant's rule settings
// and what is known of the user's passkeys at the event's time.
import type { AuthEvent } from '../schemas/auth-event.js'
import type { PasskeyState } from './passkey-state.js'
import { isActive, passesFilters, SEVERITY, type TenantAlertConfig } from './rules.js'
import type { AlertMatch, EventRuleName } from './types.js'

const DAY = 86_400_000

/** An interactive login (SPEC §3): not an API token or app password. */
export function isInteractiveLogin(r: Pick<AuthEvent, 'event_type' | 'method'>): boolean {
  return r.event_type === 'login' && r.method !== 'api_token' && r.method !== 'app_password'
}

/**
 * A phishable completed login whose method we can judge: a downstream SSO log (`sso`) cannot know
 * what the identity provider used, and `unknown` says nothing, so neither is held against anyone.
 */
function isJudgeablePhishable(r: AuthEvent): boolean {
  return isInteractiveLogin(r) && r.outcome === 'success' && r.phishing_resistant === 0 && r.method !== 'sso' && r.method !== 'unknown'
}

/** The event's context that an on-call engineer needs to act, without the raw payload. */
function eventDetails(r: AuthEvent): Record<string, unknown> {
  return {
    event_id: r.event_id, ts: r.ts, source: r.source, method: r.method, second_factor: r.second_factor,
    passkey_type: r.passkey_type, product: r.product, app: r.app, user_type: r.user_type, privileged: r.privileged === 1,
    os: r.os, browser: r.browser, country: r.country, ip: r.ip,
  }
}

const methodText = (r: AuthEvent) => (r.second_factor === 'none' || r.second_factor === 'unknown' ? r.method : `${r.method} + ${r.second_factor}`)
const where = (r: AuthEvent) => (r.product && r.product !== 'other' ? ` on ${r.product}` : r.app ? ` on ${r.app}` : '')

export interface EventContext {
  config: TenantAlertConfig
  passkeys: PasskeyState
}

/**
 * Matches of every active per-event rule for one event at `at` (its ts, epoch ms). Judge an event
 * before the passkey state learns from it: a login is measured against what was true before it.
 */
export function evaluateEvent(r: AuthEvent, at: number, ctx: EventContext): AlertMatch[] {
  if (r.event_type !== 'login') return []
  const { config } = ctx
  const out: AlertMatch[] = []
  const match = (rule: EventRuleName, title: string, details: Record<string, unknown>): void => {
    const p = config.rules[rule]
    if (!isActive(config, rule) || !passesFilters(p, r.product, r.user_type)) return
    out.push({
      tenant: r.tenant, rule, severity: SEVERITY[rule], subject_kind: 'user', subject: r.user_id,
      title, at, evidence: [r.event_id], details: { ...eventDetails(r), ...details },
    })
  }

  if (isJudgeablePhishable(r)) {
    const fb = config.rules.password_fallback
    if (ctx.passkeys.hasPasskeyAt(r.tenant, r.user_id, at, fb.lookback_days * DAY)) {
      const afterFailure = ctx.passkeys.passkeyFailureWithin(r.tenant, r.user_id, at, fb.after_failure_s * 1000)
      match('password_fallback',
        `${r.user_id} has a passkey but signed in with ${methodText(r)}${where(r)}${afterFailure ? ' after a passkey failure' : ''}`,
        { after_failure: afterFailure })
    }
    if (r.privileged === 1) {
      match('privileged_phishable_login', `Privileged user ${r.user_id} signed in with a phishable method (${methodText(r)})${where(r)}`, {})
    }
  }
  if (r.outcome === 'success' && r.method === 'app_password') {
    match('deprecated_credential', `${r.user_id} signed in with an app password${where(r)}`, {})
  }
  // A synced passkey, as the primary credential or as the WebAuthn second factor.
  if (r.outcome === 'success' && r.privileged === 1 && r.passkey_type === 'synced' && (r.method === 'passkey' || r.second_factor === 'webauthn')) {
    match('privileged_synced_passkey', `Privileged user ${r.user_id} signed in with a synced passkey${r.authenticator ? ` (${r.authenticator})` : ''}${where(r)}; device-bound credentials are required`, {})
  }
  return out
}
