// The whole HTTP app on a real embedded store, as `start` wires it, with a token of every role in two
// tenants and a few events of each tenant sent through the real collector. Every route the app
// registers is collected as it is registered, so tests can walk the API without a list of their own.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse, RouteOptions } from 'fastify'
import { randomBytes } from 'node:crypto'
import { createToken, ROLES, TokenVerifier, type Role } from '../../access/tokens.js'
import { saveAlerts } from '../../alerts/store.js'
import type { RouteAccess } from '../../analytics/access.js'
import { buildApp } from '../../analytics/server.js'
import { createLogger, type Logger } from '../../core/logger.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { openTestStore, type TestStore } from './store.js'

export const TENANTS = ['acme', 'globex'] as const
export type Tenant = (typeof TENANTS)[number]

/** Strings only the given tenant's events hold: finding one in another tenant's answer is a leak. */
export const MARKERS: Record<Tenant, { product: string; department: string; domain: string }> = {
  acme: { product: 'acmeonlyproduct', department: 'acmeonlydept', domain: 'acme-corp.example' },
  globex: { product: 'globexonlyproduct', department: 'globexonlydept', domain: 'globex-corp.example' },
}

export interface ApiFixture {
  t: TestStore
  app: FastifyInstance
  verifier: TokenVerifier
  /** Every route as registered (HEAD twins included), in registration order. */
  routes: RouteOptions[]
  tokens: Record<Tenant, Record<Role, string>>
  close(): Promise<void>
}

const HOUR = 3_600_000

/** A small, varied population per tenant: passkey and password users, failures, a privileged admin, resets. */
export function tenantEvents(tenant: Tenant, now = Date.now()): Record<string, unknown>[] {
  const m = MARKERS[tenant]
  const at = (h: number) => new Date(now - h * HOUR).toISOString()
  const user = (i: number) => `user${i}@${m.domain}`
  const base = (i: number, h: number, over: Record<string, unknown>) => ({
    ts: at(h), source_event_id: `${tenant}-${i}-${h}`, event_type: 'login', outcome: 'success', user_id: user(i),
    product: m.product, department: m.department, app: `${m.product} app`, ip: `203.0.113.${i + 1}`, latency_ms: 2000 + i * 100,
    user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    ...over,
  })
  const events: Record<string, unknown>[] = []
  for (let i = 0; i < 6; i++) {
    events.push(base(i, 200, { event_type: 'passkey_registered', method: 'passkey', passkey_type: i % 2 ? 'synced' : 'device_bound' }))
    for (let h = 1; h <= 48; h += 12) {
      events.push(base(i, h, i < 4 ? { method: 'passkey', passkey_type: 'synced', privileged: i === 0 ? 1 : 0 } : { method: 'password', second_factor: 'push' }))
    }
    events.push(base(i, 30, { method: 'passkey', outcome: 'failure', failure_reason: 'user_cancelled' }))
    // A password login shortly after the failed passkey: a fallback after failure.
    events.push(base(i, 29.95, { method: 'password', second_factor: 'none', privileged: i === 0 ? 1 : 0 }))
  }
  events.push(base(9, 20, { event_type: 'password_reset', method: 'password' }))
  events.push(base(9, 21, { event_type: 'account_locked', method: 'password', outcome: 'failure' }))
  return events
}

export async function openApiFixture(env: Record<string, string> = {}, log: Logger = createLogger('error')): Promise<ApiFixture> {
  const t = await openTestStore({ PULSE_BATCH_MAX_MS: '20', PULSE_DEFAULT_TENANT: 'acme', ...env })
  const writer = new BatchWriter(t.store.client, { ...t.config.batch, log })
  const verifier = new TokenVerifier(t.store.client)
  const routes: RouteOptions[] = []
  const app = await buildApp({ config: t.config, store: t.store, sink: embeddedSink(new IngestService(writer)), verifier, log, onRoute: (r) => { routes.push(r) } })
  await app.ready()
  const tokens = {} as Record<Tenant, Record<Role, string>>
  for (const tenant of TENANTS) {
    tokens[tenant] = {} as Record<Role, string>
    for (const role of ROLES) tokens[tenant][role] = (await createToken(t.store.client, tenant, role, `${tenant} ${role}`)).token
    const res = await app.inject({ method: 'POST', url: '/v1/events?source=native', headers: { authorization: `Bearer ${tokens[tenant].ingest}` }, payload: tenantEvents(tenant) })
    const body = res.json<{ stored?: number; rejected?: number; rejections?: unknown }>()
    if (res.statusCode !== 200 || body.rejected !== 0 || !body.stored) throw new Error(`seeding ${tenant} failed: ${res.statusCode} ${res.body}`)
  }
  return {
    t, app, verifier, routes, tokens,
    close: async () => {
      await app.close()
      await writer.close()
      await t.cleanup()
    },
  }
}

/** app.inject with a bearer token (or none). */
export function call(app: FastifyInstance, o: InjectOptions & { token?: string | null }): Promise<LightMyRequestResponse> {
  const { token, headers, ...rest } = o
  return app.inject({ ...rest, headers: { ...(headers as Record<string, string> | undefined), ...(token ? { authorization: `Bearer ${token}` } : {}) } })
}

// ---- how to call a route: samples for what its schema cannot say, minimal values for the rest ----

export interface RouteSample {
  /** Path parameters naming a resource of tenant `acme` (made fresh for each call when needed). */
  params?: (f: ApiFixture) => Promise<Record<string, string>>
  /** True when the path names a tenant's resource: another tenant's admin must get 404, not the resource. */
  tenantScoped?: boolean
  query?: Record<string, string>
  body?: unknown
}

/**
 * What cannot be derived from a route's schema. A route with path parameters needs an entry here;
 * query and body are derived from the schema (required fields only) unless given.
 */
export const ROUTE_SAMPLES: Record<string, RouteSample> = {
  'DELETE /api/v1/tokens/:id': {
    params: async (f) => ({ id: (await createToken(f.t.store.client, 'acme', 'viewer', 'matrix victim')).tokenId }),
    tenantScoped: true,
  },
  // Creates or replaces the caller's own channel or rule settings: not another tenant's resource.
  'PUT /api/v1/alerts/channels/:id': {
    params: async () => ({ id: 'matrix-channel' }),
    body: { kind: 'webhook', url: 'https://hooks.example.com/pulse-matrix', secret: 'matrix-webhook-secret-0123456789' },
  },
  'PUT /api/v1/alerts/rules/:rule': { body: { enabled: true } },
  // An open alert of acme, fresh for each call (acknowledging or resolving changes it).
  'GET /api/v1/alerts/:id': { params: async (f) => ({ id: await acmeAlert(f) }), tenantScoped: true },
  'POST /api/v1/alerts/:id/acknowledge': { params: async (f) => ({ id: await acmeAlert(f) }), tenantScoped: true },
  'POST /api/v1/alerts/:id/resolve': { params: async (f) => ({ id: await acmeAlert(f) }), tenantScoped: true },
}

/** Stores an open alert of tenant acme about one of its users and returns its id. */
async function acmeAlert(f: ApiFixture): Promise<string> {
  const now = Date.now()
  const id = randomBytes(16).toString('hex')
  await saveAlerts(f.t.store.client, [{
    alert_id: id, tenant: 'acme', rule: 'password_fallback', severity: 'medium', subject_kind: 'user', subject: `user4@${MARKERS.acme.domain}`,
    title: 'password fallback (access matrix sample)', first_seen: now, last_seen: now, window_end: now + HOUR, count: 1, evidence: [],
    details: {}, silenced: false, created_at: now,
  }])
  return id
}

export type JsonSchema = Record<string, any>

/** A route the tests cannot call without a sample: the message says what to add. */
export class CannotDerive extends Error {}

/** A minimal valid value for a schema: defaults, first enum values, required properties only. */
export function sampleOf(schema: JsonSchema, where: string): unknown {
  if (schema.default !== undefined) return schema.default
  if (schema.const !== undefined) return schema.const
  if (Array.isArray(schema.enum)) return schema.enum[0]
  const alt = schema.anyOf ?? schema.oneOf
  if (Array.isArray(alt)) return sampleOf(alt[0], where)
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const k of schema.required ?? []) out[k] = sampleOf(schema.properties?.[k] ?? {}, `${where}.${k}`)
      return out
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleOf(schema.items ?? {}, `${where}[]`))
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1)
    case 'boolean':
      return false
    case 'string':
      if (schema.format === 'date-time') return new Date().toISOString()
      if (schema.format === 'date') return new Date().toISOString().slice(0, 10)
      if (schema.pattern) throw new CannotDerive(`${where} has a pattern (${schema.pattern}): add a sample to ROUTE_SAMPLES (test/helpers/api.ts)`)
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1))
    default:
      throw new CannotDerive(`${where} has no type to derive a value from: add a sample to ROUTE_SAMPLES (test/helpers/api.ts)`)
  }
}

export const idOf = (r: RouteOptions) => `${String(r.method)} ${r.url}`
export const accessOf = (r: RouteOptions) => (r.config as { access?: RouteAccess } | undefined)?.access

export interface PreparedRequest { path: string; query: Record<string, string>; payload?: unknown; tenantScoped: boolean }

export const urlOf = (p: PreparedRequest, extra: Record<string, string> = {}) => {
  const qs = new URLSearchParams({ ...p.query, ...extra }).toString()
  return qs ? `${p.path}?${qs}` : p.path
}

/** The request to send for a route: the sample's, or one derived from the route's schemas. */
export async function prepareRequest(f: ApiFixture, r: RouteOptions): Promise<PreparedRequest> {
  const id = idOf(r)
  const sample = ROUTE_SAMPLES[id] ?? {}
  const schema = (r.schema ?? {}) as JsonSchema
  let url = r.url
  if (url.includes(':')) {
    // A resource the route names must exist: only a sample can make one. A parameter its schema
    // pins down (an enum, a plain string) is derived.
    const given = sample.params ? await sample.params(f) : {}
    for (const name of [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!)) {
      let v = given[name]
      if (v === undefined) {
        try {
          v = String(sampleOf(schema.params?.properties?.[name] ?? {}, `${id} path parameter ${name}`))
        } catch (err) {
          throw new CannotDerive(`${id}: path parameter ${name} cannot be derived (${(err as Error).message}); add { params, tenantScoped } for it to ROUTE_SAMPLES (test/helpers/api.ts)`)
        }
      }
      url = url.replace(`:${name}`, encodeURIComponent(v))
    }
  }
  const query = sample.query ?? (schema.querystring ? sampleOf(schema.querystring, `${id} querystring`) as Record<string, unknown> : {})
  const payload = sample.body ?? (schema.body ? sampleOf(schema.body, `${id} body`) : undefined)
  return { path: url, query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])), payload, tenantScoped: sample.tenantScoped ?? false }
}
