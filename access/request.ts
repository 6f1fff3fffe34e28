// Who is calling: the bearer token of a request, checked against the roles a route admits.
import type { FastifyRequest } from 'fastify'
import { ERR_FORBIDDEN, ERR_UNAUTHORIZED } from '../core/errors.js'
import type { Role, TokenIdentity, TokenVerifier } from './tokens.js'

export function bearerToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim()
  const h = req.headers['x-pulse-token']
  return typeof h === 'string' ? h : undefined
}

export async function requireRole(verifier: TokenVerifier, req: FastifyRequest, roles: readonly Role[]): Promise<TokenIdentity> {
  const token = bearerToken(req)
  if (!token) throw new ERR_UNAUTHORIZED('An API token is required (Authorization: Bearer <token>)')
  const identity = await verifier.verify(token)
  if (!identity) throw new ERR_UNAUTHORIZED('The token is unknown or revoked')
  if (!roles.includes(identity.role)) throw new ERR_FORBIDDEN(`A ${identity.role} token may not do this`)
  return identity
}
