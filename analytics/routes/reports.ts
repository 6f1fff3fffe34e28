// GET /api/v1/reports/roi: the ROI report for finance in one request, as JSON, CSV, Parquet, Arrow (made by
// ClickHouse from the report's rows and streamed as it comes) or a printable HTML page. Aggregates only.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Store } from '../../store/clickhouse.js'
import type { Role } from '../../access/tokens.js'
import { renderRoiHtml } from '../report/roi-html.js'
import { ASSUMPTION_PROPERTIES } from '../queries/assumptions.js'
import { ROI_ROW_STRUCTURE, roiFileName, roiReport, roiRows, type RoiReport } from '../queries/roi.js'
import { ASSUMPTION_ENTRY, assumptionsOf, ENVELOPE, querystring, SAVINGS_FIGURES, scopeOf, type KpiQuery } from './params.js'

/** Finance's report; security and admin see everything; viewers see dashboards, not reports. */
export const REPORT_ROLES: readonly Role[] = ['admin', 'security', 'finance']

const FORMATS = {
  csv: { clickhouse: 'CSVWithNames', type: 'text/csv; charset=utf-8', ext: 'csv' },
  parquet: { clickhouse: 'Parquet', type: 'application/vnd.apache.parquet', ext: 'parquet' },
  arrow: { clickhouse: 'ArrowStream', type: 'application/vnd.apache.arrow.stream', ext: 'arrows' },
} as const
type Format = 'json' | 'html' | keyof typeof FORMATS

const FIGURES = { ...SAVINGS_FIGURES, properties: { ...SAVINGS_FIGURES.properties, phishing_attempts_blocked: { type: 'number' } } }
const withKey = (key: Record<string, unknown>) => ({ ...FIGURES, properties: { ...FIGURES.properties, ...key } })

const REPORT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...ENVELOPE,
    generated_at: { type: 'string' },
    totals: FIGURES,
    by_product: { type: 'array', items: withKey({ product: { type: 'string' } }) },
    by_month: { type: 'array', items: withKey({ month: { type: 'string', description: 'YYYY-MM' }, from: { type: 'string' }, to: { type: 'string', description: 'exclusive' } }) },
    assumptions: { type: 'array', items: ASSUMPTION_ENTRY },
  },
} as const

export async function reportRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const client = opts.store.client

  /** ClickHouse turns the rows into the file format; the bytes are streamed to the client as they come. */
  async function file(reply: FastifyReply, r: RoiReport, f: keyof typeof FORMATS) {
    const data = roiRows(r).map((row) => JSON.stringify(row)).join('\n')
    const result = await client.exec({
      query: `SELECT * FROM format(JSONEachRow, '${ROI_ROW_STRUCTURE}', {data:String}) FORMAT ${FORMATS[f].clickhouse}`,
      query_params: { data },
      // Plain strings and no Arrow compression: apache-arrow in a browser or in Node has no LZ4 codec by default.
      clickhouse_settings: { output_format_arrow_string_as_string: 1, output_format_parquet_string_as_string: 1, output_format_arrow_compression_method: 'none' },
    })
    return reply
      .type(FORMATS[f].type)
      .header('content-disposition', `attachment; filename="${roiFileName(r, FORMATS[f].ext)}"`)
      .send(result.stream)
  }

  app.get('/api/v1/reports/roi', {
    config: { access: { roles: REPORT_ROLES } },
    schema: {
      summary: 'ROI report: totals, per product and per month, with every assumption (SPEC §3 items 10-14)',
      description: 'format=json (default), csv, parquet or arrow (one flat table: section, scope, metric, unit, low, mid, high, basis, note; '
        + 'made by ClickHouse), or html (a printable page). Assumptions can be overridden for this request.',
      tags: ['reports'],
      querystring: querystring({
        format: { type: 'string', enum: ['json', 'csv', 'parquet', 'arrow', 'html'], default: 'json' },
        ...ASSUMPTION_PROPERTIES,
      }),
      response: {
        200: {
          description: 'the report in the asked format',
          content: {
            'application/json': { schema: REPORT_SCHEMA },
            'text/csv': { schema: { type: 'string' } },
            'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary' } },
            'application/vnd.apache.arrow.stream': { schema: { type: 'string', format: 'binary' } },
            'text/html': { schema: { type: 'string' } },
          },
        },
      },
    },
  }, async (req: FastifyRequest<{ Querystring: KpiQuery & { format: Format } }>, reply) => {
    const s = scopeOf(req, req.query, 'day')
    const a = await assumptionsOf(client, s.tenant, req.query)
    const r = await roiReport(client, s, a)
    const f = req.query.format
    if (f === 'html') return reply.type('text/html; charset=utf-8').send(renderRoiHtml(r))
    if (f === 'json') return reply.type('application/json; charset=utf-8').send(r)
    return file(reply, r, f)
  })
}
