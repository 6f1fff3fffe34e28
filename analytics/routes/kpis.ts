import type { FastifyInstance, FastifyRequest } from 'fastify'
import { parseTimestamp, formatTimestamp } from '../../ingest/time.js'
import type { Store } from '../../store/clickhouse.js'
import { identityOf, READ_ROLES } from '../access.js'
import { BUCKETS, methodMix, type Bucket } from '../queries/method-mix.js'
const DAY = 86_400_000

export interface Period { from: string; to: string }

/** from/to as ISO dates or epoch; defaults to the last 30 days. */
export function parsePeriod(q: { from?: string; to?: string }, now = Date.now()): Period | string {
  const to = q.to ? parseTimestamp(q.to) : now
  const from = q.from ? parseTimestamp(q.from) : (to ?? now) - 30 * DAY
  if (to === null) return 'to is not a date'
  if (from === null) return 'from is not a date'
  if (from >= to) return 'from must be before to'
  return { from: formatTimestamp(from), to: formatTimestamp(to) }
}

export async function kpiRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  app.get('/api/v1/method-mix', {
    config: { access: { roles: READ_ROLES } },
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          from: { type: 'string', maxLength: 40 },
          to: { type: 'string', maxLength: 40 },
          bucket: { type: 'string', enum: Object.keys(BUCKETS), default: 'day' },
        },
      },
    },
  }, async (req: FastifyRequest<{ Querystring: { from?: string; to?: string; bucket: Bucket } }>, reply) => {
    const identity = identityOf(req)
    const period = parsePeriod(req.query)
    if (typeof period === 'string') return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: period })
    const rows = await methodMix(opts.store.client, { tenant: identity.tenant, bucket: req.query.bucket, ...period })
    return { tenant: identity.tenant, ...period, bucket: req.query.bucket, rows }
  })
}
