import type { Command } from 'commander'
import Fastify from 'fastify'
import { registry } from '../../core/metrics.js'
import { createKafka } from '../../ingest/kafka/client.js'
import { loadMapping } from '../../ingest/mapping.js'
import { createPrivacy } from '../../ingest/privacy.js'
import { startIngestWorker } from '../../ingest/kafka/worker.js'
import { BatchWriter } from '../../ingest/writer.js'
import { configFrom, onShutdown, openRuntime, type CommonFlags } from '../runtime.js'
import { startAlerting } from '../../alerts/runtime.js'

interface IngestFlags extends CommonFlags { metricsPort?: string; source?: string; concurrency: string }

export function ingestCommand(program: Command): void {
  program
    .command('ingest')
    .description('run a Kafka ingest worker: consume the raw topic, normalise, write to ClickHouse (needs KAFKA_BROKERS)')
    .option('--metrics-port <port>', 'port for /metrics (PULSE_METRICS_PORT, default 9464; 0 = any free port)')
    .option('--source <source>', 'source for messages without a pulse-source header (default: KAFKA_DEFAULT_SOURCE or auto)')
    .option('--concurrency <n>', 'partitions processed at once', '4')
    .action(async (_opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<IngestFlags>()
      const config = configFrom(flags)
      // The engine keeps its allocator's default (freed memory returned after 5 s; PULSE_CH_FREED_MEMORY_MS
      // changes it). Returning it at once (0) cut the worker's peak RSS by ~15 % but its rate by ~45 % on the
      // AMD VM (issue 7, BENCHMARKS.md), and the peak stays above the 400 MB target either way.
      if (config.kafka.brokers.length === 0) throw new Error('The ingest worker needs Kafka: set KAFKA_BROKERS (e.g. 127.0.0.1:9092)')
      const rt = await openRuntime(config)
      const { log, store } = rt
      // Kafka mode never gives up on a batch: it stops committing and retries until ClickHouse is back.
      const kafka = createKafka(config.kafka, log)
      // Per-event alert rules judge every row this worker stores; alerts go to the alerts topic and the
      // tenant's channels (the rate rules run in \`start\`).
      const alertProducer = kafka.producer()
      await alertProducer.connect()
      const alerting = await startAlerting({ client: store.client, config, log, perEvent: true, rateRules: false, exclusive: false, producer: alertProducer })
      const writer = new BatchWriter(store.client, { ...config.batch, log, maxAttempts: Infinity, onInserted: alerting.onInserted })
      const worker = await startIngestWorker({
        kafka, config, writer, log, mapping: loadMapping(config.mappingFile), privacy: createPrivacy(config.privacy),
        defaultSource: flags.source, partitionsConsumedConcurrently: Number(flags.concurrency),
      })
      const metrics = Fastify()
      metrics.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()))
      metrics.get('/healthz', async () => ({ status: 'ok' }))
      const port = flags.metricsPort !== undefined ? Number(flags.metricsPort) : config.metricsPort
      await metrics.listen({ port, host: config.http.host })
      log.info({ metrics: metrics.server.address() }, 'worker metrics listening')
      onShutdown(async () => {
        await worker.stop()
        await alerting.close()
        await alertProducer.disconnect()
        await metrics.close()
        await store.close()
      }, log)
    })
}
