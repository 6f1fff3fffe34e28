// kafkajs wiring: one Kafka instance per process, its logs routed into pino, topics ensured.
import { Kafka, logLevel, type Admin, type LogEntry, type Producer } from 'kafkajs'
import type { KafkaConfig } from '../../core/config.js'
import type { Logger } from '../../core/logger.js'

export function createKafka(cfg: KafkaConfig, log: Logger): Kafka {
  const kafkaLog = log.child({ component: 'kafkajs' })
  return new Kafka({
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry
      // kafkajs logs retriable protocol errors (coordinator loading, rebalancing) at ERROR and then
      // retries; the ones that matter surface as thrown errors or consumer crashes, logged by us.
      if (level <= logLevel.WARN) kafkaLog.warn(rest, message)
      else kafkaLog.debug(rest, message)
    },
    retry: { initialRetryTime: 300, retries: 10 },
  })
}

/** Creates the raw, dead-letter and alerts topics when the cluster lacks them. */
export async function ensureTopics(kafka: Kafka, cfg: KafkaConfig, partitions = Number(process.env.KAFKA_PARTITIONS ?? 4)): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const wanted = [cfg.rawTopic, cfg.dlqTopic, cfg.alertsTopic].filter((t) => !existing.has(t))
    if (wanted.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: wanted.map((topic) => ({ topic, numPartitions: partitions })) })
    }
  } finally {
    await admin.disconnect()
  }
}

/** A connected producer for the raw topic (the topics ensured first): what start, connect and demo send with. */
export async function connectRawProducer(cfg: KafkaConfig, log: Logger): Promise<Producer> {
  const kafka = createKafka(cfg, log)
  await ensureTopics(kafka, cfg)
  const producer = kafka.producer()
  await producer.connect()
  return producer
}

/** Messages a group has not committed yet, over all partitions of a topic (a partition never committed counts whole). */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic)
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
  let lag = 0
  for (const p of ends) {
    const c = committed?.partitions.find((x) => x.partition === p.partition)?.offset ?? '-1'
    lag += Number(p.high) - Math.max(0, Number(c))
  }
  return lag
}
