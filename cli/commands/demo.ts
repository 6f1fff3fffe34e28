import type { Command } from 'commander'
import { connectRawProducer } from '../../ingest/kafka/client.js'
import { seedDemo, seedDemoToKafka } from '../../demo/seed.js'
import { embeddedIngest } from '../pipeline.js'
import { progressBar } from '../progress.js'
import { configFrom, openRuntime, type CommonFlags } from '../runtime.js'
import type { Runtime } from '../runtime.js'
import type { DemoOptions } from '../../demo/generator.js'

interface DemoFlags extends CommonFlags { seed: string; users: string; days: string; tenant?: string; kafka?: boolean }

export function demoOptions(flags: DemoFlags, tenant: string): DemoOptions {
  return { seed: Number(flags.seed), users: Number(flags.users), days: Number(flags.days), tenant }
}

const DAY_MS = 86_400_000

/**
 * Where the demo period ends: the start of the current UTC day. Event ids derive from the options,
 * end included, so a moving end (new Date()) made every run a new organisation stored on top of the
 * last; a whole day keeps runs of one day identical, which is what "deterministic by seed" promises.
 */
export function demoEnd(now = Date.now()): Date {
  return new Date(Math.floor(now / DAY_MS) * DAY_MS)
}

/** Seeds the demo organisation into the embedded store, with a progress bar; returns rows stored and found stored. */
export async function seedEmbedded(rt: Runtime, opts: DemoOptions): Promise<{ stored: number; duplicates: number }> {
  const { service, close } = embeddedIngest(rt)
  const started = Date.now()
  const bar = progressBar(opts.days ?? 90, 'days', 'rows {rows}')
  let days = 0
  try {
    const s = await seedDemo(service, opts, (sum) => bar.update(Math.min(++days, opts.days ?? 90), { rows: sum.stored }))
    bar.stop()
    rt.log.info({ ...s, rejections: s.rejections.slice(0, 3), seconds: (Date.now() - started) / 1000 }, 'demo data seeded')
    return { stored: s.stored, duplicates: s.duplicates }
  } finally {
    bar.stop()
    await close()
  }
}

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate a realistic synthetic organisation (deterministic by seed) through the ingest path')
    .option('--seed <n>', 'random seed', '42')
    .option('--users <n>', 'people in the organisation', '5000')
    .option('--days <n>', 'days of history, up to the start of today (UTC)', '90')
    .option('-t, --tenant <tenant>', 'tenant to write for')
    .option('--kafka', 'produce onto the Kafka raw topic (KAFKA_BROKERS) instead of writing directly')
    .action(async (_opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<DemoFlags>()
      for (const k of ['seed', 'users', 'days'] as const) {
        if (!/^\d+$/.test(flags[k]) || Number(flags[k]) < 1) throw new Error(`--${k} must be a whole number ≥ 1, got "${flags[k]}"`)
      }
      const config = configFrom(flags)
      const opts = { ...demoOptions(flags, flags.tenant ?? config.defaultTenant), end: demoEnd() }
      if (flags.kafka) {
        if (config.kafka.brokers.length === 0) throw new Error('--kafka needs KAFKA_BROKERS')
        const { createLogger } = await import('../../core/logger.js')
        const producer = await connectRawProducer(config.kafka, createLogger())
        try {
          const sent = await seedDemoToKafka(producer, config.kafka, opts)
          process.stdout.write(`Produced ${sent} demo events to ${config.kafka.rawTopic}\n`)
        } finally {
          await producer.disconnect()
        }
        return
      }
      const rt = await openRuntime(config)
      try {
        const { stored, duplicates } = await seedEmbedded(rt, opts)
        process.stdout.write(`Stored ${stored} demo events in ${config.clickhouse.url || config.dataDir}` +
          `${duplicates > 0 ? ` (${duplicates} already stored)` : ''}\n`)
      } finally {
        await rt.store.close()
      }
    })
}
