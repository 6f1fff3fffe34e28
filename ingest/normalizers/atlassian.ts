// `atlassian`: Atlassian organisation audit log events (GET /admin/v1/orgs/{orgId}/events), one event per payload,
// bare ({ id, type: "events", attributes, links }) or wrapped in { data: {...} }.
//
// The event schema has no login-method field. A login (`user_login`, "Logged in to account") is stored with
// method `unknown` and second factor `unknown`: never guessed, and with no flow id nothing later can fill them in.
// An action taken with a token (`attributes.actor.auth.authType`) is token use: method `api_token`.
// Admin impersonation (`user_logged_in_as_user`, "Log in as user") is ignored: nobody presented a credential,
// so it is neither the admin's login (already logged in) nor the impersonated user's.
import { ignored, rejected, type NormalizeResult } from '../fate.js'
import type { EventType, UserType } from '../../schemas/auth-event.js'
import {
  acceptRow, at, firstText, guarded, isObj, lookup, own, text, timeOf, userKey, type Obj,
} from './fields.js'
import type { Normalizer } from './registry.js'
import type { NormalizeContext, RowInput } from './row.js'

/** Action keys (and the activity names of the documented list, for events that carry only the message). */
const ACCOUNT_EVENTS: Record<string, EventType> = {
  user_login: 'login',
  'logged in to account': 'login',
  // The activity list documents "Requested password recovery link" and "Reset password with recovery link"
  // but not their action keys: the activity names are matched in the event message, and keys by recoveryEvent().
  'requested password recovery link': 'password_reset',
  'reset password with recovery link': 'password_changed',
}

/**
 * Password recovery by action key, whatever its exact spelling: a requested recovery link is a reset
 * (the help-desk-ticket proxy of SPEC §3 KPI 9); completing it is the password change that follows, not a second reset.
 */
function recoveryEvent(key: string): EventType | undefined {
  if (!key.includes('password') || !key.includes('recover') || key.includes('policy')) return undefined
  if (key.includes('request') || key.includes('link_sent') || key.includes('send')) return 'password_reset'
  if (key.includes('reset') || key.includes('changed') || key.includes('complete')) return 'password_changed'
  return 'password_reset'
}

const IMPERSONATION = new Set(['user_logged_in_as_user', 'logged in as user'])

/** Token kinds of `actor.auth.authType`; app-held tokens act for no person. */
const TOKEN_TYPES: Record<string, { service: boolean }> = {
  'api-token': { service: false },
  'auth-token-for-3lo': { service: false },
  'container-token': { service: true },
  'connect-token': { service: true },
  'auth-token-for-2lo': { service: true },
}

function unwrap(payload: unknown): Obj | null {
  if (!isObj(payload)) return null
  const data = own(payload, 'data')
  if (isObj(data) && isObj(own(data, 'attributes'))) return data
  return payload
}

/** Host of a site (`https://acme.atlassian.net` → `acme.atlassian.net`). */
function hostOf(s: string): string {
  return s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/[/?#].*$/, '').toLowerCase()
}

function containerInfo(attrs: Obj): { app: string; host: string } {
  const containers = own(attrs, 'container')
  if (!Array.isArray(containers)) return { app: '', host: '' }
  for (const c of containers) {
    if (!isObj(c)) continue
    const ca = own(c, 'attributes')
    const host = hostOf(firstText(at(ca, 'siteHostName'), at(c, 'links', 'alt')))
    const app = firstText(at(ca, 'productName'), at(ca, 'name'), at(ca, 'siteName'), host)
    if (app || host) return { app, host }
  }
  return { app: '', host: '' }
}

/** The first `context[]` entry that is a user (the subject of account events acted on by someone else). */
function contextUser(attrs: Obj): { email: string; name: string; id: string; accountType: string } | null {
  const ctx = own(attrs, 'context')
  if (!Array.isArray(ctx)) return null
  for (const c of ctx) {
    if (!isObj(c)) continue
    const type = text(own(c, 'type')).toLowerCase()
    if (type && type !== 'users' && type !== 'user') continue
    const ca = own(c, 'attributes')
    return { email: text(at(ca, 'email')), name: text(at(ca, 'name')), id: text(own(c, 'id')), accountType: text(at(ca, 'accountType')) }
  }
  return null
}

function accountUserType(accountType: string): UserType | undefined {
  const t = accountType.toLowerCase()
  if (t === 'app' || t === 'system' || t === 'bot') return 'service'
  if (t === 'customer') return 'external'
  return undefined
}

function readAtlassian(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  const event = unwrap(payload)
  if (!event) return rejected('invalid_shape', 'an Atlassian audit event must be a JSON object')
  const attrs = own(event, 'attributes')
  if (!isObj(attrs)) return rejected('invalid_shape', 'an Atlassian audit event needs an "attributes" object')
  const action = text(own(attrs, 'action'))
  const message = text(at(event, 'message', 'content')) || text(own(event, 'message'))
  const key = action.toLowerCase()
  if (!action && !message) return rejected('missing_field', 'the Atlassian audit event has no attributes.action')

  if (IMPERSONATION.has(key)) {
    return ignored('Atlassian admin impersonation (user_logged_in_as_user): no credential was presented')
  }
  const actor = own(attrs, 'actor')
  const authType = text(at(actor, 'auth', 'authType')).toLowerCase()
  const token = authType ? lookup(TOKEN_TYPES, authType) : undefined
  let eventType: EventType | undefined = lookup(ACCOUNT_EVENTS, key) ?? recoveryEvent(key)
  if (!eventType && !action) {
    const m = message.toLowerCase()
    eventType = Object.entries(ACCOUNT_EVENTS).find(([k]) => k.includes(' ') && m.startsWith(k))?.[1]
  }
  if (!eventType && !token) {
    return ignored(`Atlassian audit action "${action || message.slice(0, 80)}" is not an authentication event`)
  }

  const tsMs = timeOf(own(attrs, 'time'), own(event, 'time'), own(event, 'p_event_time'))
  if (tsMs === null) return rejected('missing_field', 'the Atlassian audit event has no usable attributes.time')

  // The subject: the actor for logins and token use (the person signing in / holding the token);
  // for a password recovery acted on by someone else, the user in context[].
  const subject = contextUser(attrs)
  const onBehalf = at(actor, 'onBehalfOf')
  let user: string
  let userType: UserType | undefined
  if (eventType && eventType !== 'login' && subject && (subject.email || subject.id)) {
    user = userKey([subject.email], [subject.id])
    userType = accountUserType(subject.accountType)
  } else if (token && !eventType) {
    user = userKey([at(onBehalf, 'email'), at(actor, 'email')], [at(onBehalf, 'id'), at(actor, 'id')])
    if (token.service && !text(at(onBehalf, 'id'))) userType = 'service'
  } else {
    user = userKey([at(actor, 'email')], [at(actor, 'id')])
    if (!user && subject) user = userKey([subject.email], [subject.id])
  }
  if (!user) return rejected('missing_field', `the Atlassian "${action}" event names no user (actor or context)`)

  const { app, host } = containerInfo(attrs)
  const location = own(attrs, 'location')
  const base: Partial<RowInput> = {
    source_event_id: text(own(event, 'id')),
    app,
    host,
    ip: text(at(location, 'ip')),
    country: firstText(at(location, 'countryName'), at(location, 'country')),
  }
  if (userType) base.user_type = userType

  let input: RowInput
  if (eventType === 'login' || (!eventType && token)) {
    input = {
      ...base,
      tsMs,
      event_type: 'login',
      outcome: 'success',
      user_id: user,
      // A token is a token whatever the action; an interactive login's method is not in the log.
      method: token ? 'api_token' : 'unknown',
      second_factor: token ? 'none' : 'unknown',
    }
  } else {
    input = { ...base, tsMs, event_type: eventType!, outcome: 'success', user_id: user }
  }
  return acceptRow(input, 'atlassian', payload, ctx, 'the Atlassian event\'s user key is longer than 512 characters')
}

/** Pure: one payload → rows / flow steps, ignored or rejected with a reason; never throws. */
export const normalizeAtlassian = guarded('Atlassian', readAtlassian)

export const atlassianNormalizer: Normalizer = {
  source: 'atlassian',
  normalize: normalizeAtlassian,
  // The admin events API shape: an `attributes` object with the action and the actor (or time).
  detect: (p) => {
    const e = unwrap(p)
    const a = e ? own(e, 'attributes') : undefined
    if (!isObj(a) || typeof own(a, 'action') !== 'string') return false
    return isObj(own(a, 'actor')) || typeof own(a, 'time') === 'string' || own(e, 'type') === 'events'
  },
}
