// Vitest globalSetup: one real Kafka broker (KRaft, from Maven Central jars)
// for the whole run. If KAFKA_BROKERS is already set (e.g. a broker started
// with `npm run kafka -- start`), that broker is used and nothing is started.
//
// Tests read the address with `inject('kafkaBrokers')` (or process.env.KAFKA_BROKERS).
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

interface RunningBroker {
  brokers: string;
  version: string;
  dataDir: string;
  stop: () => Promise<void>;
}

interface BrokerModule {
  fetchJars: () => { libsDir: string; version: string; fetched: boolean };
  startBroker: (opts?: { port?: number; dataDir?: string; keepDataDir?: boolean; timeoutMs?: number }) => Promise<RunningBroker>;
}

// Plain JS module without type declarations: import it by URL, typed here.
const brokerModuleUrl = new URL('../../scripts/kafka/broker.mjs', import.meta.url).href;

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    provide('kafkaBrokers', external);
    return async () => {};
  }

  const { fetchJars, startBroker } = (await import(brokerModuleUrl)) as BrokerModule;
  const t0 = Date.now();
  fetchJars();
  // No dataDir given: startBroker makes a temp dir under os.tmpdir() and removes it on stop().
  const broker = await startBroker();
  if (process.env.KAFKA_SETUP_VERBOSE) {
    console.error(`[kafka] ${broker.version} ready at ${broker.brokers} in ${Date.now() - t0} ms (${broker.dataDir})`);
  }

  process.env.KAFKA_BROKERS = broker.brokers;
  provide('kafkaBrokers', broker.brokers);

  return async () => {
    delete process.env.KAFKA_BROKERS;
    await broker.stop();
  };
}
