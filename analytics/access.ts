// Access control declared per route (SPEC §5), enforced in one place:
//
//   app.get('/api/v1/x', { config: { access: { roles: ['admin', 'security'], identifying: true } } }, handler)
//
// A route with `config.access` gets an onRequest hook that checks the bearer token against the roles and
// sets `req.identity` (tenant, role); handlers scope every query to `req.identity.tenant`. A route
// whose responses name people (user ids, e-mails, IPs) says `identifying: true`, and may then admit
// only admin and security: the app refuses to start otherwise, so finance and viewer can never be
// given such a route by mistake. Likewise every route under /api/v1 must declare access, and none
// may admit ingest tokens (they only write events, at POST /v1/events).
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { requireRole } from '../access/request.js'
import type { Role, TokenIdentity, TokenVerifier } from '../access/tokens.js'

export interface RouteAccess {
  roles: readonly Role[]
  identifying?: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess
  }
  interface FastifyRequest {
    identity: TokenIdentity | null
  }
}

export const IDENTIFYING_ROLES: readonly Role[] = ['admin', 'security']
export const READ_ROLES: readonly Role[] = ['admin', 'security', 'finance', 'viewer']
export const ADMIN_ROLES: readonly Role[] = ['admin']
/** Routes under this prefix are the API: each declares access, none admits ingest tokens. */
export const API_PREFIX = '/api/v1'

/** The identity set by the access check; only for handlers of routes that declare access. */
export function identityOf(req: FastifyRequest): TokenIdentity {
  if (!req.identity) throw new Error(`route ${req.routeOptions.url} reads the identity but declares no access`)
  return req.identity
}

export const accessPlugin = fp(async (app: FastifyInstance, opts: { verifier: TokenVerifier }) => {
  app.decorateRequest('identity', null)
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: RouteAccess } | undefined)?.access
    const isApi = route.url === API_PREFIX || route.url.startsWith(`${API_PREFIX}/`)
    if (!access) {
      if (isApi) throw new Error(`${route.method} ${route.url} is under ${API_PREFIX} but declares no config.access`)
      return
    }
    if (isApi && access.roles.includes('ingest')) throw new Error(`${route.method} ${route.url} admits ingest tokens, which may only write events`)
    const outsiders = access.roles.filter((r) => !IDENTIFYING_ROLES.includes(r))
    if (access.identifying && outsiders.length > 0) {
      throw new Error(`${route.method} ${route.url} names people but admits ${outsiders.join(', ')}`)
    }
    // Checked when the request arrives, before its body is read or its input validated: a caller
    // without the right token learns nothing about the route and costs no parsing.
    const check: onRequestHookHandler = async (req) => {
      req.identity = await requireRole(opts.verifier, req, access.roles)
    }
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : []
    route.onRequest = [check, ...existing]
  })
}, { name: 'pulse-access' })
