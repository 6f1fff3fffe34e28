import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // chDB binds one data directory per process and crashes when two worker threads open it:
    // every test file runs in its own forked process with its own data directory.
    pool: 'forks',
    // Two files at a time on 2 cores: most integration files wait on a broker, an outage or a timer for much
    // of their run, and one at a time the suite took ~26 minutes on the AMD VM (issue 7's CI note).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    env: { KAFKAJS_NO_PARTITIONER_WARNING: '1', LOG_LEVEL: 'error' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // A real Kafka broker (KRaft, from Maven Central) is started once for these; KAFKA_BROKERS reuses one.
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/setup/kafka.ts'] } },
      // The dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core) against the real app.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
})
