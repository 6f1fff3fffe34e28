// User-level lists for the security role (SPEC §5: they name people, so admin and security only, declared
// `identifying`; finance and viewer get 403 here and never see user ids anywhere).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Store } from '../../store/clickhouse.js'
import { IDENTIFYING_ROLES } from '../access.js'
import { ASSUMPTION_PROPERTIES } from '../queries/assumptions.js'
import { fallbackUsers, privilegedNotCovered, usersWithoutPasskey } from '../queries/users.js'
import { assumptionsOf, envelope, LIMIT_PROPERTY, querystring, response, scopeOf, type KpiQuery } from './params.js'

type Req = FastifyRequest<{ Querystring: KpiQuery & { limit: number } }>

const str = { type: 'string' } as const
const num = { type: 'number' } as const
const PLATFORMS = { type: 'array', items: { type: 'object', additionalProperties: false, properties: { os: str, browser: str, logins: num } } } as const
const list = (item: Record<string, unknown>, description: string) => response({
  total: { type: 'number', description: 'users in the list before the limit' },
  users: { type: 'array', items: { type: 'object', additionalProperties: false, properties: item } },
}, description)

export async function userListRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const client = opts.store.client
  const config = { access: { roles: IDENTIFYING_ROLES, identifying: true } }
  const lookback = (req: Req, tenant: string) => assumptionsOf(client, tenant, req.query).then((a) => a.values.passkey_lookback_days)

  app.get('/api/v1/users/fallbacks', {
    config,
    schema: {
      summary: 'Users who fell back to a phishable method while having a passkey: how often, when last, on which OS and browser',
      tags: ['users'],
      querystring: querystring({ limit: LIMIT_PROPERTY, passkey_lookback_days: ASSUMPTION_PROPERTIES.passkey_lookback_days }),
      response: list({
        user_id: str, department: str, user_type: str, fallbacks: num, fallbacks_after_failure: num,
        last_fallback: str, platforms: { ...PLATFORMS, description: 'OS and browser of their fallbacks (logins = fallbacks there), most first' },
      }, 'fallback users, most fallbacks first'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query, 'day')
    return { ...envelope(s), ...(await fallbackUsers(client, s, { lookbackDays: await lookback(req, s.tenant), limit: req.query.limit })) }
  })

  app.get('/api/v1/users/privileged-not-covered', {
    config,
    schema: {
      summary: 'Privileged users with at least one sign-in in the period that was not phishing-resistant (SPEC §3 KPI 8)',
      tags: ['users'],
      querystring: querystring({ limit: LIMIT_PROPERTY }),
      response: list({
        user_id: str, department: str, logins: num, phishable_logins: num,
        phishable_methods: { type: 'array', items: str }, last_phishable_login: str,
      }, 'privileged users not covered, most phishable sign-ins first'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query, 'day')
    return { ...envelope(s), ...(await privilegedNotCovered(client, s, { limit: req.query.limit })) }
  })

  app.get('/api/v1/users/without-passkey', {
    config,
    schema: {
      summary: 'Active users without a passkey at the period end, those who sign in most first',
      tags: ['users'],
      querystring: querystring({ limit: LIMIT_PROPERTY, passkey_lookback_days: ASSUMPTION_PROPERTIES.passkey_lookback_days }),
      response: list({
        user_id: str, department: str, user_type: str, logins: num, last_login: str,
        platforms: { ...PLATFORMS, description: 'where they sign in, most first' },
      }, 'users without a passkey'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query, 'day')
    return { ...envelope(s), ...(await usersWithoutPasskey(client, s, { lookbackDays: await lookback(req, s.tenant), limit: req.query.limit })) }
  })
}
