// The dashboard's top row in one request: passkey sign-in share, enrollment rate, fallback rate, privileged
// phishing-resistant coverage, reset tickets avoided and total savings, each with the previous period of the
// same length (for the change). Aggregates only.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ClickHouseClient, Store } from '../../store/clickhouse.js'
import { READ_ROLES } from '../access.js'
import { ASSUMPTION_PROPERTIES, type ResolvedAssumptions } from '../queries/assumptions.js'
import { previousPeriod, round, type Ratio, type Scope } from '../queries/common.js'
import { holderTotals } from '../queries/holders.js'
import { passkeyShare } from '../queries/passkey-share.js'
import { privilegedCoverage } from '../queries/privileged.js'
import { savings, type Range } from '../queries/savings.js'
import { ASSUMPTION_ENTRY, assumptionsOf, envelope, querystring, RANGE, RATIO, response, scopeOf, type KpiQuery } from './params.js'

interface Headline {
  passkey_share: Ratio
  enrollment_rate: Ratio
  fallback_rate: Ratio
  privileged_coverage: Ratio
  tickets_avoided: number
  total_savings_usd: Range
}

async function headline(client: ClickHouseClient, s: Scope, a: ResolvedAssumptions) {
  const lookbackDays = a.values.passkey_lookback_days
  // Enrollment and the fallback rate share one pass over the user-days and the passkey state.
  const [share, holders, priv, sav] = await Promise.all([
    passkeyShare(client, s, 'month'),
    holderTotals(client, s, lookbackDays),
    privilegedCoverage(client, s),
    savings(client, s, a),
  ])
  const h: Headline = {
    passkey_share: share.share,
    enrollment_rate: holders.enrollment_rate,
    fallback_rate: holders.fallback_rate,
    privileged_coverage: priv.phishing_resistant_coverage,
    tickets_avoided: sav.figures.tickets_avoided_modelled,
    total_savings_usd: sav.figures.total_savings_usd,
  }
  return { h, assumptions: sav.assumptions }
}

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
    const prev: Scope = { ...s, period: previousPeriod(s.period) }
    const a = await assumptionsOf(client, s.tenant, req.query)
    const [now, before] = await Promise.all([headline(client, s, a), headline(client, prev, a)])
    const card = (k: 'passkey_share' | 'enrollment_rate' | 'fallback_rate' | 'privileged_coverage') =>
      ({ current: now.h[k], previous: before.h[k], change: change(now.h[k], before.h[k]) })
    return {
      ...envelope(s),
      previous: { from: prev.period.from, to: prev.period.to },
      passkey_share: card('passkey_share'),
      enrollment_rate: card('enrollment_rate'),
      fallback_rate: card('fallback_rate'),
      privileged_coverage: card('privileged_coverage'),
      tickets_avoided: { current: now.h.tickets_avoided, previous: before.h.tickets_avoided },
      total_savings_usd: { current: now.h.total_savings_usd, previous: before.h.total_savings_usd },
      assumptions: now.assumptions,
    }
  })
}
