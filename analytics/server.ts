// The HTTP face of Passkey Pulse: collector, analytics API, metrics and the dashboard, in one fastify app.
import fastifyStatic from '@fastify/static'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifySchemaValidationError, type RouteOptions } from 'fastify'
import type { TokenVerifier } from '../access/tokens.js'
import type { Config } from '../core/config.js'
import { ERR_BAD_PARAMETER, ERR_NOT_FOUND } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { DASHBOARD_DIR } from '../core/paths.js'
import { connectorHookRoutes } from '../connectors/hooks/index.js'
import { collectorRoutes, type EventSink } from '../ingest/collector.js'
import type { Store } from '../store/clickhouse.js'
import { accessPlugin } from './access.js'
import { openapiPlugin } from './openapi.js'
import { securityPlugin } from './security.js'
import { healthRoutes } from './routes/health.js'
import { kpiRoutes } from './routes/kpis.js'
import { reportRoutes } from './routes/reports.js'
import { settingsRoutes } from './routes/settings.js'
import { summaryRoutes } from './routes/summary.js'
import { userListRoutes } from './routes/users.js'
import { alertRoutes } from './routes/alerts.js'
import type { Alerting } from '../alerts/runtime.js'
import { meRoutes } from './routes/me.js'
import { tokenRoutes } from './routes/tokens.js'

export interface AppOptions {
  config: Config
  store: Store
  sink: EventSink
  verifier: TokenVerifier
  log: Logger
  /** This process's alerting, if it runs any: told when rules or channels change through the API. */
  alerts?: Alerting
  /** Sees every route as it is registered (tests enumerate the API with it). */
  onRoute?: (route: RouteOptions) => void
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
    // Request start/end lines would be one log line per event batch; errors are logged by the handler below.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    schemaErrorFormatter: validationMessage,
  })
  if (o.onRoute) app.addHook('onRoute', o.onRoute)
  // Ajv coerces '1e309' to Infinity and lets it through number schemas (maximum included): refuse
  // non-finite numbers for every route here rather than in each handler.
  app.addHook('preHandler', async (req) => {
    for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new ERR_BAD_PARAMETER(`querystring/${k} must be a finite number`)
    }
  })
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500
    if (status >= 500) {
      req.log.error({ err, url: req.url }, 'request failed')
      // Only our own codes: a ClickHouse error code (e.g. "184") would tell a caller about the query.
      const code = err.code?.startsWith('PULSE_') ? err.code : 'PULSE_ERR_INTERNAL'
      return reply.code(status).send({ statusCode: status, code, error: 'Internal Server Error', message: 'Something went wrong on our side; it is logged.' })
    }
    const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? `The request body is larger than ${o.config.http.maxBodyBytes} bytes (PULSE_MAX_BODY_BYTES); send fewer events per request`
      : err.message
    return reply.code(status).send({ statusCode: status, code: err.code, error: httpReason(status), message })
  })
  // fastify's own 404 has no code: answer unknown routes like every other refusal (fastify-static's misses too).
  app.setNotFoundHandler((req) => {
    throw new ERR_NOT_FOUND(req.method, req.url.split('?')[0]!.slice(0, 200))
  })
  // Order matters: headers, CORS and the auth-failure brake, then access and the OpenAPI collector, then routes.
  await app.register(securityPlugin, { corsOrigins: o.config.access.corsOrigins, authFailuresPerMinute: o.config.access.authFailuresPerMinute })
  await app.register(accessPlugin, { verifier: o.verifier })
  await app.register(openapiPlugin)
  await app.register(healthRoutes, { store: o.store, mode: o.sink.mode })
  await app.register(collectorRoutes, { sink: o.sink, verifier: o.verifier, maxEventsPerRequest: o.config.http.maxEventsPerRequest })
  // Vendor push receivers (Okta event hooks, Auth0 log streams) write into the collector's sink.
  await app.register(connectorHookRoutes, { sink: o.sink, hooks: o.config.connectors.hooks, maxEventsPerRequest: o.config.http.maxEventsPerRequest })
  await app.register(kpiRoutes, { store: o.store })
  await app.register(summaryRoutes, { store: o.store })
  await app.register(userListRoutes, { store: o.store })
  await app.register(reportRoutes, { store: o.store })
  await app.register(settingsRoutes, { store: o.store })
  await app.register(alertRoutes, { store: o.store, config: o.config, alerting: o.alerts })
  await app.register(tokenRoutes, { store: o.store, verifier: o.verifier })
  await app.register(meRoutes)
  await app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: '/', index: ['index.html'] })
  return app
}
