// The tenant's assumptions (SPEC §3 items 10-13, and the passkey look-back of §2): every reading role may see
// them (finance needs to know what its reports assume); only an admin may change them.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ERR_BAD_PARAMETER } from '../../core/errors.js'
import type { Store } from '../../store/clickhouse.js'
import { ADMIN_ROLES, identityOf, READ_ROLES } from '../access.js'
import {
  ASSUMPTION_PROPERTIES, checkOverrides, DEFAULT_ASSUMPTIONS, readTenantAssumptions, resolveAssumptions, writeTenantAssumptions, type AssumptionOverrides,
} from '../queries/assumptions.js'
import { forgetTenantSettings } from './params.js'

const nullable = (s: Record<string, unknown>) => ({ ...s, type: [s.type as string, 'null'] })
const VALUES = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(Object.entries(ASSUMPTION_PROPERTIES).map(([k, v]) => [k, k.startsWith('baseline_') ? nullable(v) : v])),
} as const
const BASIS = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(Object.keys(ASSUMPTION_PROPERTIES).map((k) => [k, { type: 'string', enum: ['default', 'tenant'] }])),
} as const

const ANSWER = {
  200: {
    type: 'object',
    additionalProperties: false,
    description: 'the effective assumptions, the tenant\'s own settings and where each value comes from',
    properties: {
      tenant: { type: 'string' },
      values: VALUES,
      basis: BASIS,
      settings: { ...VALUES, description: 'what the tenant has set (absent: the default applies)' },
      defaults: VALUES,
      updated_at: { type: ['string', 'null'] },
    },
  },
}

export async function settingsRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const client = opts.store.client

  async function answer(tenant: string) {
    const { overrides, updated_at } = await readTenantAssumptions(client, tenant)
    const r = resolveAssumptions(overrides, {})
    return { tenant, values: r.values, basis: r.basis, settings: overrides, defaults: DEFAULT_ASSUMPTIONS, updated_at }
  }

  app.get('/api/v1/settings/assumptions', {
    config: { access: { roles: READ_ROLES } },
    schema: { summary: 'The savings assumptions of this tenant', tags: ['settings'], querystring: { type: 'object', additionalProperties: false, properties: {} }, response: ANSWER },
  }, async (req) => answer(identityOf(req).tenant))

  app.put('/api/v1/settings/assumptions', {
    config: { access: { roles: ADMIN_ROLES } },
    schema: {
      summary: 'Replace the tenant\'s savings assumptions (fields left out fall back to the defaults)',
      tags: ['settings'],
      body: { ...VALUES, description: 'the settings; {} restores every default' },
      response: ANSWER,
    },
  }, async (req: FastifyRequest<{ Body: AssumptionOverrides }>) => {
    const id = identityOf(req)
    const body = Object.fromEntries(Object.entries(req.body ?? {}).filter(([, v]) => v !== null)) as AssumptionOverrides
    const problem = checkOverrides(body)
    if (problem) throw new ERR_BAD_PARAMETER(problem)
    await writeTenantAssumptions(client, id.tenant, body, id.tokenId)
    forgetTenantSettings(id.tenant)
    return answer(id.tenant)
  })
}
