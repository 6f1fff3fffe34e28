// Token administration for admins (SPEC §5), always within the admin's own tenant: the tenant comes
// from the caller's token and no parameter names one. The secret is returned once, at creation.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { createToken, listTokens, revokeToken, ROLES, TOKEN_ID_PATTERN, type Role, type TokenInfo, type TokenVerifier } from '../../access/tokens.js'
import { ERR_TOKEN_NOT_FOUND } from '../../core/errors.js'
import type { Store } from '../../store/clickhouse.js'
import { ADMIN_ROLES, identityOf } from '../access.js'

export const MAX_EXPIRY_DAYS = 3650

const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const

const TOKEN_INFO = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: TOKEN_ID_PATTERN },
    role: { type: 'string', enum: [...ROLES] },
    name: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    expires_at: { ...nullableTime, description: 'null: never expires' },
    revoked_at: nullableTime,
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
  },
  required: ['id', 'role', 'name', 'created_at', 'expires_at', 'revoked_at', 'status'],
} as const

type TokenView = Omit<TokenInfo, 'tenant'> & { status: 'active' | 'expired' | 'revoked' }

function view(t: TokenInfo, now = Date.now()): TokenView {
  const status = t.revoked_at ? 'revoked' : t.expires_at && Date.parse(t.expires_at) <= now ? 'expired' : 'active'
  return { id: t.id, role: t.role, name: t.name, created_at: t.created_at, expires_at: t.expires_at, revoked_at: t.revoked_at, status }
}

interface CreateBody { role: Role; name: string; expires_in_days?: number }

export async function tokenRoutes(app: FastifyInstance, opts: { store: Store; verifier: TokenVerifier }): Promise<void> {
  // Token names may name people ("alice's laptop"): admin only, marked identifying.
  const access = { roles: ADMIN_ROLES, identifying: true }

  app.post('/api/v1/tokens', {
    config: { access },
    schema: {
      summary: 'Create a token in your tenant (the secret is shown once)',
      tags: ['tokens'],
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['role'],
        properties: {
          role: { type: 'string', enum: [...ROLES] },
          name: { type: 'string', maxLength: 200, default: '' },
          expires_in_days: { type: 'integer', minimum: 1, maximum: MAX_EXPIRY_DAYS },
        },
      },
      response: {
        201: {
          ...TOKEN_INFO,
          properties: { ...TOKEN_INFO.properties, token: { type: 'string', description: 'the secret; only its hash is stored, so keep it now' } },
          required: [...TOKEN_INFO.required, 'token'],
        },
      },
    },
  }, async (req: FastifyRequest<{ Body: CreateBody }>, reply) => {
    const { tenant } = identityOf(req)
    const { role, name, expires_in_days } = req.body
    const t = await createToken(opts.store.client, tenant, role, name, expires_in_days === undefined ? {} : { expiresInDays: expires_in_days })
    return reply.code(201).send({ ...view(t.info), token: t.token })
  })

  app.get('/api/v1/tokens', {
    config: { access },
    schema: {
      summary: "List your tenant's tokens (never their secrets or hashes)",
      tags: ['tokens'],
      querystring: { type: 'object', additionalProperties: false, properties: {} },
      response: {
        200: { type: 'object', additionalProperties: false, properties: { tokens: { type: 'array', items: TOKEN_INFO } }, required: ['tokens'] },
      },
    },
  }, async (req) => {
    const { tenant } = identityOf(req)
    const now = Date.now()
    return { tokens: (await listTokens(opts.store.client, tenant)).map((t) => view(t, now)) }
  })

  app.delete('/api/v1/tokens/:id', {
    config: { access },
    schema: {
      summary: 'Revoke a token of your tenant, effective at once',
      tags: ['tokens'],
      params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: TOKEN_ID_PATTERN } } },
      response: {
        204: { type: 'null', description: 'Revoked (or already revoked)' },
        404: { type: 'object', properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } }, description: 'No such token in your tenant' },
      },
    },
  }, async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const { tenant } = identityOf(req)
    const r = await revokeToken(opts.store.client, req.params.id, tenant)
    if (r.status === 'not_found') throw new ERR_TOKEN_NOT_FOUND(req.params.id)
    opts.verifier.forget(r.hash)
    return reply.code(204).send()
  })
}
