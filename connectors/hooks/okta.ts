// Okta Event Hooks on the collector (developer.okta.com/docs/concepts/event-hooks):
//   GET  /v1/hooks/okta  one-time verification: Okta sends `x-okta-verification-challenge`; we answer
//                        { "verification": "<the same value>" } within 3 seconds;
//   POST /v1/hooks/okta  deliveries: { eventType: "com.okta.event_hook", …, data: { events: [ System Log
//                        events ] } }; the events go to the collector's sink as source okta.
// Both carry the Authorization header value configured on the hook (PULSE_OKTA_HOOK_AUTHORIZATION).
import type { FastifyInstance } from 'fastify'
import type { HookConfig } from '../../core/config.js'
import { ERR_BODY_EMPTY, ERR_BODY_PARSE, ERR_HOOK_DISABLED, ERR_HOOK_REQUEST, ERR_TOO_MANY_EVENTS, ERR_UNAUTHORIZED } from '../../core/errors.js'
import { connectorErrors, connectorEventsFetched } from '../../core/metrics.js'
import type { EventSink } from '../../ingest/collector.js'
import { authorizationMatches } from './authorization.js'

export interface HookRouteOptions {
  sink: EventSink
  hook: HookConfig
  maxEventsPerRequest: number
}

const RECEIVED = {
  type: 'object',
  properties: { received: { type: 'integer' }, mode: { type: 'string' } },
  required: ['received'],
} as const

export async function oktaHookRoutes(app: FastifyInstance, o: HookRouteOptions): Promise<void> {
  const admit = (req: Parameters<typeof authorizationMatches>[0]) => {
    if (!o.hook.authorization) throw new ERR_HOOK_DISABLED('Okta event', 'PULSE_OKTA_HOOK_AUTHORIZATION')
    if (!authorizationMatches(req, o.hook.authorization)) {
      connectorErrors.inc({ connector: 'okta-hook', kind: 'hook_auth' })
      throw new ERR_UNAUTHORIZED('The Authorization header does not match the one configured for this hook')
    }
  }

  app.get('/v1/hooks/okta', {
    schema: {
      summary: 'Okta event hook verification (answers the x-okta-verification-challenge)',
      tags: ['hooks'],
      querystring: { type: 'object', properties: {}, additionalProperties: false },
      response: { 200: { type: 'object', properties: { verification: { type: 'string' } }, required: ['verification'] } },
    },
  }, async (req) => {
    admit(req)
    const challenge = req.headers['x-okta-verification-challenge']
    if (typeof challenge !== 'string' || challenge === '') throw new ERR_HOOK_REQUEST('an Okta verification request carries an x-okta-verification-challenge header')
    return { verification: challenge }
  })

  app.post('/v1/hooks/okta', {
    schema: {
      summary: 'Okta event hook delivery: System Log events under data.events',
      tags: ['hooks'],
      querystring: { type: 'object', properties: {}, additionalProperties: false },
      response: { 200: RECEIVED },
    },
  }, async (req) => {
    admit(req)
    let body: unknown
    try {
      body = JSON.parse(String(req.body ?? ''))
    } catch (err) {
      throw new ERR_BODY_PARSE((err as Error).message)
    }
    const data = body !== null && typeof body === 'object' ? (body as { data?: unknown }).data : undefined
    const events = data !== null && typeof data === 'object' ? (data as { events?: unknown }).events : undefined
    if (!Array.isArray(events)) throw new ERR_HOOK_REQUEST('an Okta event hook delivery holds its events in data.events[]')
    if (events.length === 0) throw new ERR_BODY_EMPTY()
    if (events.length > o.maxEventsPerRequest) throw new ERR_TOO_MANY_EVENTS(o.maxEventsPerRequest)
    await o.sink.accept(events.map((payload) => ({ payload, source: 'okta', tenant: o.hook.tenant })))
    connectorEventsFetched.inc({ connector: 'okta-hook' }, events.length)
    return { received: events.length, mode: o.sink.mode }
  })
}
