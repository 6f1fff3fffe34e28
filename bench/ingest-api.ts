// A bench-only process for the freshness and alert-latency benchmarks: one Kafka ingest worker (as
// `passkey-pulse ingest` wires it: per-event alert rules on the rows it stores) and the analytics API
// (as `start` wires it) over ONE embedded ClickHouse. The distributed shape runs them as two processes
// on a ClickHouse server; embedded chDB binds one data directory per process, so here they share one.
//
// Environment: the usual settings (KAFKA_BROKERS, KAFKA_RAW_TOPIC, PULSE_DATA_DIR, PULSE_ALERT_WEBHOOK_URL…),
// plus BENCH_TOKEN_TENANT (the tenant of the viewer token it makes). Prints {"port", "token"} on stdout.
import { createToken, TokenVerifier } from '../access/tokens.js'
import { startAlerting } from '../alerts/runtime.js'
import { buildApp } from '../analytics/server.js'
import { onShutdown, openRuntime } from '../cli/runtime.js'
import { loadConfig } from '../core/config.js'
import { createKafka } from '../ingest/kafka/client.js'
import { startIngestWorker } from '../ingest/kafka/worker.js'
import { loadMapping } from '../ingest/mapping.js'
import { createPrivacy } from '../ingest/privacy.js'
import { kafkaSink } from '../ingest/sinks.js'
import { BatchWriter } from '../ingest/writer.js'

const config = loadConfig()
const rt = await openRuntime(config)
const { log, store } = rt
const kafka = createKafka(config.kafka, log)
const producer = kafka.producer()
await producer.connect()
const alerting = await startAlerting({ client: store.client, config, log, perEvent: true, rateRules: false, exclusive: true, producer })
const writer = new BatchWriter(store.client, { ...config.batch, log, maxAttempts: Infinity, onInserted: alerting.onInserted })
const worker = await startIngestWorker({ kafka, config, writer, log, mapping: loadMapping(config.mappingFile), privacy: createPrivacy(config.privacy) })
const app = await buildApp({ config, store, sink: kafkaSink(producer, config.kafka), verifier: new TokenVerifier(store.client), log, alerts: alerting })
await app.listen({ port: 0, host: '127.0.0.1' })
const addr = app.server.address()
const port = typeof addr === 'object' && addr ? addr.port : 0
const { token } = await createToken(store.client, process.env.BENCH_TOKEN_TENANT ?? config.defaultTenant, 'viewer', 'bench')
onShutdown(async () => {
  await app.close()
  await worker.stop()
  await alerting.close()
  await producer.disconnect()
  await store.close()
}, log)
process.stdout.write(`${JSON.stringify({ port, token })}\n`)
