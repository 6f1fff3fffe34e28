// Every dashboard panel as the dashboard loads it (dashboard/src/panels/*, cards.ts, roi.ts): the same API
// calls with the same parameters, in parallel where the panel makes them in parallel. A panel's time is the
// time until all of its calls have answered, which is what a person waits for. Kept in step with
// dashboard/src by hand: each entry names the file it mirrors.

export type Params = Record<string, string | number>

export interface Api {
  /** GET path?params as JSON; throws on a non-2xx answer (a benchmark that times errors is a wrong one). */
  json<T = unknown>(path: string, params: Params): Promise<T>
}

export interface Variant {
  id: string
  /** from/to (and filters) as the dashboard sends them. */
  params: Params
  /** The bucket the view state has (the dashboard's default is day). */
  bucket: 'day' | 'week' | 'month'
}

export interface PanelDef {
  id: string
  /** dashboard/src file the calls come from. */
  mirrors: string
  /** The API calls, for the load mix (autocannon) and the table. */
  calls: (v: Variant) => { path: string; params: Params }[]
  load: (api: Api, v: Variant) => Promise<unknown>
}

interface Ratio { numerator: number; denominator: number; value: number | null }

const DAY = 86_400_000

/** Per-user KPIs read days (dashboard/src/panels/adoption.ts dayBucket). */
const dayBucket = (b: string): 'day' | 'week' | 'month' => (b === 'week' || b === 'month' ? b : 'day')

function bucketEnd(start: string, bucket: 'day' | 'week' | 'month'): number {
  const d = new Date(`${start.slice(0, 10)}T00:00:00Z`)
  if (bucket === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
  return d.getTime() + (bucket === 'week' ? 7 : 1) * DAY
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }))
  return out
}

/** The dashboard's per-bucket passkey-primary requests stop at this many buckets (adoption.ts). */
const MAX_PRIMARY_BUCKETS = 40

/** Adoption as the dashboard loads it: with a series endpoint when the API has one, else one request per bucket. */
export async function loadAdoption(api: Api, v: Variant, seriesEndpoint: boolean): Promise<unknown> {
  const bucket = dayBucket(v.bucket)
  if (seriesEndpoint) {
    const [enrolled, primary] = await Promise.all([
      api.json<{ series: ({ bucket: string } & Ratio)[] }>('/api/v1/kpis/enrollment', { ...v.params, bucket }),
      api.json('/api/v1/kpis/passkey-primary', { ...v.params, bucket }),
    ])
    return { enrolled, primary }
  }
  const [enrolled] = await Promise.all([
    api.json<{ series: ({ bucket: string } & Ratio)[] }>('/api/v1/kpis/enrollment', { ...v.params, bucket }),
    api.json('/api/v1/kpis/passkey-primary', v.params),
  ])
  if (enrolled.series.length > MAX_PRIMARY_BUCKETS) return enrolled
  const from = Date.parse(String(v.params.from))
  const to = Date.parse(String(v.params.to))
  return pool(enrolled.series, 4, (p) => api.json('/api/v1/kpis/passkey-primary', {
    ...v.params,
    from: new Date(Math.max(from, Date.parse(`${p.bucket.slice(0, 10)}T00:00:00Z`))).toISOString(),
    to: new Date(Math.min(to, bucketEnd(p.bucket, bucket))).toISOString(),
  }))
}

const one = (path: string, extra: (v: Variant) => Params = () => ({})) => (v: Variant) => [{ path, params: { ...v.params, ...extra(v) } }]
const all = (api: Api, calls: { path: string; params: Params }[]) => Promise.all(calls.map((c) => api.json(c.path, c.params)))

export function panels(o: { seriesEndpoint: boolean }): PanelDef[] {
  const simple = (id: string, mirrors: string, calls: PanelDef['calls']): PanelDef => ({ id, mirrors, calls, load: (api, v) => all(api, calls(v)) })
  return [
    simple('summary cards', 'cards.ts', one('/api/v1/summary')),
    simple('method mix', 'panels/method-mix.ts', one('/api/v1/method-mix', (v) => ({ bucket: v.bucket }))),
    simple('mix by product', 'panels/breakdowns.ts', one('/api/v1/kpis/method-mix/by-product')),
    {
      id: 'adoption',
      mirrors: 'panels/adoption.ts',
      calls: (v) => [
        { path: '/api/v1/kpis/enrollment', params: { ...v.params, bucket: dayBucket(v.bucket) } },
        { path: '/api/v1/kpis/passkey-primary', params: o.seriesEndpoint ? { ...v.params, bucket: dayBucket(v.bucket) } : v.params },
      ],
      load: (api, v) => loadAdoption(api, v, o.seriesEndpoint),
    },
    simple('time to sign in', 'panels/per-method.ts', one('/api/v1/kpis/time-to-sign-in', () => ({ bucket: 'month' }))),
    simple('success rate', 'panels/per-method.ts', one('/api/v1/kpis/success-rate', () => ({ bucket: 'month' }))),
    // Three panels (OS × browser, by product, by platform) share this one memoized request.
    simple('fallbacks (3 panels)', 'panels/fallbacks.ts', one('/api/v1/kpis/fallbacks', () => ({ bucket: 'month' }))),
    simple('resets + baseline', 'panels/adoption.ts', (v) => [
      { path: '/api/v1/kpis/resets', params: { ...v.params, bucket: v.bucket } },
      { path: '/api/v1/kpis/savings', params: v.params },
    ]),
    simple('authenticators', 'panels/breakdowns.ts', one('/api/v1/kpis/authenticators')),
    simple('privileged', 'panels/lists.ts', (v) => [
      { path: '/api/v1/users/privileged-not-covered', params: { ...v.params, limit: 200 } },
      { path: '/api/v1/kpis/privileged-coverage', params: v.params },
    ]),
    simple('phishing blocked', 'panels/breakdowns.ts', one('/api/v1/kpis/phishing-blocked', (v) => ({ bucket: v.bucket }))),
    simple('alerts', 'panels/lists.ts', (v) => [{ path: '/api/v1/alerts', params: { from: v.params.from!, to: v.params.to!, limit: 20 } }]),
    simple('fallback users (drill-down)', 'users.ts', one('/api/v1/users/fallbacks', () => ({ limit: 1000 }))),
    simple('ROI report', 'roi.ts', one('/api/v1/reports/roi')),
  ]
}

/** The periods measured, ending where the dataset ends, as the dashboard's presets send them. */
export function variants(end: string, quick: boolean): Variant[] {
  const to = Date.parse(end)
  const period = (days: number) => ({ from: new Date(to - days * DAY).toISOString(), to: new Date(to).toISOString() })
  const list: Variant[] = [
    { id: '30 d', params: period(30), bucket: 'day' },
    { id: '30 d, product=jira', params: { ...period(30), product: 'jira' }, bucket: 'day' },
    // A filter that follows the person: read from the wide rollups (migration 004), not the core ones.
    { id: '30 d, department=IT', params: { ...period(30), department: 'IT' }, bucket: 'day' },
    { id: '90 d', params: period(90), bucket: 'day' },
    { id: '1 y (by week)', params: period(365), bucket: 'week' },
  ]
  return quick ? [list[0]!, list[4]!] : list
}
