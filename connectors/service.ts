// Connectors running inside another process (`start` with PULSE_CONNECTORS=okta,entra): built and
// checked at start-up, then polling in the background into the process's sink until stopped.
// A connector that fails (bad credentials, say) is logged and stops; the server keeps serving.
import type { Config } from '../core/config.js'
import type { Logger } from '../core/logger.js'
import type { EventSink } from '../ingest/collector.js'
import { CheckpointFile } from './checkpoints.js'
import { buildConnector, vendorOf, vendorTenant } from './registry.js'
import { runConnector } from './runner.js'

export interface RunningConnectors {
  names: string[]
  /** Stops polling (an in-flight request is abandoned; its page is fetched again next time) and waits. */
  stop(): Promise<void>
}

export function startConnectors(config: Config, sink: EventSink, log: Logger, env: Record<string, string | undefined> = process.env): RunningConnectors {
  const c = config.connectors
  // Build every connector first: a missing setting stops start-up with the setting's name.
  const built = [...new Set(c.enabled)].map((name) => {
    const vendor = vendorOf(name)
    return { vendor, connector: buildConnector(vendor, { env, config: c, log, name: vendor }) }
  })
  const controller = new AbortController()
  const runs = built.map(({ vendor, connector }) => runConnector({
    connector,
    name: vendor,
    sink,
    tenant: vendorTenant(vendor, env, config.defaultTenant),
    checkpoints: new CheckpointFile(c.stateDir, vendor),
    log,
    lookbackMs: c.lookbackHours * 3_600_000,
    once: false,
    pollMs: c.pollSeconds * 1000,
    signal: controller.signal,
  }).catch((err: Error) => {
    log.error({ connector: vendor, err: err.message }, 'connector stopped')
  }))
  return {
    names: built.map((b) => b.vendor),
    stop: async () => {
      controller.abort()
      await Promise.all(runs)
    },
  }
}
