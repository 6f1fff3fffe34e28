// Issue 7 item 3: freshness, event produced to Kafka → visible through the analytics API, at a steady
// 5,000 events/s. One process runs the Kafka ingest worker and the API over one store
// (bench/ingest-api.ts). The producer sends the deterministic vendor mix (tenant `default`) and, every
// 100 ms, one marker: a real Entra passkey sign-in of tenant `freshness` stamped with its produce time,
// all markers on one partition (one key), so they are stored in order. A poller asks the API, over
// HTTP with a viewer token of tenant `freshness`, for the passkey share KPI (a dashboard call, served
// from the rollups) every 100 ms: its denominator is the number of markers visible, so marker k is
// visible at the first poll that counts more than k. Freshness of marker k = that poll's start − its
// produce time (the poll interval bounds the resolution).
//
//   tsx bench/freshness.ts [--quick] [--seconds S] [--rate N]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Partitioners, type Message } from 'kafkajs'
import { benchBroker, benchKafka, groupLag } from './lib/broker.js'
import { loadAverage, machineFacts } from './lib/machine.js'
import { RssSampler, sleep, spawnTsx } from './lib/proc.js'
import { intArg, parseArgs, progress, writeResult } from './lib/result.js'
import { fmt, latencySummary } from './lib/stats.js'
import { entraSignIn, messageChunks } from './lib/vendor-events.js'

const NAME = 'freshness'
const log = progress(NAME)
const args = parseArgs()
const quick = args.quick
const SECONDS = intArg(args, 'seconds', quick ? 6 : 60)
const RATE = intArg(args, 'rate', 5_000)
const RATES = [RATE, ...(quick ? [] : [intArg(args, 'low-rate', 2_000)])]
const TICK_MS = 50
const MARKER_EVERY_MS = 100
const POLL_EVERY_MS = 100
const WARMUP_S = quick ? 2 : 5
const TARGET_P95_MS = 3_000
const MARKER_TENANT = 'freshness'

const started = new Date().toISOString()
const machine = machineFacts()
log(`${RATES.map((r) => fmt(r)).join(' and ')} events/s for ${SECONDS} s each (+${WARMUP_S} s warm-up); load average ${machine.loadAvg.join(' ')}`)
const broker = await benchBroker(log)
const kafka = benchKafka(broker.brokers)
const admin = kafka.admin()
await admin.connect()
async function measure(rate: number) {
  const RATE = rate
  const runId = Date.now().toString(36)
  const topic = `bench-fresh-${runId}`
  const dataDir = mkdtempSync(join(tmpdir(), 'pulse-bench-fresh-'))
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 4 }] })

  const svc = spawnTsx('ingest-api.ts', [], {
    KAFKA_BROKERS: broker.brokers, KAFKA_RAW_TOPIC: topic, KAFKA_GROUP_ID: `bench-fresh-${runId}`,
    KAFKA_DLQ_TOPIC: `${topic}.dlq`, KAFKA_ALERTS_TOPIC: `${topic}.alerts`, PULSE_DATA_DIR: dataDir,
    BENCH_TOKEN_TENANT: MARKER_TENANT, LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1',
  })
  const rss = new RssSampler(svc.pid)
  try {
    const { port, token } = (await svc.ready) as { port: number; token: string }
    log(`service up on port ${port}`)
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
    await producer.connect()

    const producedAt: number[] = []
    const polls: { at: number; visible: number; ms: number }[] = []
    let producing = true
    const base = Date.now() - 3_600_000
    const url = () => `http://127.0.0.1:${port}/api/v1/kpis/passkey-share?from=${new Date(base).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`
    const poller = (async () => {
      while (producing || (polls.at(-1)?.visible ?? 0) < producedAt.length) {
        const t0 = Date.now()
        const res = await fetch(url(), { headers: { authorization: `Bearer ${token}` } })
        if (!res.ok) throw new Error(`API answered ${res.status}: ${(await res.text()).slice(0, 300)}`)
        const body = (await res.json()) as { share: { denominator: number } }
        polls.push({ at: t0, visible: body.share.denominator, ms: Date.now() - t0 })
        if (!producing && Date.now() - producedAt.at(-1)! > 60_000) break
        await sleep(Math.max(0, POLL_EVERY_MS - (Date.now() - t0)))
      }
    })()

    // Steady rate: every tick sends rate × tick worth of the vendor mix; every 100 ms a marker.
    const perTick = Math.round((RATE * TICK_MS) / 1000)
    const total = perTick * Math.ceil(((SECONDS + WARMUP_S) * 1000) / TICK_MS)
    const chunks = messageChunks(total, perTick, { seed: 7 })
    const t0 = Date.now()
    let sent = 0
    let late = 0
    let nextMarker = t0 + WARMUP_S * 1000
    for (let tick = 0; ; tick++) {
      const due = t0 + tick * TICK_MS
      const wait = due - Date.now()
      if (wait > 0) await sleep(wait)
      else if (wait < -TICK_MS) late++
      const next = chunks.next()
      if (next.done) break
      const messages: Message[] = next.value.map((m) => ({ key: m.key, value: m.value, headers: { 'pulse-source': m.source, 'pulse-tenant': 'default' } }))
      const now = Date.now()
      while (nextMarker <= now) {
        const k = producedAt.length
        const stamp = Date.now()
        const m = entraSignIn('passkey', { email: `marker${k}@fresh.example`, tsMs: stamp, id: k })
        messages.push({ key: 'freshness-marker', value: m.value, headers: { 'pulse-source': 'entra', 'pulse-tenant': MARKER_TENANT } })
        producedAt.push(stamp)
        nextMarker += MARKER_EVERY_MS
      }
      // Not awaited one by one: a slow acknowledgement must not slow the rate down.
      void producer.send({ topic, acks: 1, messages }).catch((err: Error) => log(`produce failed: ${err.message}`))
      sent += next.value.length
    }
    const producedSeconds = (Date.now() - t0) / 1000
    producing = false
    log(`produced ${fmt(sent)} events in ${producedSeconds.toFixed(1)} s (${fmt(sent / producedSeconds)}/s; ${late} ticks late), ${producedAt.length} markers; waiting for the last markers…`)
    await poller
    await producer.disconnect()
    const lagAtEnd = await groupLag(admin, `bench-fresh-${runId}`, topic)

    const latencies: number[] = []
    let unseen = 0
    for (let k = 0; k < producedAt.length; k++) {
      const p = polls.find((x) => x.visible > k && x.at >= producedAt[k]!)
      if (p) latencies.push(p.at - producedAt[k]!)
      else unseen++
    }
    const s = latencySummary(latencies)
    const pollMs = latencySummary(polls.map((p) => p.ms))
    const mem = rss.stop()
    const summary = {
      rateTarget: RATE, rateAchieved: sent / producedSeconds, seconds: SECONDS, markers: producedAt.length, unseen,
      freshnessMs: s, pollMs, lagAtEnd, serviceRssPeakMiB: mem.peakMiB, loadAvgEnd: loadAverage(),
      target: { p95Ms: TARGET_P95_MS, met: unseen === 0 && s.p95 < TARGET_P95_MS },
    }
    return { summary, run: { rate: RATE, producedAt, polls, latencies } }
  } finally {
    rss.stop()
    await svc.stop()
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`, `${topic}.alerts`] }).catch(() => {})
    rmSync(dataDir, { recursive: true, force: true })
  }
}

// The target rate first; then (full runs) a lower rate that one worker + API process keeps up with,
// which shows the latency of the path itself rather than of a growing backlog.
try {
  const results: Awaited<ReturnType<typeof measure>>[] = []
  for (const rate of RATES) {
    log(`rate ${fmt(rate)} events/s`)
    results.push(await measure(rate))
  }
  const row = (r: (typeof results)[number]) => {
    const x = r.summary
    const s = x.freshnessMs
    return `| ${fmt(x.rateAchieved)} (asked ${fmt(x.rateTarget)}) | ${fmt(s.n)}${x.unseen ? ` (${x.unseen} never seen)` : ''} | ${fmt(s.p50)} ms | ${fmt(s.p95)} ms | ${fmt(s.p99)} ms | ${fmt(s.max)} ms | ${fmt(x.lagAtEnd)} | ${x.rateTarget === RATE ? (x.target.met ? 'yes' : '**no**') : ''} |`
  }
  const first = results[0]!.summary
  const table = [
    `A producer at a steady rate for ${SECONDS} s after a ${WARMUP_S} s warm-up; a marker every ${MARKER_EVERY_MS} ms; the API polled every ${POLL_EVERY_MS} ms (poll p50 ${fmt(first.pollMs.p50)} ms, p95 ${fmt(first.pollMs.p95)} ms at the target rate). One process: ingest worker + API on one embedded store. Target (SPEC §7): p95 < ${fmt(TARGET_P95_MS)} ms at ${fmt(RATE)} events/s.`,
    '',
    '| events/s produced | markers | p50 | p95 | p99 | max | lag when the last marker showed | target met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(row),
    '',
    `Peak RSS of the worker + API process at ${fmt(RATE)} events/s: ${fmt(first.serviceRssPeakMiB)} MiB (the worker alone: see the ingest results).`,
  ].join('\n')
  const summary = { ...first, rates: results.map((r) => r.summary) }
  const path = writeResult({ name: NAME, quick, startedAt: started, machine, runs: results.map((r) => r.run), summary, table })
  log(`wrote ${path}`)
  process.stdout.write(`${table}\n`)
} finally {
  await admin.disconnect()
  await broker.stop()
}
process.exit(0)
