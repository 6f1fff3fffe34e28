import type { FastifyInstance } from 'fastify'
import { registry } from '../../core/metrics.js'
import type { Store } from '../../store/clickhouse.js'

export async function healthRoutes(app: FastifyInstance, opts: { store: Store; mode: string }): Promise<void> {
  app.get('/healthz', async (_req, reply) => {
    const ping = await opts.store.client.ping()
    if (!ping.success) return reply.code(503).send({ status: 'unavailable', clickhouse: String(ping.error) })
    return { status: 'ok', clickhouse: opts.store.kind, ingest: opts.mode }
  })
  app.get('/metrics', async (_req, reply) => {
    reply.type(registry.contentType)
    return registry.metrics()
  })
}
