// Issue 7 item 4: alert latency, event consumed → webhook received (SPEC §4 wants < 5 s after the
// event is consumed). The worker + API process of bench/ingest-api.ts runs with a real HTTP webhook
// receiver in this process as its channel, under a steady background of the vendor mix. Triggers: for
// each of K fresh users, a real Entra passkey sign-in, then 300 ms later a password + push sign-in of
// the same user: a `password_fallback` (SPEC §3 item 7). Two latencies per alert:
//   consumed → received: the webhook's arrival − the row's ingested_at (set when the worker took the
//                        batch from Kafka), read from the store after the run;
//   produced → received: the arrival − the event's own time, which is when it was produced.
//
//   tsx bench/alert-latency.ts [--quick] [--triggers K] [--rate N]
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Partitioners, type Message } from 'kafkajs'
import { benchBroker, benchKafka } from './lib/broker.js'
import { machineFacts } from './lib/machine.js'
import { runStage, sleep, spawnTsx } from './lib/proc.js'
import { intArg, parseArgs, progress, writeResult } from './lib/result.js'
import { fmt, latencySummary } from './lib/stats.js'
import { entraSignIn, messageChunks } from './lib/vendor-events.js'

const NAME = 'alert-latency'
const log = progress(NAME)
const args = parseArgs()
const quick = args.quick
const TRIGGERS = intArg(args, 'triggers', quick ? 10 : 100)
const RATE = intArg(args, 'rate', 2_000)
const TRIGGER_EVERY_MS = 400
const TICK_MS = 50
const TARGET_P95_MS = 5_000

interface Received { at: number; rule: string; subject: string }

const started = new Date().toISOString()
const machine = machineFacts()
log(`${TRIGGERS} fallbacks under ${fmt(RATE)} background events/s; load average ${machine.loadAvg.join(' ')}`)

const received: Received[] = []
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const at = Date.now()
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alert: { rule: string; subject: { id: string } } }
      received.push({ at, rule: body.alert.rule, subject: body.alert.subject.id })
    } catch {
      log('webhook body was not the expected JSON')
    }
    res.writeHead(200).end('ok')
  })
})
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()))
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`

const broker = await benchBroker(log)
const kafka = benchKafka(broker.brokers)
const admin = kafka.admin()
await admin.connect()
const runId = Date.now().toString(36)
const topic = `bench-alert-${runId}`
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-bench-alert-'))
await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 4 }] })
const svc = spawnTsx('ingest-api.ts', [], {
  KAFKA_BROKERS: broker.brokers, KAFKA_RAW_TOPIC: topic, KAFKA_GROUP_ID: `bench-alert-${runId}`,
  KAFKA_DLQ_TOPIC: `${topic}.dlq`, KAFKA_ALERTS_TOPIC: `${topic}.alerts`, PULSE_DATA_DIR: dataDir,
  PULSE_ALERT_WEBHOOK_URL: hookUrl, PULSE_ALERT_WEBHOOK_SECRET: 'bench-secret-bench-secret', LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1',
})
try {
  await svc.ready
  log('service up')
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
  await producer.connect()
  const users = Array.from({ length: TRIGGERS }, (_, i) => `fallback${i}-${runId}@alert.example`)
  const producedAt = new Map<string, number>()
  const perTick = Math.round((RATE * TICK_MS) / 1000)
  const durationMs = 2_000 + TRIGGERS * TRIGGER_EVERY_MS + 1_000
  const chunks = messageChunks(perTick * Math.ceil(durationMs / TICK_MS), perTick, { seed: 11 })
  const t0 = Date.now()
  let nextTrigger = t0 + 2_000
  let k = 0
  // Every trigger event needs its own vendor id (the event_id derives from it).
  let nextId = 0
  const pendingPassword: { user: string; due: number }[] = []
  for (let tick = 0; ; tick++) {
    const wait = t0 + tick * TICK_MS - Date.now()
    if (wait > 0) await sleep(wait)
    const next = chunks.next()
    if (next.done) break
    const messages: Message[] = next.value.map((m) => ({ key: m.key, value: m.value, headers: { 'pulse-source': m.source, 'pulse-tenant': 'default' } }))
    const now = Date.now()
    if (k < TRIGGERS && now >= nextTrigger) {
      const user = users[k]!
      // The passkey sign-in first: from then on the user has a passkey (SPEC §2).
      messages.push(toMessage(entraSignIn('passkey', { email: user, tsMs: now - 1_000, id: nextId++ })))
      pendingPassword.push({ user, due: now + 300 })
      k++
      nextTrigger += TRIGGER_EVERY_MS
    }
    while (pendingPassword.length > 0 && pendingPassword[0]!.due <= now) {
      const { user } = pendingPassword.shift()!
      const stamp = Date.now()
      messages.push(toMessage(entraSignIn('password_push', { email: user, tsMs: stamp, id: nextId++ })))
      producedAt.set(user, stamp)
    }
    void producer.send({ topic, acks: 1, messages }).catch((err: Error) => log(`produce failed: ${err.message}`))
  }
  log(`triggers sent: ${producedAt.size}; waiting for the alerts…`)
  const until = Date.now() + 60_000
  while (Date.now() < until && received.filter((r) => r.rule === 'password_fallback').length < producedAt.size) await sleep(100)
  await producer.disconnect()
  await svc.stop()

  // When the worker consumed each trigger: the row's ingested_at, read from the store now that the process is gone.
  const consumed = await runStage<{ rows: { user_id: string; ingested_ms: number }[] }>('ingest-stage.ts', ['ingested-at', '--data-dir', dataDir, '--users', [...producedAt.keys()].join(',')])
  const consumedAt = new Map(consumed.rows.map((r) => [r.user_id, r.ingested_ms]))
  const fromConsumed: number[] = []
  const fromProduced: number[] = []
  const alerts = received.filter((r) => r.rule === 'password_fallback' && producedAt.has(r.subject))
  for (const a of alerts) {
    fromProduced.push(a.at - producedAt.get(a.subject)!)
    const c = consumedAt.get(a.subject)
    if (c !== undefined) fromConsumed.push(a.at - c)
  }
  const missing = producedAt.size - alerts.length
  const c = latencySummary(fromConsumed)
  const p = latencySummary(fromProduced)
  const summary = {
    triggers: producedAt.size, alerts: alerts.length, missing, otherAlerts: received.length - alerts.length, backgroundRate: RATE,
    consumedToReceivedMs: c, producedToReceivedMs: p, target: { p95Ms: TARGET_P95_MS, met: missing === 0 && c.p95 < TARGET_P95_MS },
  }
  const table = [
    `${producedAt.size} password fallbacks (rule \`password_fallback\`) among ${fmt(RATE)} background vendor events/s, delivered to a signed JSON webhook on loopback.`,
    '',
    '| alert latency | p50 | p95 | max | target p95 | met |',
    '| --- | --- | --- | --- | --- | --- |',
    `| consumed (row's ingested_at) → webhook received | ${fmt(c.p50)} ms | ${fmt(c.p95)} ms | ${fmt(c.max)} ms | < ${fmt(TARGET_P95_MS)} ms | ${summary.target.met ? 'yes' : '**no**'} |`,
    `| produced (event time) → webhook received | ${fmt(p.p50)} ms | ${fmt(p.p95)} ms | ${fmt(p.max)} ms | | |`,
    '',
    missing ? `**${missing} expected alert(s) never arrived within 60 s.**` : 'Every expected alert arrived, once.',
  ].join('\n')
  const path = writeResult({ name: NAME, quick, startedAt: started, machine, runs: [{ alerts, producedAt: Object.fromEntries(producedAt), consumedAt: Object.fromEntries(consumedAt) }], summary, table })
  log(`wrote ${path}`)
  process.stdout.write(`${table}\n`)
} finally {
  await svc.stop()
  receiver.close()
  await admin.deleteTopics({ topics: [topic, `${topic}.dlq`, `${topic}.alerts`] }).catch(() => {})
  await admin.disconnect()
  await broker.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
process.exit(0)

function toMessage(m: { key: string; value: string; source: string }): Message {
  return { key: m.key, value: m.value, headers: { 'pulse-source': m.source, 'pulse-tenant': 'default' } }
}
