// The HTTP face of Passkey Pulse: collector, analytics API, metrics and the dashboard, in one fastify app.
import fastifyHelmet from '@fastify/helmet'
import fastifyStatic from '@fastify/static'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifySchemaValidationError } from 'fastify'
import type { TokenVerifier } from '../access/tokens.js'
import type { Config } from '../core/config.js'
import type { Logger } from '../core/logger.js'
import { DASHBOARD_DIR } from '../core/paths.js'
import { collectorRoutes, type EventSink } from '../ingest/collector.js'
import type { Store } from '../store/clickhouse.js'
import { accessPlugin } from './access.js'
import { healthRoutes } from './routes/health.js'
import { kpiRoutes } from './routes/kpis.js'

export interface AppOptions {
  config: Config
  store: Store
  sink: EventSink
  verifier: TokenVerifier
  log: Logger
}

/** A 400 that names what was wrong: the unknown parameter, or the values a field allows. */
export function validationMessage(errors: readonly FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(errors.map((e) => {
    const where = `${dataVar}${e.instancePath || ''}`
    const p = e.params as { additionalProperty?: string; allowedValues?: unknown[] }
    if (p.additionalProperty !== undefined) return `${where} has an unknown parameter "${p.additionalProperty}"`
    return `${where} ${e.message ?? 'is invalid'}${p.allowedValues ? ` (${p.allowedValues.map(String).join(', ')})` : ''}`
  }).join(', '))
}

function httpReason(status: number): string {
  return ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? 'Error'
}

export async function buildApp(o: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: o.log.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: o.config.http.maxBodyBytes,
    disableRequestLogging: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    schemaErrorFormatter: validationMessage,
  })
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500
    if (status >= 500) {
      req.log.error({ err, url: req.url }, 'request failed')
      return reply.code(status).send({ statusCode: status, code: err.code ?? 'PULSE_ERR_INTERNAL', error: 'Internal Server Error', message: 'Something went wrong on our side; it is logged.' })
    }
    const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? `The request body is larger than ${o.config.http.maxBodyBytes} bytes (PULSE_MAX_BODY_BYTES); send fewer events per request`
      : err.message
    return reply.code(status).send({ statusCode: status, code: err.code, error: httpReason(status), message })
  })
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'img-src': ["'self'", 'data:'] } },
  })
  await app.register(accessPlugin, { verifier: o.verifier })
  await app.register(healthRoutes, { store: o.store, mode: o.sink.mode })
  await app.register(collectorRoutes, { sink: o.sink, verifier: o.verifier, maxEventsPerRequest: o.config.http.maxEventsPerRequest })
  await app.register(kpiRoutes, { store: o.store })
  await app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: '/', index: ['index.html'] })
  return app
}
