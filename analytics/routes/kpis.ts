// The KPIs of SPEC §3, one route per family, for every reading role (aggregates only: no route here names a
// person). Each takes the period, the filters and, where it is a series, a bucket; the tenant is the token's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Store } from '../../store/clickhouse.js'
import { identityOf, READ_ROLES } from '../access.js'
import { enrollment, passkeyPrimary } from '../queries/adoption.js'
import { authenticators } from '../queries/authenticators.js'
import { BUCKET_NAMES, DAY_BUCKETS, type DayBucket } from '../queries/common.js'
import { fallbacks } from '../queries/fallbacks.js'
import { timeToSignIn } from '../queries/latency.js'
import { methodMix, methodMixByProduct, methodMixQuery } from '../queries/method-mix.js'
import { passkeyShare } from '../queries/passkey-share.js'
import { phishingBlocked } from '../queries/phishing.js'
import { privilegedCoverage } from '../queries/privileged.js'
import { resets } from '../queries/resets.js'
import { savings } from '../queries/savings.js'
import { successRate } from '../queries/success-rate.js'
import { ASSUMPTION_PROPERTIES } from '../queries/assumptions.js'
import {
  ASSUMPTION_ENTRY, assumptionsOf, bucketProperty, envelope, querystring, RATIO, response, SAVINGS_FIGURES, scopeOf, type KpiQuery,
} from './params.js'

type Req = FastifyRequest<{ Querystring: KpiQuery }>

const str = { type: 'string' } as const
const num = { type: 'number' } as const
const nullableNum = { type: ['number', 'null'] } as const
const arrayOf = (properties: Record<string, unknown>) => ({ type: 'array', items: { type: 'object', additionalProperties: false, properties } })
const BUCKET_OUT = { type: 'string', enum: [...BUCKET_NAMES] } as const

/** Per-user KPIs read days: their schemas offer day, week and month only. */
const dayBucket = (q: KpiQuery): DayBucket => (q.bucket ?? 'day') as DayBucket

const LATENCY = { samples: num, p50_ms: nullableNum, p90_ms: nullableNum, p95_ms: nullableNum, mean_ms: nullableNum }
const FALLBACK_COUNTS = { fallback_rate: RATIO, after_failure: RATIO }

export async function kpiRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const client = opts.store.client
  const read = { access: { roles: READ_ROLES } }
  const lookback = (req: Req) => assumptionsOf(client, identityOf(req).tenant, req.query).then((a) => a.values.passkey_lookback_days)

  app.get('/api/v1/method-mix', {
    config: read,
    schema: {
      summary: 'Method mix: successful interactive sign-ins per method class per bucket (SPEC §3 KPI 1)',
      tags: ['kpis'],
      description: 'format=arrow answers with the rows alone as Arrow IPC (a stream, uncompressed), for long hourly series.',
      querystring: querystring({ bucket: bucketProperty(), format: { type: 'string', enum: ['json', 'arrow'], default: 'json' } }),
      response: response({
        bucket: BUCKET_OUT,
        rows: arrayOf({ bucket: str, method_class: str, logins: { type: 'integer' }, share: num, bucket_total: { type: 'integer' } }),
      }, 'share of each method class in each bucket'),
    },
  }, async (req: Req, reply: FastifyReply) => {
    const s = scopeOf(req, req.query)
    const bucket = req.query.bucket ?? 'day'
    if (req.query.format === 'arrow') {
      // ClickHouse writes the Arrow bytes; uncompressed, since apache-arrow has no LZ4 codec by default.
      const q = methodMixQuery(s, bucket)
      const result = await client.exec({
        query: `${q.query} FORMAT ArrowStream`,
        query_params: q.params,
        clickhouse_settings: { output_format_arrow_string_as_string: 1, output_format_arrow_compression_method: 'none' },
      })
      return reply.type('application/vnd.apache.arrow.stream').send(result.stream)
    }
    return { ...envelope(s), bucket: req.query.bucket, rows: await methodMix(client, s, bucket) }
  })

  app.get('/api/v1/kpis/passkey-share', {
    config: read,
    schema: {
      summary: 'Passkey sign-in share: successful passkey sign-ins ÷ successful interactive sign-ins (KPI 2)',
      tags: ['kpis'],
      querystring: querystring({ bucket: bucketProperty() }),
      response: response({ bucket: BUCKET_OUT, share: RATIO, series: arrayOf({ bucket: str, ...RATIO.properties }) }, 'the share for the period and per bucket'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query)
    return { ...envelope(s), bucket: req.query.bucket, ...(await passkeyShare(client, s, req.query.bucket ?? 'day')) }
  })

  app.get('/api/v1/kpis/enrollment', {
    config: read,
    schema: {
      summary: 'Enrollment rate: active users who have a passkey at the period end ÷ active users (KPI 3)',
      tags: ['kpis'],
      querystring: querystring({ bucket: bucketProperty(DAY_BUCKETS), passkey_lookback_days: ASSUMPTION_PROPERTIES.passkey_lookback_days }),
      response: response({
        bucket: BUCKET_OUT, passkey_lookback_days: { type: 'integer' }, enrollment_rate: RATIO,
        series: arrayOf({ bucket: str, ...RATIO.properties }),
      }, 'enrollment at the period end and at the end of each bucket (of users active in it)'),
    },
  }, async (req: Req) => {
    const bucket = dayBucket(req.query)
    const s = scopeOf(req, req.query, 'day')
    const lb = await lookback(req)
    return { ...envelope(s), bucket, passkey_lookback_days: lb, ...(await enrollment(client, s, { bucket, lookbackDays: lb })) }
  })

  app.get('/api/v1/kpis/passkey-primary', {
    config: read,
    schema: {
      summary: 'Passkey-primary users: active users with at least the threshold of their successful sign-ins by passkey ÷ active users (KPI 4)',
      tags: ['kpis'],
      description: 'With bucket, also the series: per bucket, the users active in it and those of them passkey-primary over its sign-ins (one request for a whole chart).',
      querystring: querystring({
        passkey_primary_threshold: ASSUMPTION_PROPERTIES.passkey_primary_threshold,
        bucket: { type: 'string', enum: [...DAY_BUCKETS], description: 'also answer per bucket (day, week, month); no series without it' },
      }),
      response: response({
        passkey_primary: RATIO, threshold: num, bucket: BUCKET_OUT, series: arrayOf({ bucket: str, ...RATIO.properties }),
      }, 'passkey-primary users for the period (and per bucket when asked)'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query, 'day')
    const a = await assumptionsOf(client, s.tenant, req.query)
    const bucket = req.query.bucket as DayBucket | undefined
    return { ...envelope(s), ...(bucket ? { bucket } : {}), ...(await passkeyPrimary(client, s, a.values.passkey_primary_threshold, bucket)) }
  })

  app.get('/api/v1/kpis/success-rate', {
    config: read,
    schema: {
      summary: 'Success rate per method class: successful ÷ attempted sign-in flows (KPI 5)',
      tags: ['kpis'],
      querystring: querystring({ bucket: bucketProperty() }),
      response: response({
        bucket: BUCKET_OUT,
        overall: RATIO,
        by_method: arrayOf({ method_class: str, success_rate: RATIO, failures: num, phishing_blocked: { ...num, description: 'failures that were phishing refused (counted as failures)' } }),
        series: arrayOf({ bucket: str, method_class: str, ...RATIO.properties }),
      }, 'success rates for the period and per bucket'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query)
    return { ...envelope(s), bucket: req.query.bucket, ...(await successRate(client, s, req.query.bucket ?? 'day')) }
  })

  app.get('/api/v1/kpis/time-to-sign-in', {
    config: read,
    schema: {
      summary: 'Time to sign in: p50, p90, p95 and mean latency of successful sign-ins per method class (KPI 6)',
      description: 'Quantiles are DDSketch estimates with 1 % relative accuracy.',
      tags: ['kpis'],
      querystring: querystring({ bucket: bucketProperty() }),
      response: response({
        bucket: BUCKET_OUT,
        by_method: arrayOf({ method_class: str, ...LATENCY }),
        series: arrayOf({ bucket: str, method_class: str, ...LATENCY }),
      }, 'latency statistics in milliseconds'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query)
    return { ...envelope(s), bucket: req.query.bucket, ...(await timeToSignIn(client, s, req.query.bucket ?? 'day')) }
  })

  app.get('/api/v1/kpis/fallbacks', {
    config: read,
    schema: {
      summary: 'Fallback rate and fallbacks after a failed passkey attempt, by product, OS, browser and device type (KPI 7)',
      tags: ['kpis'],
      querystring: querystring({ bucket: bucketProperty(DAY_BUCKETS), passkey_lookback_days: ASSUMPTION_PROPERTIES.passkey_lookback_days }),
      response: response({
        bucket: BUCKET_OUT,
        passkey_lookback_days: { type: 'integer' },
        ...FALLBACK_COUNTS,
        series: arrayOf({ bucket: str, ...FALLBACK_COUNTS }),
        by: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(['product', 'os', 'browser', 'device_type'].map((k) => [k, arrayOf({ value: str, ...FALLBACK_COUNTS })])),
        },
        os_browser: arrayOf({ os: str, browser: str, ...FALLBACK_COUNTS }),
      }, 'fallback_rate = fallbacks ÷ sign-ins by users who have a passkey; after_failure = fallbacks within 10 minutes of a failed passkey attempt ÷ fallbacks'),
    },
  }, async (req: Req) => {
    const bucket = dayBucket(req.query)
    const s = scopeOf(req, req.query, 'day')
    const lb = await lookback(req)
    return { ...envelope(s), bucket, passkey_lookback_days: lb, ...(await fallbacks(client, s, { bucket, lookbackDays: lb })) }
  })

  app.get('/api/v1/kpis/fallbacks/os-browser', {
    config: read,
    schema: {
      summary: 'Fallback rate per OS × browser pair (KPI 7), for the heatmap',
      tags: ['kpis'],
      querystring: querystring({ passkey_lookback_days: ASSUMPTION_PROPERTIES.passkey_lookback_days }),
      response: response({
        passkey_lookback_days: { type: 'integer' },
        rows: arrayOf({ os: str, browser: str, ...FALLBACK_COUNTS }),
      }, 'fallback_rate = fallbacks ÷ sign-ins by users who have a passkey, per OS and browser'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query, 'day')
    const lb = await lookback(req)
    const f = await fallbacks(client, s, { bucket: 'month', lookbackDays: lb })
    return { ...envelope(s), passkey_lookback_days: lb, rows: f.os_browser }
  })

  app.get('/api/v1/kpis/method-mix/by-product', {
    config: read,
    schema: {
      summary: 'Method mix per product over the period (KPI 1)',
      tags: ['kpis'],
      querystring: querystring({}),
      response: response({
        rows: arrayOf({ product: str, method_class: str, logins: num, share: num, product_total: num }),
      }, 'share = successful interactive sign-ins of the class ÷ those of the product'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query, 'day')
    return { ...envelope(s), rows: await methodMixByProduct(client, s) }
  })

  app.get('/api/v1/kpis/privileged-coverage', {
    config: read,
    schema: {
      summary: 'Privileged users: phishing-resistant coverage (KPI 8) and device-bound coverage (KPI 15)',
      description: 'The list of privileged users who are not covered is GET /api/v1/users/privileged-not-covered (security and admin only).',
      tags: ['kpis'],
      querystring: querystring(),
      response: response({ phishing_resistant_coverage: RATIO, device_bound_coverage: RATIO }, 'coverage of privileged active users'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query, 'day')
    return { ...envelope(s), ...(await privilegedCoverage(client, s)) }
  })

  app.get('/api/v1/kpis/resets', {
    config: read,
    schema: {
      summary: 'Resets observed: password resets and lockouts per bucket, and the reset rate (KPI 9)',
      tags: ['kpis'],
      querystring: querystring({ bucket: bucketProperty() }),
      response: response({
        bucket: BUCKET_OUT, password_resets: num, lockouts: num, active_users: num, months: num,
        reset_rate: { ...RATIO, description: '(resets + lockouts) ÷ (active users × months)' },
        series: arrayOf({ bucket: str, password_resets: num, lockouts: num }),
      }, 'resets and lockouts'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query)
    return { ...envelope(s), bucket: req.query.bucket, ...(await resets(client, s, req.query.bucket ?? 'day')) }
  })

  app.get('/api/v1/kpis/savings', {
    config: read,
    schema: {
      summary: 'Reset tickets avoided (modelled and observed), time saved, support cost saved and total savings, low / mid / high (KPIs 10-13)',
      description: 'Every assumption can be overridden for this request; GET /api/v1/settings/assumptions shows the tenant\'s settings.',
      tags: ['kpis'],
      querystring: querystring(ASSUMPTION_PROPERTIES),
      response: response({ figures: SAVINGS_FIGURES, assumptions: { type: 'array', items: ASSUMPTION_ENTRY } }, 'the savings and every assumption behind them'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query, 'day')
    const a = await assumptionsOf(client, s.tenant, req.query)
    return { ...envelope(s), ...(await savings(client, s, a)) }
  })

  app.get('/api/v1/kpis/phishing-blocked', {
    config: read,
    schema: {
      summary: 'Phishing attempts blocked: sign-ins refused as phishing, per bucket and product (KPI 14; counted, not priced)',
      tags: ['kpis'],
      querystring: querystring({ bucket: bucketProperty() }),
      response: response({
        bucket: BUCKET_OUT, total: num,
        series: arrayOf({ bucket: str, blocked: num }),
        by_product: arrayOf({ product: str, blocked: num }),
        series_by_product: arrayOf({ bucket: str, product: str, blocked: num }),
      }, 'phishing attempts blocked'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query)
    return { ...envelope(s), bucket: req.query.bucket, ...(await phishingBlocked(client, s, req.query.bucket ?? 'day')) }
  })

  app.get('/api/v1/kpis/authenticators', {
    config: read,
    schema: {
      summary: 'Successful passkey sign-ins by authenticator (provider from the AAGUID) and passkey type',
      tags: ['kpis'],
      querystring: querystring(),
      response: response({
        passkey_logins: num,
        rows: arrayOf({ authenticator: { ...str, description: "'' when the log named none" }, method_class: str, logins: num, share: RATIO }),
      }, 'passkey sign-ins per authenticator'),
    },
  }, async (req: Req) => {
    const s = scopeOf(req, req.query)
    return { ...envelope(s), ...(await authenticators(client, s)) }
  })
}
