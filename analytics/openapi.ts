// The API described by its own routes: an OpenAPI 3.1 document at /docs/json and Swagger UI at /docs.
// Registered before the routes so it sees each of them. Every route declares its request and success
// schemas itself; the error answers every route shares (400 for bad input, 401/403/429 for access)
// and the bearer security requirement of routes with `config.access` are added here, once.
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifySchema } from 'fastify'
import fp from 'fastify-plugin'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../core/paths.js'
import type { RouteAccess } from './access.js'

export const DOCS_PREFIX = '/docs'

/** The body of every error reply (analytics/server.ts error handler). */
export const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string', description: 'what went wrong, naming the parameter or field at fault' },
  },
  required: ['statusCode', 'message'],
} as const

const errorResponse = (description: string) => ({ ...ERROR_SCHEMA, description })

const INPUT_ERRORS = { 400: errorResponse('Invalid input: the message names the field') }
const ACCESS_ERRORS = {
  401: errorResponse('No token, or an unknown, revoked or expired one'),
  403: errorResponse("The token's role may not use this route"),
  429: errorResponse('Too many failed token checks from this address; see Retry-After'),
}

const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version

type Responses = Record<string, unknown>

/** The route's schema with the shared error answers and security requirement it lacks. */
export function withSharedResponses(schema: FastifySchema, access: RouteAccess | undefined): FastifySchema {
  const response = { ...(schema.response as Responses | undefined) }
  const hasInput = Boolean(schema.querystring ?? schema.params ?? schema.body)
  const add = (errors: Responses) => {
    if ('4xx' in response) return
    for (const [code, s] of Object.entries(errors)) if (!(code in response)) response[code] = s
  }
  if (hasInput) add(INPUT_ERRORS)
  // Routes that check a token themselves (the collector) say so with `security`.
  if (access || 'security' in schema) add(ACCESS_ERRORS)
  const out: FastifySchema & { security?: unknown } = { ...schema, response }
  if (access && !('security' in schema)) out.security = [{ bearerAuth: [] }]
  return out
}

export const openapiPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRoute', (route) => {
    if (!route.schema || (route.schema as { hide?: boolean }).hide) return
    route.schema = withSharedResponses(route.schema, (route.config as { access?: RouteAccess } | undefined)?.access)
  })
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Passkey Pulse API',
        version,
        description: 'Sign-in analytics from identity-provider logs. Send a token as `Authorization: Bearer <token>`; '
          + 'each token belongs to one tenant and one role (admin, security, finance, viewer, or ingest for POST /v1/events only).',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token (pp_…) made by `passkey-pulse token create` or POST /api/v1/tokens' },
        },
      },
    },
  })
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { docExpansion: 'list', deepLinking: false },
    // Swagger UI's own page has no inline script; the app's Content-Security-Policy (security.ts) applies.
    staticCSP: false,
  })
}, { name: 'pulse-openapi' })
