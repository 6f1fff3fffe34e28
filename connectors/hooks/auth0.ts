// Auth0 log streams, custom webhook type (auth0.com/docs/customize/log-streams/custom-log-streams):
//   POST /v1/hooks/auth0  with the "Authorization Token" configured on the stream as the Authorization
//                         header (PULSE_AUTH0_HOOK_AUTHORIZATION). The body is, by the stream's content
//                         format, a JSON array, JSON lines, or one JSON object, of { log_id, data }.
// Auth0 retries a delivery that does not get a 2xx, so a refusal here is never silent data loss.
import type { FastifyInstance } from 'fastify'
import { ERR_BODY_EMPTY, ERR_HOOK_DISABLED, ERR_TOO_MANY_EVENTS, ERR_UNAUTHORIZED } from '../../core/errors.js'
import { connectorErrors, connectorEventsFetched } from '../../core/metrics.js'
import { splitNdjson } from '../../ingest/collector.js'
import { authorizationMatches } from './authorization.js'
import type { HookRouteOptions } from './okta.js'

/** A JSON array or object, else JSON lines (a line that is not JSON becomes a rejected event, as on the collector). */
export function auth0Items(text: string): { payload: unknown; parseError?: string }[] {
  const t = text.trim()
  if (!t) return []
  try {
    const v = JSON.parse(t) as unknown
    return Array.isArray(v) ? v.map((payload) => ({ payload })) : [{ payload: v }]
  } catch {
    return splitNdjson(t)
  }
}

export async function auth0HookRoutes(app: FastifyInstance, o: HookRouteOptions): Promise<void> {
  app.post('/v1/hooks/auth0', {
    schema: {
      summary: 'Auth0 log stream (custom webhook) delivery: { log_id, data } items as a JSON array, JSON lines or one object',
      tags: ['hooks'],
      querystring: { type: 'object', properties: {}, additionalProperties: false },
      response: { 200: { type: 'object', properties: { received: { type: 'integer' }, mode: { type: 'string' } }, required: ['received'] } },
    },
  }, async (req) => {
    if (!o.hook.authorization) throw new ERR_HOOK_DISABLED('Auth0 log stream', 'PULSE_AUTH0_HOOK_AUTHORIZATION')
    if (!authorizationMatches(req, o.hook.authorization)) {
      connectorErrors.inc({ connector: 'auth0-hook', kind: 'hook_auth' })
      throw new ERR_UNAUTHORIZED('The Authorization header does not match the one configured for this log stream')
    }
    const items = auth0Items(String(req.body ?? ''))
    if (items.length === 0) throw new ERR_BODY_EMPTY()
    if (items.length > o.maxEventsPerRequest) throw new ERR_TOO_MANY_EVENTS(o.maxEventsPerRequest)
    await o.sink.accept(items.map((i) => ({ ...i, source: 'auth0', tenant: o.hook.tenant })))
    connectorEventsFetched.inc({ connector: 'auth0-hook' }, items.length)
    return { received: items.length, mode: o.sink.mode }
  })
}
