// HTTP collector: POST /v1/events takes a JSON array (or one object) or NDJSON of raw events of one
// source, authenticated by an ingest token whose tenant the events are written for. Where the events
// go is the sink's business: the in-process pipeline (embedded) or the Kafka raw topic (distributed).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requireRole } from '../access/request.js'
import type { TokenVerifier } from '../access/tokens.js'
import { ERR_BODY_EMPTY, ERR_OVERLOADED, ERR_STORE, ERR_TOO_MANY_EVENTS, ERR_UNKNOWN_SOURCE } from '../core/errors.js'
import type { RawEvent } from './fate.js'
import { isKnownSource, knownSources } from './normalizers/index.js'

export interface EventSink {
  mode: 'embedded' | 'kafka'
  /** Resolves when the events are durable: stored in ClickHouse, or acknowledged by Kafka. */
  accept(raws: RawEvent[]): Promise<Record<string, unknown>>
}

export interface CollectorOptions {
  sink: EventSink
  verifier: TokenVerifier
  maxEventsPerRequest: number
  /** Requests being written at once before new ones get 503 (back-pressure instead of unbounded memory). */
  maxInFlight?: number
}

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/json-seq']

/** What the NDJSON parser hands the route: a class, so no JSON body (say `{"ndjson": […]}`) can pass for it. */
class NdjsonBody {
  constructor(readonly items: { payload: unknown; parseError?: string }[]) {}
}

/** Lines of NDJSON; a line that is not JSON becomes an event rejected with the parser's message. */
export function splitNdjson(text: string): { payload: unknown; parseError?: string }[] {
  const out: { payload: unknown; parseError?: string }[] = []
  for (const line of text.split('\n')) {
    const t = line.replace(/^\u001e/, '').trim()
    if (!t) continue
    try {
      out.push({ payload: JSON.parse(t) })
    } catch (err) {
      out.push({ payload: t, parseError: `not JSON: ${(err as Error).message}` })
    }
  }
  return out
}

export async function collectorRoutes(app: FastifyInstance, opts: CollectorOptions): Promise<void> {
  const maxInFlight = opts.maxInFlight ?? 64
  // Counted from the first byte, not from the handler: a burst of large requests would otherwise all be
  // read and parsed (memory growing with the burst) before any of them found the limit reached.
  let inFlight = 0
  const admitted = new WeakSet<object>()
  const release = async (req: object) => { if (admitted.delete(req)) inFlight-- }

  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    done(null, new NdjsonBody(splitNdjson(body as string)))
  })

  app.post<{ Querystring: { source: string } }>('/v1/events', {
    onRequest: async (req, reply) => {
      if (inFlight >= maxInFlight) {
        // Says when to come back: a sender that retries at once would only deepen the overload.
        reply.header('retry-after', '1')
        throw new ERR_OVERLOADED(`${inFlight} requests are being written; retry shortly`)
      }
      inFlight++
      admitted.add(req)
    },
    onResponse: release,
    onRequestAbort: release,
    schema: {
      summary: 'Send raw events of one source (ingest or admin token)',
      tags: ['ingest'],
      security: [{ bearerAuth: [] }],
      querystring: {
        type: 'object',
        properties: { source: { type: 'string', minLength: 1, maxLength: 64, default: 'auto' } },
        additionalProperties: false,
      },
      // Documents what is accepted; each event is judged by the pipeline, not here (bad ones are dead-lettered).
      body: {
        content: {
          'application/json': { schema: { description: 'A JSON array of raw events, or one event object' } },
          ...Object.fromEntries(NDJSON_TYPES.map((t) => [t, { schema: { description: 'One raw event per line' } }])),
        },
      },
      response: {
        200: {
          description: 'Embedded mode: the events are stored (or dead-lettered)',
          type: 'object',
          additionalProperties: false,
          properties: {
            mode: { type: 'string', enum: ['embedded'] }, source: { type: 'string' }, tenant: { type: 'string' },
            received: { type: 'integer' }, stored: { type: 'integer' }, duplicates: { type: 'integer' }, ignored: { type: 'integer' }, rejected: { type: 'integer' },
            rejections: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { index: { type: 'integer' }, code: { type: 'string' }, reason: { type: 'string' } } } },
          },
        },
        202: {
          description: 'Kafka mode: the events are on the raw topic',
          type: 'object',
          additionalProperties: false,
          properties: { mode: { type: 'string', enum: ['kafka'] }, source: { type: 'string' }, tenant: { type: 'string' }, queued: { type: 'integer' } },
        },
        413: { description: 'Body or event count over the limit', type: 'object', properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } } },
        503: { description: 'Overloaded or ClickHouse refused the write; retry', type: 'object', properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  }, async (req: FastifyRequest<{ Querystring: { source: string } }>, reply: FastifyReply) => {
    const identity = await requireRole(opts.verifier, req, ['ingest', 'admin'])
    const source = req.query.source
    if (!isKnownSource(source)) throw new ERR_UNKNOWN_SOURCE(source, knownSources().join(', '))
    const body = req.body as unknown
    let items: { payload: unknown; parseError?: string }[]
    if (body instanceof NdjsonBody) {
      items = body.items
    } else if (Array.isArray(body)) {
      items = body.map((payload) => ({ payload }))
    } else if (body !== undefined && body !== null && body !== '') {
      items = [{ payload: body }]
    } else {
      items = []
    }
    if (items.length === 0) throw new ERR_BODY_EMPTY()
    if (items.length > opts.maxEventsPerRequest) throw new ERR_TOO_MANY_EVENTS(opts.maxEventsPerRequest)
    // Field by field: nothing the sender wrote may set how an event is routed (tenantMappable, origin).
    const raws: RawEvent[] = items.map((i) => ({ payload: i.payload, parseError: i.parseError, source, tenant: identity.tenant }))
    let result: Record<string, unknown>
    try {
      result = await opts.sink.accept(raws)
    } catch (err) {
      // The writer gave up on the batch: the sender retries, and the event_id check stores nothing twice.
      req.log.error({ err }, 'collector sink refused the events')
      reply.header('retry-after', '5')
      throw new ERR_STORE((err as Error).message)
    }
    return reply.code(opts.sink.mode === 'kafka' ? 202 : 200).send({ mode: opts.sink.mode, source, tenant: identity.tenant, ...result })
  })
}
