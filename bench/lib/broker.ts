// The Kafka broker a benchmark talks to: KAFKA_BROKERS when set (an already running broker), else a
// real single-node KRaft broker started from scripts/kafka/broker.mjs for this script alone.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'

interface RunningBroker {
  brokers: string
  stop: () => Promise<void>
}

interface BrokerModule {
  startBroker: (opts?: { port?: number; dataDir?: string; keepDataDir?: boolean; timeoutMs?: number }) => Promise<RunningBroker>
}

// Plain JS module without type declarations: import it by URL, typed here.
const brokerModuleUrl = new URL('../../scripts/kafka/broker.mjs', import.meta.url).href

export interface BenchBroker {
  brokers: string
  /** True when this script started the broker (and stops it). */
  own: boolean
  stop: () => Promise<void>
}

export async function benchBroker(log: (s: string) => void): Promise<BenchBroker> {
  const external = process.env.KAFKA_BROKERS?.trim()
  if (external) {
    log(`using the broker at ${external}`)
    return { brokers: external, own: false, stop: async () => {} }
  }
  log('starting a Kafka broker (KRaft) for this benchmark…')
  const mod = (await import(brokerModuleUrl)) as BrokerModule
  const b = await mod.startBroker({ dataDir: mkdtempSync(join(tmpdir(), 'pulse-bench-kafka-')), keepDataDir: false, timeoutMs: 120_000 })
  log(`broker up at ${b.brokers}`)
  return { brokers: b.brokers, own: true, stop: () => b.stop() }
}

export function benchKafka(brokers: string, clientId = 'pulse-bench'): Kafka {
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { initialRetryTime: 300, retries: 10 } })
}

export { groupLag } from '../../ingest/kafka/client.js'
