// Smoke test of kafkajs against the real broker started by test/setup/kafka.ts:
// CreateTopics, Produce (keyed), consumer group (Join/Sync/Heartbeat/Fetch/
// OffsetCommit via eachBatch with manual commits), OffsetFetch, ListOffsets,
// DescribeGroups, DeleteTopics.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type LogEntry, type Producer } from 'kafkajs';

const MESSAGES = 1_000;
const KEYS = 50;
const PARTITIONS = 4;

interface Logged {
  level: number;
  namespace: string;
  message: string;
  error?: string | undefined;
}

describe('kafka smoke (kafkajs against the test broker)', () => {
  const brokers = inject('kafkaBrokers');
  const logs: Logged[] = [];
  const kafka = new Kafka({
    clientId: 'passkey-pulse-smoke',
    brokers: brokers.split(','),
    logLevel: logLevel.WARN,
    // Collect instead of printing; problems are reported by the assertions below.
    logCreator: () => ({ namespace, level, log }: LogEntry) => {
      logs.push({ level, namespace, message: String(log.message), error: log.error as string | undefined });
    },
    retry: { retries: 5, initialRetryTime: 100 },
  });

  const topic = `smoke-${randomUUID()}`;
  const groupId = `smoke-group-${randomUUID()}`;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin?.disconnect();
  });

  it('creates a topic, produces keyed messages and consumes them exactly once, in per-key order', async () => {
    // --- CreateTopics -----------------------------------------------------
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(PARTITIONS);

    // --- Produce ----------------------------------------------------------
    // Explicit partitioner: murmur2 (Java-compatible) and no v2 partitioner warning.
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const perKeySeq = new Map<string, number>();
    const all = Array.from({ length: MESSAGES }, (_, i) => {
      const key = `key-${i % KEYS}`;
      const seq = perKeySeq.get(key) ?? 0;
      perKeySeq.set(key, seq + 1);
      return { key, value: JSON.stringify({ key, seq, i }) };
    });
    const partitionsWritten = new Set<number>();
    for (let i = 0; i < all.length; i += 100) {
      const res = await producer.send({ topic, acks: -1, messages: all.slice(i, i + 100) });
      for (const r of res) {
        expect(r.errorCode).toBe(0);
        partitionsWritten.add(r.partition);
      }
    }
    // 50 keys over 4 partitions: every partition gets data.
    expect([...partitionsWritten].sort()).toEqual([0, 1, 2, 3]);

    // --- ListOffsets (high watermarks) ------------------------------------
    const topicOffsets = await admin.fetchTopicOffsets(topic);
    const highWatermarks = new Map(topicOffsets.map((p) => [p.partition, p.high]));
    expect([...highWatermarks.values()].reduce((a, h) => a + Number(h), 0)).toBe(MESSAGES);

    // --- Consumer group: eachBatch, manual commits ------------------------
    consumer = kafka.consumer({
      groupId,
      heartbeatInterval: 200, // so real Heartbeat requests are sent during the test
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
    });
    let heartbeats = 0;
    consumer.on(consumer.events.HEARTBEAT, () => {
      heartbeats++;
    });
    let joined = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined++;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });

    const received: { key: string; seq: number; partition: number; offset: string }[] = [];
    let committedThrough = 0;
    let lastCommitError: unknown;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          const body = JSON.parse(message.value!.toString()) as { key: string; seq: number };
          expect(message.key?.toString()).toBe(body.key);
          received.push({ key: body.key, seq: body.seq, partition: batch.partition, offset: message.offset });
          resolveOffset(message.offset);
          await heartbeat();
        }
        // With autoCommit off (and no autoCommitInterval/Threshold), commitOffsetsIfNecessary()
        // without arguments is a no-op in kafkajs 2.x: pass the resolved offsets explicitly.
        try {
          await commitOffsetsIfNecessary(uncommittedOffsets());
          committedThrough = received.length;
        } catch (e) {
          lastCommitError = e;
          throw e;
        }
      },
    });

    await waitFor(() => committedThrough >= MESSAGES && heartbeats > 0, 30_000, () =>
      `received ${received.length}/${MESSAGES}, committed through ${committedThrough}, heartbeats ${heartbeats}, ` +
      `last commit error ${String(lastCommitError)}, logs ${JSON.stringify(logs.slice(-5))}`);
    // Give a duplicate delivery (if any) a chance to show up before counting.
    await new Promise((r) => setTimeout(r, 300));

    // --- DescribeGroups ---------------------------------------------------
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]?.state).toBe('Stable');
    expect(groups[0]?.members).toHaveLength(1);
    expect(joined).toBeGreaterThanOrEqual(1);

    await consumer.stop();

    // Exactly once: 1,000 deliveries, 1,000 distinct (key, seq) pairs.
    expect(received).toHaveLength(MESSAGES);
    expect(new Set(received.map((m) => `${m.key}#${m.seq}`)).size).toBe(MESSAGES);

    // Per-key order: each key's messages arrive as seq 0..19, all from one partition.
    const byKey = new Map<string, { seqs: number[]; partitions: Set<number> }>();
    for (const m of received) {
      const e = byKey.get(m.key) ?? { seqs: [], partitions: new Set<number>() };
      e.seqs.push(m.seq);
      e.partitions.add(m.partition);
      byKey.set(m.key, e);
    }
    expect(byKey.size).toBe(KEYS);
    for (const [key, { seqs, partitions }] of byKey) {
      expect(seqs, key).toEqual(Array.from({ length: MESSAGES / KEYS }, (_, i) => i));
      expect(partitions.size, key).toBe(1);
    }

    // --- OffsetFetch: committed offsets == high watermarks -----------------
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedByPartition = new Map(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
    expect(committedByPartition.size).toBe(PARTITIONS);
    for (const [partition, high] of highWatermarks) {
      expect(committedByPartition.get(partition), `partition ${partition}`).toBe(high);
    }

    // No errors logged by kafkajs (e.g. protocol/version problems), except the retriable
    // COORDINATOR_NOT_AVAILABLE a fresh broker answers to the first FindCoordinator while
    // it creates __consumer_offsets (kafkajs retries it).
    const retriable = new Set(['The group coordinator is not available']);
    expect(logs.filter((l) => l.level <= logLevel.ERROR && !retriable.has(l.error ?? ''))).toEqual([]);
  });
});

async function waitFor(cond: () => boolean, timeoutMs: number, describeState: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describeState()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
