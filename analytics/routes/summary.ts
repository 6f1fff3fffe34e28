// The dashboard's top row in one request: passkey sign-in share, enrollment rate, fallback rate, privileged
// phishing-resistant coverage, reset tickets avoided and total savings, each with the previous period of the
// same length (for the change). Aggregates only.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Store } from '../../store/clickhouse.js'
import { READ_ROLES } from '../access.js'
import { ASSUMPTION_PROPERTIES } from '../queries/assumptions.js'
import { previousPeriod, round, type Ratio } from '../queries/common.js'
import { headlines } from '../queries/headline.js'
import { ASSUMPTION_ENTRY, assumptionsOf, envelope, querystring, RANGE, RATIO, response, scopeOf, type KpiQuery } from './params.js'

const change = (now: Ratio, before: Ratio): number | null =>
  now.value === null || before.value === null ? null : round(now.value - before.value, 6)

const RATIO_CARD = {
  type: 'object', additionalProperties: false,
  properties: { current: RATIO, previous: RATIO, change: { type: ['number', 'null'], description: 'current − previous value (share points as a fraction)' } },
} as const

export async function summaryRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const client = opts.store.client
  app.get('/api/v1/summary', {
    config: { access: { roles: READ_ROLES } },
    schema: {
      summary: 'The dashboard\'s headline numbers for a period, each with the previous period of equal length',
      tags: ['kpis'],
      querystring: querystring(ASSUMPTION_PROPERTIES),
      response: response({
        previous: { type: 'object', additionalProperties: false, properties: { from: { type: 'string' }, to: { type: 'string' } } },
        passkey_share: RATIO_CARD,
        enrollment_rate: RATIO_CARD,
        fallback_rate: RATIO_CARD,
        privileged_coverage: { ...RATIO_CARD, description: 'privileged active users whose every sign-in was phishing-resistant' },
        tickets_avoided: {
          type: 'object', additionalProperties: false, description: 'reset tickets avoided (modelled)',
          properties: { current: { type: 'number' }, previous: { type: 'number' } },
        },
        total_savings_usd: {
          type: 'object', additionalProperties: false, description: 'total savings, mid with low and high',
          properties: { current: RANGE, previous: RANGE },
        },
        assumptions: { type: 'array', items: ASSUMPTION_ENTRY },
      }, 'headline numbers'),
    },
  }, async (req: FastifyRequest<{ Querystring: KpiQuery }>) => {
    const s = scopeOf(req, req.query, 'day')
    const prev = previousPeriod(s.period)
    const a = await assumptionsOf(client, s.tenant, req.query)
    // Both periods in one pass per source (headline.ts).
    const { current: now, previous: before, assumptions } = await headlines(client, s, prev, a)
    const card = (k: 'passkey_share' | 'enrollment_rate' | 'fallback_rate' | 'privileged_coverage') =>
      ({ current: now[k], previous: before[k], change: change(now[k], before[k]) })
    return {
      ...envelope(s),
      previous: { from: prev.from, to: prev.to },
      passkey_share: card('passkey_share'),
      enrollment_rate: card('enrollment_rate'),
      fallback_rate: card('fallback_rate'),
      privileged_coverage: card('privileged_coverage'),
      tickets_avoided: { current: now.savings.tickets_avoided_modelled, previous: before.savings.tickets_avoided_modelled },
      total_savings_usd: { current: now.savings.total_savings_usd, previous: before.savings.total_savings_usd },
      assumptions,
    }
  })
}
