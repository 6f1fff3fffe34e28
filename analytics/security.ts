// HTTP hardening (SPEC §5), registered before any route:
// - security headers (helmet) with a Content-Security-Policy that fits the dashboard and the API docs:
//   scripts, styles, fonts and data only from this origin, no inline scripts, no framing. No
//   upgrade-insecure-requests: the server speaks plain HTTP on 127.0.0.1 by default, and upgrading
//   its own script URLs to https would break the page;
// - CORS only when PULSE_CORS_ORIGINS names origins, and then exactly those;
// - a per-address brake on failed token checks (access/auth-failures.ts).
import fastifyCors from '@fastify/cors'
import fastifyHelmet from '@fastify/helmet'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { bearerToken } from '../access/request.js'
import { AuthFailureLimiter } from '../access/auth-failures.js'
import { ERR_TOO_MANY_AUTH_FAILURES } from '../core/errors.js'

export interface SecurityOptions {
  corsOrigins: readonly string[]
  authFailuresPerMinute: number
}

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  // Charts and Swagger UI set element styles from script; no stylesheet comes from elsewhere.
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
  'upgrade-insecure-requests': null,
}

/** Requests that try a token are the ones a guesser sends; only those are counted and braked. */
const presentsToken = (req: FastifyRequest): boolean => bearerToken(req) !== undefined

export const securityPlugin = fp(async (app: FastifyInstance, opts: SecurityOptions) => {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // The dashboard loads nothing cross-origin; keep the embedder policy off so it never blocks its own assets.
    crossOriginEmbedderPolicy: false,
    // The same as frame-ancestors 'none', for browsers that predate CSP.
    xFrameOptions: { action: 'deny' },
  })

  if (opts.corsOrigins.length > 0) {
    await app.register(fastifyCors, {
      origin: [...opts.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Pulse-Token'],
      exposedHeaders: ['Retry-After', 'Content-Disposition'],
      maxAge: 600,
    })
  }

  const limiter = new AuthFailureLimiter(opts.authFailuresPerMinute)
  app.addHook('onRequest', async (req, reply) => {
    if (!presentsToken(req)) return
    const wait = limiter.retryAfter(req.ip)
    if (wait === 0) return
    reply.header('retry-after', String(wait))
    throw new ERR_TOO_MANY_AUTH_FAILURES(wait)
  })
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode !== 401 || !presentsToken(req)) return
    if (limiter.fail(req.ip)) {
      req.log.warn({ ip: req.ip, limit: opts.authFailuresPerMinute }, 'too many failed token checks; refusing tokens from this address until the minute ends')
    }
  })
}, { name: 'pulse-security' })
