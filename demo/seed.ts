// Writes the demo organisation through the same path as real events: as raw `native` events into the
// in-process pipeline, or onto the Kafka raw topic for the workers.
import type { Producer } from 'kafkajs'
import type { KafkaConfig } from '../core/config.js'
import { encodeRawMessage } from '../ingest/kafka/messages.js'
import { addSummary, emptySummary, type IngestService, type IngestSummary } from '../ingest/service.js'
import { generateDemoEvents, type DemoOptions } from './generator.js'

export async function seedDemo(service: IngestService, opts: DemoOptions, onChunk?: (s: IngestSummary) => void): Promise<IngestSummary> {
  const tenant = opts.tenant ?? 'default'
  const summary = emptySummary()
  // Chunks in flight: the next ones are normalised while ClickHouse inserts the previous one.
  const inFlight: Promise<void>[] = []
  for (const chunk of generateDemoEvents(opts)) {
    const raws = chunk.map((payload) => ({ payload, source: 'native', tenant }))
    inFlight.push(Promise.all([service.ingest(raws), service.flush()]).then(([part]) => {
      addSummary(summary, part)
      onChunk?.(summary)
    }))
    if (inFlight.length >= 3) await inFlight.shift()
  }
  await Promise.all(inFlight)
  return summary
}

export async function seedDemoToKafka(producer: Producer, cfg: KafkaConfig, opts: DemoOptions, onChunk?: (sent: number) => void): Promise<number> {
  const tenant = opts.tenant ?? 'default'
  let sent = 0
  for (const chunk of generateDemoEvents(opts)) {
    await producer.send({
      topic: cfg.rawTopic,
      acks: -1,
      messages: chunk.map((e) => encodeRawMessage(e, 'native', tenant, e.flow_id || e.user_id)),
    })
    sent += chunk.length
    onChunk?.(sent)
  }
  return sent
}
