import type { Command } from 'commander'
import { countTokens, createToken, ensureConfiguredToken, MIN_CONFIGURED_TOKEN_LENGTH, TokenVerifier } from '../../access/tokens.js'
import { ERR_CONFIG } from '../../core/errors.js'
import { redactSecrets } from '../../core/logger.js'
import { startPasskeyFacts } from '../../analytics/materialize/passkey-facts.js'
import { buildApp } from '../../analytics/server.js'
import { seedDemoToKafka } from '../../demo/seed.js'
import type { EventSink } from '../../ingest/collector.js'
import { connectRawProducer } from '../../ingest/kafka/client.js'
import { embeddedSink, kafkaSink } from '../../ingest/sinks.js'
import { startConnectors } from '../../connectors/service.js'
import { embeddedIngest } from '../pipeline.js'
import { startAlerting, type Alerting } from '../../alerts/runtime.js'
import { configFrom, onShutdown, openRuntime, type CommonFlags, type Runtime } from '../runtime.js'
import { demoEnd, seedEmbedded } from './demo.js'

interface StartFlags extends CommonFlags { port?: string; host?: string; demo?: boolean }

/**
 * On the very first start there are no tokens: make an admin and an ingest token and show them once.
 * A configured PULSE_ADMIN_TOKEN is stored (hashed) if absent and then is the admin token: nothing
 * to print for it.
 */
async function firstTokens(rt: Runtime): Promise<{ admin?: string; ingest: string } | null> {
  const { client } = rt.store
  const tenant = rt.config.defaultTenant
  const configured = rt.config.access.adminToken
  if (configured && configured.length < MIN_CONFIGURED_TOKEN_LENGTH) {
    throw new ERR_CONFIG(`PULSE_ADMIN_TOKEN must be at least ${MIN_CONFIGURED_TOKEN_LENGTH} characters`)
  }
  const fresh = (await countTokens(client)) === 0
  if (configured) await ensureConfiguredToken(client, configured, tenant, 'admin', 'PULSE_ADMIN_TOKEN')
  if (!fresh) return null
  const admin = configured ? undefined : (await createToken(client, tenant, 'admin', 'first admin')).token
  const ingest = await createToken(client, tenant, 'ingest', 'first ingest')
  return { admin, ingest: ingest.token }
}

async function countEvents(rt: Runtime): Promise<number> {
  const rs = await rt.store.client.query({
    query: 'SELECT count() AS n FROM auth_events WHERE tenant = {tenant:String}',
    query_params: { tenant: rt.config.defaultTenant },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<{ n: string }>()
  return Number(row?.n ?? 0)
}

export function startCommand(program: Command): void {
  program
    .command('start')
    .description('run Passkey Pulse in one process: collector, analytics API and dashboard (embedded ClickHouse unless CLICKHOUSE_URL; Kafka only if KAFKA_BROKERS)')
    .option('-p, --port <port>', 'HTTP port (PORT, default 8080)')
    .option('--host <host>', 'interface to listen on (HOST, default 127.0.0.1)')
    .option('--demo', 'seed the demo organisation on first run (when the store is empty)')
    .action(async (_opts, cmd: Command) => serve(cmd.optsWithGlobals<StartFlags>()))
}

/**
 * The analytics service of the distributed shape (SPEC §6): API, dashboard and the collector writing to
 * Kafka, on a ClickHouse server, beside N ingest workers. The same process as `start`, minus the demo,
 * and it refuses to run without the server and the brokers it is meant for.
 */
export function analyticsCommand(program: Command): void {
  program
    .command('analytics')
    .description('run the analytics service of the distributed shape: API, dashboard and collector (needs CLICKHOUSE_URL and KAFKA_BROKERS)')
    .option('-p, --port <port>', 'HTTP port (PORT, default 8080)')
    .option('--host <host>', 'interface to listen on (HOST, default 127.0.0.1)')
    .action(async (_opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<StartFlags>()
      const config = configFrom(flags)
      if (!config.clickhouse.url) throw new ERR_CONFIG('the analytics service reads a ClickHouse server: set CLICKHOUSE_URL (or run `start` for the embedded shape)')
      if (config.kafka.brokers.length === 0) throw new ERR_CONFIG('the analytics service hands events to the ingest workers through Kafka: set KAFKA_BROKERS (or run `start`)')
      await serve({ ...flags, demo: false })
    })
}

async function serve(flags: StartFlags): Promise<void> {
  const rt = await openRuntime(configFrom(flags))
  const { config, log, store } = rt
  const closers: (() => Promise<void>)[] = []
  let sink: EventSink
  let seed: () => Promise<void>
  let alerting: Alerting
  const demoOpts = { tenant: config.defaultTenant, end: demoEnd() }
  if (config.kafka.brokers.length > 0) {
    const producer = await connectRawProducer(config.kafka, log)
    closers.push(() => producer.disconnect())
    // Distributed: the workers judge events; this process runs the rate rules and publishes to the alerts topic.
    alerting = await startAlerting({ client: store.client, config, log, perEvent: false, rateRules: true, exclusive: false, producer })
    closers.unshift(() => alerting.close())
    sink = kafkaSink(producer, config.kafka)
    seed = async () => { await seedDemoToKafka(producer, config.kafka, demoOpts) }
  } else {
    // Per-event alert rules judge every row as it is stored (docs/ALERTS.md); a store of our own is ours alone.
    alerting = await startAlerting({ client: store.client, config, log, perEvent: true, rateRules: true, exclusive: store.kind === 'embedded' })
    const { service, close } = embeddedIngest(rt, 5, alerting.onInserted)
    // Flows whose final event never came are stored once their window passes.
    const expiry = setInterval(() => {
      service.expireFlows().catch((err: Error) => log.error({ err: err.message }, 'storing expired flows failed'))
    }, 30_000)
    expiry.unref()
    closers.push(async () => {
      clearInterval(expiry)
      await close()
    })
    closers.push(() => alerting.close())
    sink = embeddedSink(service)
    // The demo is history (it raises no alerts), but its passkey users must be known to the engine.
    seed = async () => { await seedEmbedded(rt, demoOpts); await alerting.engine?.rebuild() }
  }
  const tokens = await firstTokens(rt)
  const verifier = new TokenVerifier(store.client, config.ingestToken ? { token: config.ingestToken, tenant: config.defaultTenant } : undefined)
  const app = await buildApp({ config, store, sink, verifier, log, alerts: alerting })
  // Vendor connectors polled in this process (PULSE_CONNECTORS) into the same sink; stopped before it closes.
  const connectors = startConnectors(config, sink, log)
  closers.unshift(() => connectors.stop())
  // The per-person passkey facts of closed days, which the per-person panels read (docs/ARCHITECTURE.md).
  if (config.passkeyFacts.intervalMs > 0) {
    const facts = startPasskeyFacts({ client: store.client, log, ...config.passkeyFacts })
    closers.unshift(() => facts.stop())
  }
  onShutdown(async () => {
    await app.close()
    for (const close of closers) await close()
    await store.close()
  }, log)
  await app.listen({ port: config.http.port, host: config.http.host })
  if (flags.demo && (await countEvents(rt)) === 0) {
    process.stdout.write('Seeding the demo organisation (first run only)…\n')
    await seed()
  }
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port
  const base = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`
  const lines = [
    '',
    `Passkey Pulse is running (${store.kind === 'embedded' ? `embedded ClickHouse in ${config.dataDir}` : redactSecrets(config.clickhouse.url)}; ingest ${sink.mode}).`,
    `  Dashboard:  ${base}/`,
    `  Collector:  POST ${base}/v1/events?source=<okta|entra|auth0|…|native|auto>`,
    `  Metrics:    ${base}/metrics`,
  ]
  if (tokens) {
    lines.push('', 'First start: these tokens are shown once and stored only as hashes. Keep them.',
      tokens.admin ? `  admin token:  ${tokens.admin}` : '  admin token:  the one in PULSE_ADMIN_TOKEN', `  ingest token: ${tokens.ingest}`)
  }
  // Like Jupyter's token URL: the page reads the token from the fragment (never sent to the server),
  // keeps it in the tab's session storage and removes it from the address bar.
  if (tokens?.admin) lines.push('', 'Open the dashboard signed in as the first admin (shown once):', `  ${base}/#token=${encodeURIComponent(tokens.admin)}`)
  lines.push('', 'Press Ctrl+C to stop.', '')
  process.stdout.write(lines.join('\n'))
}
