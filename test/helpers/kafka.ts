// Real-broker helpers: unique topics per test, producing, and waiting for a group to catch up.
import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { AssignerProtocol, Kafka, logLevel, Partitioners, type Message } from 'kafkajs'
import { groupLag as lagOf } from '../../ingest/kafka/client.js'

export function brokers(): string[] {
  return inject('kafkaBrokers').split(',')
}

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'pulse-test', brokers: brokers(), logLevel: logLevel.NOTHING })
}

/** Environment for a worker on its own topics and group, so tests never see each other's messages. */
export interface KafkaEnv {
  KAFKA_BROKERS: string
  KAFKA_RAW_TOPIC: string
  KAFKA_DLQ_TOPIC: string
  KAFKA_ALERTS_TOPIC: string
  KAFKA_GROUP_ID: string
}

export function kafkaEnv(prefix: string): KafkaEnv {
  const id = `${prefix}-${randomBytes(4).toString('hex')}`
  return {
    KAFKA_BROKERS: inject('kafkaBrokers'),
    KAFKA_RAW_TOPIC: `${id}.raw`,
    KAFKA_DLQ_TOPIC: `${id}.dlq`,
    KAFKA_ALERTS_TOPIC: `${id}.alerts`,
    KAFKA_GROUP_ID: `${id}-ingest`,
  }
}

export async function createTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions }] })
  } finally {
    await admin.disconnect()
  }
}

export async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  try {
    for (let i = 0; i < messages.length; i += 1_000) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 1_000) })
  } finally {
    await producer.disconnect()
  }
}

/** Messages the group has not committed yet, over all partitions of the topic. */
export async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return await lagOf(admin, groupId, topic)
  } finally {
    await admin.disconnect()
  }
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 250): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Reads every message currently on a topic (from the beginning) with a throwaway group. */
export async function readTopic(kafka: Kafka, topic: string, expected: number, timeoutMs = 30_000) {
  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(4).toString('hex')}` })
  const got: { key: string | null; value: string; headers: Record<string, string> }[] = []
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v)
      got.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers })
    },
  })
  try {
    await waitFor(`${expected} messages on ${topic}`, async () => got.length >= expected, timeoutMs)
    await new Promise((r) => setTimeout(r, 300))
  } finally {
    await consumer.disconnect()
  }
  return got
}

/** Partitions held by each member of a stable group (empty while it rebalances). */
export async function assignment(kafka: Kafka, groupId: string): Promise<number[]> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const { groups } = await admin.describeGroups([groupId])
    const g = groups[0]
    if (!g || g.state !== 'Stable') return []
    return g.members.map((m) => {
      const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
      return a ? Object.values(a.assignment).reduce((s, parts) => s + parts.length, 0) : 0
    })
  } finally {
    await admin.disconnect()
  }
}
