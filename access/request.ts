// Who is calling: the bearer token of a request, checked against the roles a route admits.
import type { FastifyRequest } from 'fastify'
import { ERR_FORBIDDEN, ERR_UNAUTHORIZED } from '../core/errors.js'
import type { Role, TokenCheck, TokenIdentity, TokenVerifier } from './tokens.js'

export function bearerToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim()
  const h = req.headers['x-pulse-token']
  return typeof h === 'string' ? h : undefined
}

/** The 401 message for a refused token: it names the reason so an operator knows what to fix. */
export function refusalMessage(c: Exclude<TokenCheck, { ok: true }>): string {
  if (c.reason === 'expired') return `The token expired at ${c.at}; ask an admin for a new one`
  if (c.reason === 'revoked') return `The token was revoked at ${c.at}`
  return 'The token is unknown or revoked'
}

export async function requireRole(verifier: TokenVerifier, req: FastifyRequest, roles: readonly Role[]): Promise<TokenIdentity> {
  const token = bearerToken(req)
  if (!token) throw new ERR_UNAUTHORIZED('An API token is required (Authorization: Bearer <token>)')
  const c = await verifier.check(token)
  if (!c.ok) {
    // Who was refused and why, never the token (nor its hash): the logs must not help a guesser.
    req.log.info({ reason: c.reason, ip: req.ip, route: req.routeOptions.url }, 'token refused')
    throw new ERR_UNAUTHORIZED(refusalMessage(c))
  }
  if (!roles.includes(c.identity.role)) throw new ERR_FORBIDDEN(`A ${c.identity.role} token may not do this`)
  return c.identity
}
