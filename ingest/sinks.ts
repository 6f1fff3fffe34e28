// Where the collector and the demo send raw events: the in-process pipeline, or the Kafka raw topic.
import type { Producer } from 'kafkajs'
import type { KafkaConfig } from '../core/config.js'
import type { EventSink } from './collector.js'
import type { RawEvent } from './fate.js'
import { encodeRawMessage } from './kafka/messages.js'
import { processEvent } from './pipeline.js'
import type { IngestService } from './service.js'
import { nowTimestamp } from './time.js'

export function embeddedSink(service: IngestService): EventSink {
  return { mode: 'embedded', accept: async (raws) => ({ ...(await service.ingest(raws)) }) }
}

/**
 * The Kafka message key of a raw event: its flow id, else its user (SPEC §1: one flow meets one
 * worker). Found by normalising once here; events that do not normalise get no key and are
 * dead-lettered by the worker like any other.
 */
export function partitionKey(raw: RawEvent, at = nowTimestamp()): string | null {
  const fate = processEvent(raw, at)
  if (fate.kind !== 'accepted') return null
  const row = fate.rows[0]
  return row?.flow_id || fate.steps?.[0]?.flow_id || row?.user_id || null
}

export function kafkaSink(producer: Producer, cfg: KafkaConfig): EventSink {
  return {
    mode: 'kafka',
    accept: async (raws) => {
      const at = nowTimestamp()
      const messages = raws.map((r) => encodeRawMessage(r.payload, r.source, r.tenant, partitionKey(r, at)))
      await producer.send({ topic: cfg.rawTopic, acks: -1, messages })
      return { queued: raws.length }
    },
  }
}
