// Issue 7 items 1 and 5 (worker): ingest throughput through the real broker → `passkey-pulse ingest`
// worker processes → embedded ClickHouse, with 1 and 2 workers, beside its ceilings measured in the
// same run on the same events: (a) the ClickHouse insert of the already-normalised rows, (b) the
// normalisers alone in memory, (c) kafkajs consume-only. Peak RSS of every worker is sampled from /proc.
//
//   tsx bench/ingest.ts [--quick] [--events N] [--repeat R]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Partitioners, type Message } from 'kafkajs'
import { benchBroker, benchKafka, groupLag } from './lib/broker.js'
import { loadAverage, machineFacts } from './lib/machine.js'
import { memoryOf, metricSum, RssSampler, runStage, scrapeMetrics, sleep, spawnCli, type Child } from './lib/proc.js'
import { intArg, parseArgs, progress, writeResult } from './lib/result.js'
import { fmt, fmtSpread, spread } from './lib/stats.js'
import { messageChunks, USER_AGENT_COUNT } from './lib/vendor-events.js'

// --name ingest-before with BENCH_CLI=<an older build> and --skip-ceilings measures a before/after pair.
const NAME = args0().values.get('name') ?? 'ingest'
const SKIP_CEILINGS = args0().values.has('skip-ceilings')
function args0() { return parseArgs() }
const log = progress(NAME)
const args = parseArgs()
const quick = args.quick
const EVENTS = intArg(args, 'events', quick ? 20_000 : 200_000)
const REPEAT = intArg(args, 'repeat', quick ? 1 : 3)
const WORKER_COUNTS = (args.values.get('workers') ?? '1,2').split(',').map(Number)
const PARTITIONS = 4
const SEED = 2026
const TARGET_EVENTS_PER_S = 50_000
const TARGET_SHARE_OF_CEILING = 0.6
const TARGET_RSS_MIB = 400
// e.g. BENCH_WORKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the workers.
const NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)
const STAGES = ['normalise', 'assemble', 'dedupe', 'insert', 'alerts', 'commit'] as const

interface NormaliseStage { events: number; rows: number; deadLetters: number; ignored: number; seconds: number; cpuSeconds: number; eventsPerS: number; uaHitRate: number; uaDistinct: number }
interface InsertStage { format: string; rows: number; inserts: number; batchRows: number; seconds: number; cpuSeconds: number; rowsPerS: number; eventsPerS: number }
interface ConsumeStage { events: number; bytes: number; seconds: number; withStartSeconds: number; eventsPerS: number; mibPerS: number }
interface CountStage { rows: number; deadLetters: number; distinctIds: number }

interface WorkerRun {
  workers: number
  repeat: number
  loadAvgStart: [number, number, number]
  /** First batch received (any worker) → last offset committed (any worker). */
  seconds: number
  /** Process spawn → lag 0 seen by the admin client. */
  withStartSeconds: number
  eventsPerS: number
  eventsPerSPerWorker: number
  eventsPerSWithStart: number
  rowsStored: number
  /** Rows stored by two workers (redelivered after the rebalance that a joining worker causes). */
  redelivered: number
  deadLetters: number
  rowsExpected: number
  peakRssMiB: number[]
  /** RSS when the worker's metrics came up (started, before most of the work). */
  startRssMiB: number[]
  /** Anonymous vs file-backed RSS at the largest sample, per worker. */
  rssSplit: { anonMiB: number; fileMiB: number }[]
  cpuSeconds: number[]
  /** Seconds per stage, summed over the workers. */
  stages: Record<string, number>
  /** Writer inserts into auth_events (all workers) and their mean size. */
  inserts?: number
  rowsPerInsert?: number
}

const started = new Date().toISOString()
const machine = machineFacts()
log(`events ${EVENTS.toLocaleString('en-US')}, repeats ${REPEAT}, workers ${WORKER_COUNTS.join(' and ')}; load average ${machine.loadAvg.join(' ')}`)

const broker = await benchBroker(log)
const kafka = benchKafka(broker.brokers)
const admin = kafka.admin()
await admin.connect()
const runId = `${Date.now().toString(36)}`
const topic = `bench-ingest-${runId}`
const scratch = mkdtempSync(join(tmpdir(), 'pulse-bench-ingest-'))

try {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] })
  const produced = await produceAll()
  log(`produced ${EVENTS.toLocaleString('en-US')} events (${fmt(produced.bytes / 1024 ** 2)} MiB) in ${produced.seconds.toFixed(1)} s`)

  const normaliseRuns: NormaliseStage[] = []
  const insertRuns: InsertStage[] = []
  const consumeRuns: ConsumeStage[] = []
  const workerRuns: WorkerRun[] = []
  let jsonInsert: InsertStage | null = null
  for (let r = 1; r <= REPEAT; r++) {
    if (SKIP_CEILINGS) {
      if (r === 1) normaliseRuns.push(await runStage<NormaliseStage>('ingest-stage.ts', ['normalise', '--events', String(EVENTS), '--seed', String(SEED)]))
    } else {
    log(`repeat ${r}/${REPEAT}: (b) normalisers in memory`)
    normaliseRuns.push(await runStage<NormaliseStage>('ingest-stage.ts', ['normalise', '--events', String(EVENTS), '--seed', String(SEED)]))
    log(`  ${fmt(normaliseRuns.at(-1)!.eventsPerS)} events/s`)
    log(`repeat ${r}/${REPEAT}: (a) ClickHouse insert of the normalised rows`)
    insertRuns.push(await insertCeiling('tsv'))
    log(`  ${fmt(insertRuns.at(-1)!.rowsPerS)} rows/s`)
    if (r === 1 && !quick) {
      // What the writer did before issue 7 (JSONEachRow), once, for the before/after table.
      jsonInsert = await insertCeiling('json')
      log(`  JSONEachRow for comparison: ${fmt(jsonInsert.rowsPerS)} rows/s`)
    }
    log(`repeat ${r}/${REPEAT}: (c) kafkajs consume-only`)
    consumeRuns.push(await runStage<ConsumeStage>('ingest-stage.ts', ['consume', '--events', String(EVENTS), '--brokers', broker.brokers, '--topic', topic, '--group', `bench-consume-${runId}-${r}`]))
    log(`  ${fmt(consumeRuns.at(-1)!.eventsPerS)} events/s`)
    }
    for (const w of WORKER_COUNTS) {
      log(`repeat ${r}/${REPEAT}: ${w} worker process${w > 1 ? 'es' : ''}`)
      workerRuns.push(await workerRun(w, r, normaliseRuns[0]!.rows))
      const last = workerRuns.at(-1)!
      log(`  ${fmt(last.eventsPerS)} events/s (${fmt(last.eventsPerSPerWorker)} per worker), peak RSS ${last.peakRssMiB.map((m) => fmt(m)).join(' / ')} MiB`)
    }
  }

  const summary = summarise(normaliseRuns, insertRuns, consumeRuns, workerRuns, jsonInsert, produced)
  const path = writeResult({
    name: NAME, quick, startedAt: started, machine,
    runs: [
      ...normaliseRuns.map((x) => ({ stage: 'normalise', ...x })), ...insertRuns.map((x) => ({ stage: 'insert', ...x })),
      ...(jsonInsert ? [{ stage: 'insert-json', ...jsonInsert }] : []),
      ...consumeRuns.map((x) => ({ stage: 'consume', ...x })), ...workerRuns.map((x) => ({ stage: 'worker', ...x })),
    ],
    summary, table: table(summary),
  })
  log(`wrote ${path}`)
  process.stdout.write(`${table(summary)}\n`)
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin.disconnect()
  await broker.stop()
  rmSync(scratch, { recursive: true, force: true })
}

async function produceAll(): Promise<{ seconds: number; bytes: number }> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
  await producer.connect()
  const t0 = performance.now()
  let bytes = 0
  let inFlight: Promise<unknown>[] = []
  for (const chunk of messageChunks(EVENTS, 2_000, { seed: SEED })) {
    const messages: Message[] = chunk.map((m) => {
      bytes += m.value.length
      return { key: m.key, value: m.value, headers: { 'pulse-source': m.source, 'pulse-tenant': 'default' } }
    })
    inFlight.push(producer.send({ topic, acks: -1, messages }))
    if (inFlight.length >= 4) {
      await Promise.all(inFlight)
      inFlight = []
    }
  }
  await Promise.all(inFlight)
  await producer.disconnect()
  return { seconds: (performance.now() - t0) / 1000, bytes }
}

async function insertCeiling(format: 'tsv' | 'json'): Promise<InsertStage> {
  const dir = mkdtempSync(join(scratch, 'ceiling-a-'))
  try {
    return await runStage<InsertStage>('ingest-stage.ts', ['insert', '--events', String(EVENTS), '--seed', String(SEED), '--data-dir', dir, '--format', format])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function workerRun(workers: number, repeat: number, rowsExpected: number): Promise<WorkerRun> {
  const id = `${runId}-w${workers}-${repeat}`
  const env = {
    KAFKA_BROKERS: broker.brokers, KAFKA_RAW_TOPIC: topic, KAFKA_GROUP_ID: `bench-${id}`,
    KAFKA_DLQ_TOPIC: `bench-${id}.dlq`, KAFKA_ALERTS_TOPIC: `bench-${id}.alerts`, KAFKAJS_NO_PARTITIONER_WARNING: '1', LOG_LEVEL: 'info',
  }
  const loadAvgStart = loadAverage()
  const dirs = Array.from({ length: workers }, (_, i) => mkdtempSync(join(scratch, `worker-${i}-`)))
  const spawnedAt = performance.now()
  // Embedded chDB binds one data directory per process: each worker has its own (a fair per-process
  // measure; in production the workers share a ClickHouse server).
  const children: Child[] = dirs.map((dir) => spawnCli(['ingest', '--metrics-port', '0', '--data-dir', dir], env, NODE_ARGS))
  const samplers = children.map((c) => new RssSampler(c.pid))
  try {
    const ports = await Promise.all(children.map(async (c) => {
      const l = await c.waitForLog((x) => x.msg === 'worker metrics listening', 180_000)
      return (l.metrics as { port: number }).port
    }))
    // RSS once started (engine loaded, store migrated, group joining), before the bulk of the work.
    const startRss = children.map((c) => memoryOf(c.pid)?.rssMiB ?? NaN)
    const deadline = Date.now() + Math.max(300_000, EVENTS / 500 * 1000)
    let lastReport = Date.now()
    for (;;) {
      const lag = await groupLag(admin, env.KAFKA_GROUP_ID, topic)
      if (lag === 0) break
      if (Date.now() - lastReport > 10_000) {
        log(`  lag ${fmt(lag)}`)
        lastReport = Date.now()
      }
      if (Date.now() > deadline) throw new Error(`workers did not catch up within ${Math.round((deadline - Date.now()) / 1000)} s`)
      for (const c of children) if (c.proc.exitCode !== null) throw new Error(`worker ${c.pid} exited with ${c.proc.exitCode}`)
      await sleep(100)
    }
    const withStartSeconds = (performance.now() - spawnedAt) / 1000
    const metrics = await Promise.all(ports.map((p) => scrapeMetrics(`http://127.0.0.1:${p}/metrics`)))
    const firstBatch = Math.min(...metrics.map((m) => metricSum(m, 'pulse_ingest_first_batch_timestamp_seconds')).filter((x) => x > 0))
    const lastCommit = Math.max(...metrics.map((m) => metricSum(m, 'pulse_ingest_last_commit_timestamp_seconds')))
    // A build without the stage metrics (before issue 7): only spawn → lag 0 can be measured.
    const seconds = Number.isFinite(firstBatch) && lastCommit > 0 ? lastCommit - firstBatch : withStartSeconds
    const stages: Record<string, number> = {}
    for (const s of STAGES) stages[s] = metrics.reduce((a, m) => a + metricSum(m, 'pulse_ingest_stage_seconds_total', `stage="${s}"`), 0)
    const cpuSeconds = metrics.map((m) => metricSum(m, 'pulse_process_process_cpu_seconds_total'))
    // How the writer batched: many small inserts each pay the lookup, the views and a part per table.
    const inserts = metrics.reduce((a, m) => a + metricSum(m, 'pulse_batch_rows_count'), 0)
    const rowsPerInsert = inserts > 0 ? metrics.reduce((a, m) => a + metricSum(m, 'pulse_batch_rows_sum'), 0) / inserts : 0
    log(`  ${fmt(inserts)} inserts, ${fmt(rowsPerInsert)} rows per insert on average`)
    for (const c of children) samplers[children.indexOf(c)]!.sample()
    const peaks = children.map((c, i) => Math.max(samplers[i]!.peakMiB, memoryOf(c.pid)?.hwmMiB ?? 0))
    const rssSplit = samplers.map((x) => x.atPeak)
    await Promise.all(children.map((c) => c.stop()))
    samplers.forEach((s) => s.stop())
    // Rows stored, counted by ClickHouse itself (each worker's store, once the worker has exited).
    // Each store holds each event once; across stores, the batches a worker had stored but not committed
    // when the second worker joined are stored again by the new owner (at-least-once; on a shared
    // ClickHouse server the writer's event_id check would skip them). The union must be exact.
    let rowsStored = 0
    let deadLetters = 0
    const union = new Set<string>()
    for (const dir of dirs) {
      const idsOut = join(dir, 'ids.tsv')
      const c = await runStage<CountStage>('ingest-stage.ts', ['count', '--data-dir', dir, '--ids-out', idsOut])
      if (c.distinctIds !== c.rows) throw new Error(`a worker stored ${c.rows} rows for ${c.distinctIds} event ids`)
      for (const id of readFileSync(idsOut, 'utf8').split('\n')) if (id) union.add(id)
      rowsStored += c.rows
      deadLetters += c.deadLetters
    }
    if (union.size !== rowsExpected) throw new Error(`workers stored ${union.size} distinct rows; the normalisers in memory made ${rowsExpected}`)
    return {
      workers, repeat, loadAvgStart, seconds, withStartSeconds,
      eventsPerS: EVENTS / seconds, eventsPerSPerWorker: EVENTS / seconds / workers, eventsPerSWithStart: EVENTS / withStartSeconds,
      rowsStored, redelivered: rowsStored - union.size, startRssMiB: startRss, deadLetters, rowsExpected, peakRssMiB: peaks, rssSplit, cpuSeconds, stages, inserts, rowsPerInsert,
    }
  } finally {
    await Promise.all(children.map((c) => c.stop(10_000)))
    samplers.forEach((s) => s.stop())
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

function summarise(n: NormaliseStage[], a: InsertStage[], c: ConsumeStage[], w: WorkerRun[], json: InsertStage | null, produced: { seconds: number; bytes: number }) {
  const byWorkers = (k: number) => w.filter((x) => x.workers === k)
  const one = byWorkers(1)
  const ceilingA = spread(a.map((x) => x.eventsPerS))
  const worker1 = spread(one.map((x) => x.eventsPerS))
  const medianRun = one.sort((x, y) => x.eventsPerS - y.eventsPerS)[one.length >> 1]
  const shares: Record<string, number> = {}
  if (medianRun) for (const s of STAGES) shares[s] = medianRun.stages[s]! / medianRun.seconds
  return {
    events: EVENTS,
    rows: n[0]?.rows ?? 0,
    deadLetters: n[0]?.deadLetters ?? 0,
    ignored: n[0]?.ignored ?? 0,
    meanEventBytes: produced.bytes / EVENTS,
    produceSeconds: produced.seconds,
    userAgents: { distinctInGenerator: USER_AGENT_COUNT, cacheHitRate: n[0]?.uaHitRate ?? NaN },
    ceilingA: { eventsPerS: ceilingA, rowsPerS: spread(a.map((x) => x.rowsPerS)), rowsPerCpuS: spread(a.map((x) => x.rows / x.cpuSeconds)), batchRows: a[0]?.batchRows, format: 'TabSeparated (embedded: a spooled file, INSERT … FROM INFILE)' },
    ceilingAJson: json ? { rowsPerS: json.rowsPerS, eventsPerS: json.eventsPerS, rowsPerCpuS: json.rows / json.cpuSeconds } : null,
    ceilingB: { eventsPerS: spread(n.map((x) => x.eventsPerS)), eventsPerCpuS: spread(n.map((x) => x.events / x.cpuSeconds)) },
    ceilingC: { eventsPerS: spread(c.map((x) => x.eventsPerS)), mibPerS: spread(c.map((x) => x.mibPerS)) },
    workers: Object.fromEntries(WORKER_COUNTS.map((k) => [k, {
      eventsPerS: spread(byWorkers(k).map((x) => x.eventsPerS)),
      eventsPerSPerWorker: spread(byWorkers(k).map((x) => x.eventsPerSPerWorker)),
      eventsPerSWithStart: spread(byWorkers(k).map((x) => x.eventsPerSWithStart)),
      peakRssMiB: spread(byWorkers(k).flatMap((x) => x.peakRssMiB)),
      startRssMiB: spread(byWorkers(k).flatMap((x) => x.startRssMiB)),
      anonAtPeakMiB: spread(byWorkers(k).flatMap((x) => x.rssSplit.map((r) => r.anonMiB))),
      fileAtPeakMiB: spread(byWorkers(k).flatMap((x) => x.rssSplit.map((r) => r.fileMiB))),
      redelivered: spread(byWorkers(k).map((x) => x.redelivered)),
    }])),
    shareOfCeilingA: worker1.median / ceilingA.median,
    stageShares1Worker: shares,
    targets: {
      eventsPerSPerWorker: { target: TARGET_EVENTS_PER_S, measured: worker1.median, met: worker1.median >= TARGET_EVENTS_PER_S },
      shareOfCeilingA: { target: TARGET_SHARE_OF_CEILING, measured: worker1.median / ceilingA.median, met: worker1.median / ceilingA.median >= TARGET_SHARE_OF_CEILING },
      workerRssMiB: { target: TARGET_RSS_MIB, measured: Math.max(...w.flatMap((x) => x.peakRssMiB)), met: Math.max(...w.flatMap((x) => x.peakRssMiB)) < TARGET_RSS_MIB },
    },
    loadAvgPerWorkerRun: w.map((x) => x.loadAvgStart[0]),
  }
}

function table(s: ReturnType<typeof summarise>): string {
  const pct = (x: number) => `${Math.round(x * 100)} %`
  const a = s.ceilingA.eventsPerS.median
  const lines = [
    `${fmt(s.events)} vendor events (Okta, Entra, Auth0 shapes; ${fmt(s.meanEventBytes)} bytes each on average; ${fmt(s.rows)} rows, ${fmt(s.ignored)} ignored, ${fmt(s.deadLetters)} dead letters), ${PARTITIONS} partitions; median (min–max) of ${REPEAT} run${REPEAT > 1 ? 's' : ''}. UA-parse cache hit-rate ${pct(s.userAgents.cacheHitRate)}.`,
    '',
    '| measurement | events/s | share of ceiling (a) |',
    '| --- | --- | --- |',
  ]
  for (const [k, v] of Object.entries(s.workers)) {
    lines.push(`| **${k} worker process${Number(k) > 1 ? 'es' : ''}**, first batch → last commit, per process | **${fmtSpread(v.eventsPerSPerWorker)}** | ${pct(v.eventsPerSPerWorker.median / a)} |`)
    if (Number(k) > 1) lines.push(`| ${k} worker processes, all together | ${fmtSpread(v.eventsPerS)} | ${pct(v.eventsPerS.median / a)} |`)
    lines.push(`| ${k} worker process${Number(k) > 1 ? 'es' : ''}, including start-up (spawn → lag 0) | ${fmtSpread(v.eventsPerSWithStart)} | |`)
  }
  lines.push(
    `| (a) ClickHouse insert of the same rows, normalised, ${s.ceilingA.format}, ${fmt(s.ceilingA.batchRows ?? 0)}-row batches | ${fmtSpread(s.ceilingA.eventsPerS)} (${fmt(s.ceilingA.rowsPerS.median)} rows/s) | 100 % |`,
  )
  if (s.ceilingAJson) lines.push(`| (a′) the same insert as JSONEachRow (the writer's format before issue 7) | ${fmt(s.ceilingAJson.eventsPerS)} (${fmt(s.ceilingAJson.rowsPerS)} rows/s) | ${pct(s.ceilingAJson.eventsPerS / a)} |`)
  lines.push(
    `| (b) normalisers + UA parse + flow assembly, in memory | ${fmtSpread(s.ceilingB.eventsPerS)} | ${pct(s.ceilingB.eventsPerS.median / a)} |`,
    `| (c) kafkajs consume-only (commit per batch) | ${fmtSpread(s.ceilingC.eventsPerS)} (${fmt(s.ceilingC.mibPerS.median)} MiB/s) | ${pct(s.ceilingC.eventsPerS.median / a)} |`,
    '',
    'Where a single worker\'s time goes (stage seconds ÷ wall seconds of the median run; stages overlap, since ClickHouse inserts run on the engine\'s threads while the next batches are normalised):',
    '',
    `| ${Object.keys(s.stageShares1Worker).join(' | ')} |`,
    `| ${Object.keys(s.stageShares1Worker).map(() => '---').join(' | ')} |`,
    `| ${Object.values(s.stageShares1Worker).map(pct).join(' | ')} |`,
    '',
    `CPU-seconds of the whole ceiling process (every thread: GC helpers and tsx's loader thread included, so this is an upper bound, less sensitive to load than wall time): normalisers ${fmt(s.ceilingB.eventsPerCpuS.median)} events per CPU-second; ClickHouse insert ${fmt(s.ceilingA.rowsPerCpuS.median)} rows per CPU-second (TSV)${s.ceilingAJson ? `, ${fmt(s.ceilingAJson.rowsPerCpuS)} (JSONEachRow)` : ''}.`,
    '',
    '| target (SPEC §7) | measured | met |',
    '| --- | --- | --- |',
    `| ≥ ${fmt(TARGET_EVENTS_PER_S)} events/s per worker process | ${fmt(s.targets.eventsPerSPerWorker.measured)} | ${s.targets.eventsPerSPerWorker.met ? 'yes' : '**no**'} |`,
    `| ≥ 60 % of ceiling (a) | ${pct(s.targets.shareOfCeilingA.measured)} | ${s.targets.shareOfCeilingA.met ? 'yes' : '**no**'} |`,
    `| worker peak RSS < ${TARGET_RSS_MIB} MB (VmHWM) | ${fmt(s.targets.workerRssMiB.measured)} MiB | ${s.targets.workerRssMiB.met ? 'yes' : '**no**'} |`,
    '',
    'Worker memory (VmRSS / VmHWM from /proc, MiB; median (min–max) over the runs and workers):',
    '',
    '| workers | once started | peak | of the peak: anonymous | of the peak: file-backed (engine code) |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(s.workers).map(([k, v]) => `| ${k} | ${fmtSpread(v.startRssMiB)} | ${fmtSpread(v.peakRssMiB)} | ${fmtSpread(v.anonAtPeakMiB)} | ${fmtSpread(v.fileAtPeakMiB)} |`),
    '',
    ...Object.entries(s.workers).filter(([k]) => Number(k) > 1).map(([k, v]) => `With ${k} workers, the second one joining moves partitions: a median of ${fmt(v.redelivered.median)} rows were stored by both (batches stored but not yet committed by the first owner, redelivered to the new one; each store is separate here, so the writer's event_id check cannot see them). Every event id is stored at least once; the check is on the union of the stores.`),
    '',
    `Load average (1 min) at the start of each worker run: ${s.loadAvgPerWorkerRun.map((x) => x.toFixed(2)).join(', ')}.`,
  )
  return lines.join('\n')
}
process.exit(0)
