// GET /api/v1/kpis/passkey-primary?bucket=… answers a whole chart in one request (the dashboard used to ask
// once per bucket). Each bucket of the series must equal the period figure of that bucket asked on its own,
// clipped to the period, on the hand-built organisation of test/helpers/kpi-dataset.ts through the real app.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToken, TokenVerifier } from '../../access/tokens.js'
import { buildApp } from '../../analytics/server.js'
import { createLogger } from '../../core/logger.js'
import { IngestService } from '../../ingest/service.js'
import { embeddedSink } from '../../ingest/sinks.js'
import { BatchWriter } from '../../ingest/writer.js'
import { acmeEvents, ingestNative } from '../helpers/kpi-dataset.js'
import { openTestStore, type TestStore } from '../helpers/store.js'

const log = createLogger('error')
let t: TestStore
let app: FastifyInstance
let writer: BatchWriter
let token: string

interface Ratio { numerator: number; denominator: number; value: number | null }
interface Primary { passkey_primary: Ratio; threshold: number; bucket?: string; series?: ({ bucket: string } & Ratio)[] }

beforeAll(async () => {
  t = await openTestStore({ PULSE_BATCH_MAX_MS: '10' })
  writer = new BatchWriter(t.store.client, { ...t.config.batch, log })
  const service = new IngestService(writer)
  app = await buildApp({ config: t.config, store: t.store, sink: embeddedSink(service), verifier: new TokenVerifier(t.store.client), log })
  await app.ready()
  token = (await createToken(t.store.client, 'acme', 'finance', 'finance')).token
  await ingestNative(service, 'acme', acmeEvents())
})

afterAll(async () => {
  await app?.close()
  await writer?.close()
  await t?.cleanup()
})

async function get(query: string, status = 200): Promise<Primary & { message?: string }> {
  const res = await app.inject({ url: `/api/v1/kpis/passkey-primary?${query}`, headers: { authorization: `Bearer ${token}` } })
  expect(res.statusCode, res.body).toBe(status)
  return res.json()
}

const DAY = 86_400_000
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10)
function bucketEnd(start: string, bucket: string): number {
  const d = new Date(`${start.slice(0, 10)}T00:00:00Z`)
  if (bucket === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
  return d.getTime() + (bucket === 'week' ? 7 : 1) * DAY
}

describe('passkey-primary users per bucket', () => {
  // A period that cuts weeks and months on both sides: the first and last buckets are clipped.
  const from = '2026-09-24'
  const to = '2026-10-27'

  for (const bucket of ['day', 'week', 'month'] as const) {
    it(`bucket=${bucket}: every bucket equals the same question asked for that bucket alone`, async () => {
      const body = await get(`from=${from}&to=${to}&bucket=${bucket}`)
      const whole = await get(`from=${from}&to=${to}`)
      expect(body.passkey_primary).toEqual(whole.passkey_primary)
      expect(body.bucket).toBe(bucket)
      const series = body.series!
      // The dataset has sign-ins in most of these buckets: a series of zeros would prove nothing.
      expect(series.length).toBeGreaterThanOrEqual({ day: 10, week: 3, month: 1 }[bucket])
      expect(series.some((p) => p.numerator > 0)).toBe(true)
      for (const p of series) {
        const start = Math.max(Date.parse(`${from}T00:00:00Z`), Date.parse(`${p.bucket.slice(0, 10)}T00:00:00Z`))
        // `to` is exclusive (a date is its midnight).
        const end = Math.min(Date.parse(`${to}T00:00:00Z`), bucketEnd(p.bucket, bucket))
        const alone = await get(`from=${iso(start)}&to=${iso(end)}`)
        expect({ bucket: p.bucket, ...alone.passkey_primary }, `bucket ${p.bucket}`).toEqual(p)
      }
      // Buckets are in order and unique.
      expect(series.map((p) => p.bucket)).toEqual([...new Set(series.map((p) => p.bucket))].sort())
    })
  }

  it('no series without a bucket, and an hourly bucket is refused with a message', async () => {
    const body = await get(`from=${from}&to=${to}`)
    expect(body.series).toBeUndefined()
    const hour = await get(`from=${from}&to=${to}&bucket=hour`, 400)
    expect(hour.message).toMatch(/bucket/)
  })
})
