// Who the caller is: the dashboard adapts its views to the role (finance sees no user lists).
import type { FastifyInstance } from 'fastify'
import { identityOf, READ_ROLES } from '../access.js'

export async function meRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/me', {
    config: { access: { roles: READ_ROLES } },
    schema: {
      summary: 'The tenant and role of the calling token',
      tags: ['access'],
      querystring: { type: 'object', additionalProperties: false, properties: {} },
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['tenant', 'role'],
          properties: { tenant: { type: 'string' }, role: { type: 'string' } },
        },
      },
    },
  }, async (req) => {
    const { tenant, role } = identityOf(req)
    return { tenant, role }
  })
}
