// The vendors' push receivers on the collector, writing into the collector's own sink. Their bodies
// are read as text here (this plugin's context only): Auth0 sends JSON lines under application/json,
// and each route parses what its vendor sends.
import type { FastifyInstance } from 'fastify'
import type { ConnectorsConfig } from '../../core/config.js'
import type { EventSink } from '../../ingest/collector.js'
import { auth0HookRoutes } from './auth0.js'
import { oktaHookRoutes } from './okta.js'

export interface HooksOptions {
  sink: EventSink
  hooks: ConnectorsConfig['hooks']
  maxEventsPerRequest: number
}

const TEXT_TYPES = ['application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonl', 'text/plain']

export async function connectorHookRoutes(app: FastifyInstance, o: HooksOptions): Promise<void> {
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser(TEXT_TYPES, { parseAs: 'string' }, (_req, body, done) => { done(null, body) })
  await app.register(oktaHookRoutes, { sink: o.sink, hook: o.hooks.okta, maxEventsPerRequest: o.maxEventsPerRequest })
  await app.register(auth0HookRoutes, { sink: o.sink, hook: o.hooks.auth0, maxEventsPerRequest: o.maxEventsPerRequest })
}
