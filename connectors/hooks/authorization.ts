// Push receivers authenticate the vendor by a shared Authorization header value that the operator
// configured on both sides (Okta event hook "Authentication field", Auth0 log stream "Authorization Token").
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Compares in constant time (over digests, so the length leaks nothing either). */
export function authorizationMatches(req: FastifyRequest, expected: string): boolean {
  const got = req.headers.authorization
  if (typeof got !== 'string' || expected === '') return false
  return timingSafeEqual(digest(got), digest(expected))
}
