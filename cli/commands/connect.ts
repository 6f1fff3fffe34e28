import type { Command } from 'commander'
import Fastify from 'fastify'
import { CheckpointFile, checkpointName } from '../../connectors/checkpoints.js'
import { buildConnector, vendorOf, vendorTenant } from '../../connectors/registry.js'
import { runConnector } from '../../connectors/runner.js'
import { VENDORS } from '../../connectors/types.js'
import { ERR_CONNECTOR_CONFIG } from '../../core/errors.js'
import { createLogger } from '../../core/logger.js'
import { registry } from '../../core/metrics.js'
import type { EventSink } from '../../ingest/collector.js'
import { connectRawProducer } from '../../ingest/kafka/client.js'
import { embeddedSink, kafkaSink } from '../../ingest/sinks.js'
import { embeddedIngest } from '../pipeline.js'
import { progressBar, type Progress } from '../progress.js'
import { configFrom, onShutdown, openRuntime, type CommonFlags } from '../runtime.js'

interface ConnectFlags extends CommonFlags {
  once?: boolean
  since?: string
  tenant?: string
  name?: string
  secretFile?: string
  poll?: string
  pageSize?: string
  metricsPort?: string
}

function positiveInt(vendor: string, flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new ERR_CONNECTOR_CONFIG(vendor, `${flag} takes a whole number ≥ 1, got "${raw}"`)
  return n
}

/** `--since 2025-09-01` (a day, UTC) or a full ISO timestamp; never in the future. */
function parseSince(vendor: string, raw: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw)
  if (Number.isNaN(ms)) throw new ERR_CONNECTOR_CONFIG(vendor, `--since takes a date like 2025-09-01 or an ISO timestamp, got "${raw}"`)
  if (ms > Date.now()) throw new ERR_CONNECTOR_CONFIG(vendor, `--since ${raw} is in the future`)
  return ms
}

export function connectCommand(program: Command): void {
  program
    .command('connect')
    .description(`pull a vendor's audit log into Passkey Pulse (${VENDORS.join(', ')}) until stopped; the same sink as the collector (embedded, or Kafka when KAFKA_BROKERS)`)
    .argument('<vendor>', VENDORS.join(' | '))
    .option('--once', 'one pass up to now, then exit (for cron and tests)')
    .option('--since <date>', 'backfill from this date (e.g. 2025-09-01); rerunning with the same date resumes the backfill')
    .option('-t, --tenant <tenant>', 'tenant the events belong to (default: PULSE_<VENDOR>_TENANT, else PULSE_DEFAULT_TENANT)')
    .option('--name <name>', 'checkpoint name, to run several instances of one vendor (default: the vendor)')
    .option('--secret-file <path>', "file holding the vendor's secret (API token, client secret or service-account key JSON)")
    .option('--poll <seconds>', 'seconds between passes (PULSE_CONNECTOR_POLL_SECONDS, default 60)')
    .option('--page-size <n>', "events per page asked of the vendor (default: the vendor's maximum)")
    .option('--metrics-port <port>', 'serve /metrics on this port while running')
    .action(async (vendorName: string, _opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<ConnectFlags>()
      const config = configFrom(flags)
      const vendor = vendorOf(vendorName)
      const since = flags.since !== undefined ? parseSince(vendor, flags.since) : undefined
      const pollSeconds = positiveInt(vendor, '--poll', flags.poll) ?? config.connectors.pollSeconds
      const name = checkpointName(flags.name ?? vendor, vendor)
      const log = createLogger()
      // Settings and secrets are checked before any store or broker is touched.
      const connector = buildConnector(vendor, {
        env: process.env, config: config.connectors, log, secretFile: flags.secretFile, pageSize: positiveInt(vendor, '--page-size', flags.pageSize), name,
      })
      const tenant = flags.tenant ?? vendorTenant(vendor, process.env, config.defaultTenant)

      const closers: (() => Promise<void>)[] = []
      // The sink is opened with the first page: bad credentials fail fast, before any broker or store is touched.
      const openSink = async (): Promise<EventSink> => {
        if (config.kafka.brokers.length > 0) {
          const producer = await connectRawProducer(config.kafka, log)
          closers.push(() => producer.disconnect())
          return kafkaSink(producer, config.kafka)
        }
        const rt = await openRuntime(config, log)
        const { service, close } = embeddedIngest(rt)
        closers.push(async () => {
          await close()
          await rt.store.close()
        })
        return embeddedSink(service)
      }
      let opened: Promise<EventSink> | undefined
      const sink: EventSink = {
        mode: config.kafka.brokers.length > 0 ? 'kafka' : 'embedded',
        accept: async (raws) => {
          opened ??= openSink().catch((err: unknown) => {
            opened = undefined
            throw err
          })
          return (await opened).accept(raws)
        },
      }
      // Called by the signal handler and by the normal end alike: one closing, awaited by both.
      let closing: Promise<void> | undefined
      const closeAll = () => (closing ??= (async () => { for (const close of closers) await close() })())
      if (flags.metricsPort !== undefined) {
        const metrics = Fastify()
        metrics.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()))
        const port = Number(flags.metricsPort)
        if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ERR_CONNECTOR_CONFIG(vendor, `--metrics-port takes a port number, got "${flags.metricsPort}"`)
        await metrics.listen({ port, host: config.http.host })
        closers.unshift(() => metrics.close())
      }

      const controller = new AbortController()
      const ui: { bar?: Progress; total?: number } = {}
      const checkpoints = new CheckpointFile(config.connectors.stateDir, name)
      const run = runConnector({
        connector, name, sink, tenant, checkpoints, log, since,
        lookbackMs: config.connectors.lookbackHours * 3_600_000,
        once: flags.once === true,
        pollMs: pollSeconds * 1000,
        signal: controller.signal,
        // A backfill shows how much of the history is in; a live poller has no end to show.
        onProgress: since === undefined ? undefined : ({ startMs, positionMs, events }) => {
          ui.total ??= Math.max(1, Math.round((Date.now() - startMs) / 1000))
          ui.bar ??= progressBar(ui.total, 's of history', 'events {events}')
          ui.bar.update(Math.min(ui.total, Math.max(0, Math.round((positionMs - startMs) / 1000))), { events })
        },
      })
      onShutdown(async () => {
        controller.abort()
        await run.catch(() => undefined)
        ui.bar?.stop()
        await closeAll()
      }, log)
      try {
        const summary = await run
        ui.bar?.stop()
        ui.bar = undefined
        if (flags.once) {
          process.stdout.write(`${name}: ${summary.events} events in ${summary.pages} pages delivered (${sink.mode}); checkpoint ${checkpoints.path}\n`)
        }
      } finally {
        ui.bar?.stop()
        await closeAll()
      }
    })
}
