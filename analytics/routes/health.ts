import type { FastifyInstance } from 'fastify'
import { registry } from '../../core/metrics.js'
import type { Store } from '../../store/clickhouse.js'

export async function healthRoutes(app: FastifyInstance, opts: { store: Store; mode: string }): Promise<void> {
  app.get('/healthz', {
    schema: {
      summary: 'Liveness and ClickHouse reachability',
      tags: ['operations'],
      response: {
        200: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: ['ok'] }, clickhouse: { type: 'string', enum: ['embedded', 'server'] }, ingest: { type: 'string', enum: ['embedded', 'kafka'] } }, required: ['status', 'clickhouse', 'ingest'] },
        503: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: ['unavailable'] }, clickhouse: { type: 'string', description: 'why ClickHouse did not answer' } }, required: ['status', 'clickhouse'] },
      },
    },
  }, async (_req, reply) => {
    const ping = await opts.store.client.ping()
    if (!ping.success) return reply.code(503).send({ status: 'unavailable', clickhouse: String(ping.error) })
    return { status: 'ok', clickhouse: opts.store.kind, ingest: opts.mode }
  })
  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics',
      tags: ['operations'],
      response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }, async (_req, reply) => {
    reply.type(registry.contentType)
    return registry.metrics()
  })
}
