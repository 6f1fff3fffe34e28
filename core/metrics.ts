// Prometheus metrics of the pipeline itself (served on /metrics by the API and by each worker).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export const registry = new Registry()
collectDefaultMetrics({ register: registry, prefix: 'pulse_process_' })

export const eventsConsumed = new Counter({
  name: 'pulse_events_consumed_total', help: 'Raw events taken from Kafka, the collector or a file', labelNames: ['source'], registers: [registry],
})
export const eventsStored = new Counter({
  name: 'pulse_events_stored_total', help: 'Normalised rows accepted by ClickHouse', registers: [registry],
})
export const eventsDuplicate = new Counter({
  name: 'pulse_events_duplicate_total', help: 'Rows not inserted because their event_id was already stored', registers: [registry],
})
export const eventsIgnored = new Counter({
  name: 'pulse_events_ignored_total', help: 'Raw events that are not about authentication', registers: [registry],
})
export const eventsRejected = new Counter({
  name: 'pulse_events_rejected_total', help: 'Raw events dead-lettered, by reason code', labelNames: ['reason_code'], registers: [registry],
})
export const batchInsertSeconds = new Histogram({
  name: 'pulse_batch_insert_seconds', help: 'Time to write one batch to ClickHouse',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
})
export const batchRows = new Histogram({
  name: 'pulse_batch_rows', help: 'Rows per ClickHouse insert', buckets: [10, 100, 1000, 5000, 10000, 20000, 50000], registers: [registry],
})
export const writeRetries = new Counter({
  name: 'pulse_write_retries_total', help: 'ClickHouse writes retried after an error', registers: [registry],
})
export const consumerLag = new Gauge({
  name: 'pulse_consumer_lag', help: 'Messages behind the high watermark, per topic partition', labelNames: ['topic', 'partition'], registers: [registry],
})

// Connectors (connectors/): one series per connector name.
export const connectorEventsFetched = new Counter({
  name: 'pulse_connector_events_fetched_total', help: 'Raw events a connector fetched from its vendor or received on its hook', labelNames: ['connector'], registers: [registry],
})
export const connectorPages = new Counter({
  name: 'pulse_connector_pages_total', help: 'Pages a connector fetched (empty ones included)', labelNames: ['connector'], registers: [registry],
})
export const connectorErrors = new Counter({
  name: 'pulse_connector_errors_total', help: 'Connector errors by kind: auth, page (malformed), http (gave up), sink, hook_auth', labelNames: ['connector', 'kind'], registers: [registry],
})
export const connectorRetries = new Counter({
  name: 'pulse_connector_retries_total', help: 'Vendor requests retried, by reason: rate_limited, server_error, network', labelNames: ['connector', 'reason'], registers: [registry],
})
export const connectorLag = new Gauge({
  name: 'pulse_connector_lag_seconds', help: 'How far behind now the events a connector has delivered reach', labelNames: ['connector'], registers: [registry],
})

// Where an ingest worker's time goes (issue 7, bench/ingest.ts reads these): cumulative seconds per
// stage, measured per batch (never per event, to stay off the hot path), and when consumption began
// and last committed, so throughput is first batch → last commit without scraping races.
export const ingestStageSeconds = new Counter({
  name: 'pulse_ingest_stage_seconds_total',
  help: 'Time spent per ingest stage: normalise (decode + normalisers), assemble (flow assembly), dedupe (event_id lookup), insert (ClickHouse inserts), alerts (per-event rules, synchronous part), commit (DLQ send + offset commit)',
  labelNames: ['stage'], registers: [registry],
})
export const ingestFirstBatchTime = new Gauge({
  name: 'pulse_ingest_first_batch_timestamp_seconds', help: 'Unix time the worker received its first non-empty batch', registers: [registry],
})
export const ingestLastCommitTime = new Gauge({
  name: 'pulse_ingest_last_commit_timestamp_seconds', help: 'Unix time of the worker\'s last offset commit', registers: [registry],
})
