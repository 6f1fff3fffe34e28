#!/usr/bin/env node
// Single-node Apache Kafka broker (KRaft, broker+controller in one JVM) run
// from Maven Central jars, for tests and CI. No Docker, no npm deps.
//
//   node scripts/kafka/broker.mjs fetch                       # resolve jars into .cache/kafka/libs
//   node scripts/kafka/broker.mjs start [--port 9092] [--data DIR]
//
// As a module: fetchJars(), startBroker({ port, dataDir }), probeBroker(brokers).
// The Kafka version is pinned only in scripts/kafka/pom.xml (<kafka.version>).

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const POM = path.join(HERE, 'pom.xml');
export const LIBS_DIR = path.join(REPO_ROOT, '.cache', 'kafka', 'libs');
const MARKER = '.complete';

/** Kafka version pinned in pom.xml. */
/**
 * A KRaft cluster id: 16 random bytes, base64url. One that starts with '-' would be read by the storage
 * tool as an option (`-t -abc…`) and fail the format step, so such draws are redrawn.
 */
export function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function kafkaVersion() {
  const m = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!m) throw new Error(`no <kafka.version> in ${POM}`);
  return m[1];
}

function pomHash() {
  return createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
}

function libsComplete(dir = LIBS_DIR) {
  try {
    return fs.readFileSync(path.join(dir, MARKER), 'utf8').trim() === pomHash();
  } catch {
    return false;
  }
}

/**
 * Resolve the broker jars with Maven into .cache/kafka/libs, unless they are
 * already there for the current pom.xml. Idempotent; safe to run
 * concurrently (each run copies into its own temp dir and renames).
 * @returns {{ libsDir: string, version: string, fetched: boolean }}
 */
export function fetchJars({ quiet = false } = {}) {
  const version = kafkaVersion();
  if (libsComplete()) return { libsDir: LIBS_DIR, version, fetched: false };

  const parent = path.dirname(LIBS_DIR);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, 'libs.tmp-'));
  try {
    const mvn = process.env.MVN || 'mvn';
    const args = [
      '-B', '-q', '-f', POM,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmp}`,
    ];
    if (!quiet) process.stderr.write(`[kafka] resolving Kafka ${version} jars with Maven...\n`);
    const r = spawnSync(mvn, args, { cwd: HERE, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error) throw new Error(`cannot run ${mvn}: ${r.error.message}`);
    if (r.status !== 0) {
      throw new Error(`${mvn} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
    if (!fs.readdirSync(tmp).some((f) => f.startsWith(`kafka_2.13-${version}`))) {
      throw new Error(`Maven finished but kafka_2.13-${version}.jar is missing in ${tmp}`);
    }
    fs.writeFileSync(path.join(tmp, MARKER), pomHash() + '\n');
    fs.chmodSync(tmp, 0o755); // mkdtemp makes it 0700
    if (libsComplete()) return { libsDir: LIBS_DIR, version, fetched: false }; // lost a race
    fs.rmSync(LIBS_DIR, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, LIBS_DIR);
    } catch (e) {
      if (!libsComplete()) throw e; // someone else renamed theirs in first: fine
    }
    return { libsDir: LIBS_DIR, version, fetched: true };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------
// Minimal Kafka wire-protocol probe (ApiVersions v0 + Metadata), so readiness
// is "the broker answers Kafka requests and lists itself", not just "TCP open".

function kafkaRequest(sock, apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from('broker.mjs-probe');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const payload = Buffer.concat([header, clientId, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  sock.write(Buffer.concat([size, payload]));
}

function readResponses(sock) {
  let buf = Buffer.alloc(0);
  const waiters = [];
  const queue = [];
  let failure = null;
  const flush = () => {
    while (waiters.length && (queue.length || failure)) {
      const w = waiters.shift();
      if (queue.length) w.resolve(queue.shift());
      else w.reject(failure);
    }
  };
  sock.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      const n = buf.readInt32BE(0);
      queue.push(buf.subarray(4, 4 + n));
      buf = buf.subarray(4 + n);
    }
    flush();
  });
  const fail = (e) => {
    failure = failure || e;
    flush();
  };
  sock.on('error', fail);
  sock.on('close', () => fail(new Error('connection closed')));
  return () => new Promise((resolve, reject) => {
    waiters.push({ resolve, reject });
    flush();
  });
}

/**
 * Ask a broker for its API versions and metadata.
 * @returns {Promise<{ apiVersions: Map<number,{min:number,max:number}>, brokers: {nodeId:number,host:string,port:number}[] }>}
 */
export function probeBroker(brokers, timeoutMs = 3000) {
  const [host, portStr] = String(brokers).split(',')[0].split(':');
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port: Number(portStr) });
    const timer = setTimeout(() => sock.destroy(new Error('probe timed out')), timeoutMs);
    const next = readResponses(sock);
    const done = (err, val) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(val);
    };
    sock.once('connect', async () => {
      try {
        kafkaRequest(sock, 18, 0, 1, Buffer.alloc(0)); // ApiVersions v0
        let r = await next();
        let o = 4; // correlation id
        const err = r.readInt16BE(o); o += 2;
        if (err !== 0) throw new Error(`ApiVersions error ${err}`);
        const apiVersions = new Map();
        for (let n = r.readInt32BE(o), i = (o += 4, 0); i < n; i++, o += 6) {
          apiVersions.set(r.readInt16BE(o), { min: r.readInt16BE(o + 2), max: r.readInt16BE(o + 4) });
        }
        const md = apiVersions.get(3);
        if (!md) throw new Error('broker does not list Metadata');
        const v = Math.min(Math.max(1, md.min), 8); // v1..v8: non-flexible encoding
        if (v > md.max) throw new Error(`no usable Metadata version (${md.min}..${md.max})`);
        const body = [Buffer.from([0xff, 0xff, 0xff, 0xff])]; // topics = null (all)
        if (v >= 4) body.push(Buffer.from([0])); // allow_auto_topic_creation=false
        if (v >= 8) body.push(Buffer.from([0, 0])); // include cluster/topic authorized ops
        kafkaRequest(sock, 3, v, 2, Buffer.concat(body));
        r = await next();
        o = 4;
        if (v >= 3) o += 4; // throttle_time_ms
        const out = [];
        for (let n = r.readInt32BE(o), i = (o += 4, 0); i < n; i++) {
          const nodeId = r.readInt32BE(o); o += 4;
          const hl = r.readInt16BE(o); o += 2;
          const h = r.toString('utf8', o, o + hl); o += hl;
          const port = r.readInt32BE(o); o += 4;
          const rl = r.readInt16BE(o); o += 2 + Math.max(rl, 0);
          out.push({ nodeId, host: h, port });
        }
        done(null, { apiVersions, brokers: out });
      } catch (e) {
        done(e);
      }
    });
    sock.once('error', (e) => done(e));
  });
}

// ---------------------------------------------------------------------------

function serverProperties({ port, controllerPort, dataDir }) {
  return `# written by scripts/kafka/broker.mjs
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${path.join(dataDir, 'kraft-logs')}

num.partitions=1
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# small footprint for tests (2 cores)
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1
log.segment.bytes=16777216
log.index.size.max.bytes=1048576
log.retention.hours=1
log.retention.check.interval.ms=300000
`;
}

function log4j2Xml(dataDir) {
  const file = path.join(dataDir, 'server.log').replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="${file}">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Root level="INFO"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
`;
}

function javaBin() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start a single-node KRaft broker.
 * @param {object} [opts]
 * @param {number} [opts.port]       PLAINTEXT port on 127.0.0.1 (default: a free port)
 * @param {string} [opts.dataDir]    data/config/log dir (default: new temp dir under os.tmpdir())
 * @param {boolean} [opts.keepDataDir] keep dataDir on stop (default: keep only if the caller passed dataDir)
 * @param {number} [opts.timeoutMs]  readiness timeout (default 60 s)
 * @returns {Promise<{ brokers: string, port: number, dataDir: string, pid: number, logFile: string, stop: () => Promise<void> }>}
 */
export async function startBroker({ port, dataDir, keepDataDir, timeoutMs = 60_000 } = {}) {
  const { libsDir, version } = fetchJars();
  const ownDir = !dataDir;
  dataDir = path.resolve(dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'passkey-pulse-kafka-')));
  keepDataDir ??= !ownDir;
  fs.mkdirSync(dataDir, { recursive: true });

  // A reused, already formatted dataDir must keep its controller port
  // (it is part of the static quorum) and cluster id.
  const stateFile = path.join(dataDir, 'broker-state.json');
  let state = {};
  const formatted = fs.existsSync(path.join(dataDir, 'kraft-logs', 'meta.properties'));
  if (formatted) {
    try { state = JSON.parse(fs.readFileSync(stateFile, 'utf8')); } catch { /* fresh */ }
  }
  port = Number(port) || state.port || (await freePort());
  let controllerPort = state.controllerPort || (await freePort());
  if (controllerPort === port) controllerPort = await freePort();
  const clusterId = state.clusterId || newClusterId();
  fs.writeFileSync(stateFile, JSON.stringify({ version, port, controllerPort, clusterId }, null, 2) + '\n');

  const propsFile = path.join(dataDir, 'server.properties');
  const log4jFile = path.join(dataDir, 'log4j2.xml');
  const logFile = path.join(dataDir, 'server.log');
  const stdoutFile = path.join(dataDir, 'stdout.log');
  fs.writeFileSync(propsFile, serverProperties({ port, controllerPort, dataDir }));
  fs.writeFileSync(log4jFile, log4j2Xml(dataDir));

  const cp = path.join(libsDir, '*');
  const jvm = [
    '-Xms256m', '-Xmx512m',
    '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss512k',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    `-Dkafka.logs.dir=${dataDir}`,
    // extra JVM flags, e.g. KAFKA_JVM_OPTS='-Xmx1g' (later flags win)
    ...(process.env.KAFKA_JVM_OPTS ?? '').split(/\s+/).filter(Boolean),
    '-cp', cp,
  ];

  const cleanup = () => {
    if (!keepDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };

  if (!formatted) {
    const r = spawnSync(javaBin(), [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile],
      { encoding: 'utf8' });
    if (r.status !== 0) {
      cleanup();
      throw new Error(`kafka-storage format failed (exit ${r.status}): ${r.error?.message ?? ''}\n${r.stdout}\n${r.stderr}`);
    }
  }

  const out = fs.openSync(stdoutFile, 'a');
  const child = spawn(javaBin(), [...jvm, 'kafka.Kafka', propsFile], {
    cwd: dataDir,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.once('error', (e) => {
      exited = { code: null, signal: null, error: e };
      resolve(exited);
    });
  });

  // Watchdog: if this Node process dies without calling stop() (even by
  // SIGKILL), the pipe's write end closes, `read` returns and the broker is
  // killed. Own process group so a Ctrl-C of the terminal doesn't kill it first.
  // It also removes the temp dataDir ($2, empty when it is to be kept).
  const watchdog = spawn('/bin/sh', ['-c',
    'read _ ; kill -TERM "$1" 2>/dev/null || exit 0; i=0; ' +
    'while [ $i -lt 15 ] && kill -0 "$1" 2>/dev/null; do sleep 1; i=$((i+1)); done; ' +
    'kill -KILL "$1" 2>/dev/null; sleep 1; [ -n "$2" ] && rm -rf -- "$2"; exit 0',
    'kafka-watchdog', String(child.pid), keepDataDir ? '' : dataDir],
  { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  watchdog.on('error', () => {});
  watchdog.stdin.on('error', () => {});
  watchdog.unref();
  watchdog.stdin.unref?.();
  watchdog._handle?.unref?.();

  const onExit = () => { if (!exited) child.kill('SIGKILL'); };
  process.once('exit', onExit);

  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit);
      if (!exited) {
        child.kill('SIGTERM');
        const t = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 15_000);
        await exitPromise;
        clearTimeout(t);
      }
      try { process.kill(watchdog.pid, 'SIGKILL'); } catch { /* gone */ }
      watchdog.stdin.destroy();
      cleanup();
    })();
    return stopping;
  };

  const brokers = `127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    if (exited) {
      const msg = `Kafka broker exited during startup (${JSON.stringify(exited)}).\n` +
        `--- ${logFile} ---\n${tail(logFile)}\n--- ${stdoutFile} ---\n${tail(stdoutFile)}`;
      await stop();
      throw new Error(msg);
    }
    try {
      const md = await probeBroker(brokers, 2000);
      if (md.brokers.some((b) => b.port === port)) break;
      lastErr = new Error('metadata lists no broker yet');
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      const msg = `Kafka broker not ready on ${brokers} after ${timeoutMs} ms (${lastErr?.message}).\n` +
        `--- ${logFile} ---\n${tail(logFile)}`;
      await stop();
      throw new Error(msg);
    }
    await sleep(250);
  }

  return { brokers, port, dataDir, pid: child.pid, logFile, version, stop };
}

// ---------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.split('=', 2);
    const val = () => (inline !== undefined ? inline : argv[++i]);
    if (k === '--port') opts.port = Number(val());
    else if (k === '--data') opts.dataDir = val();
    else if (k === '--timeout') opts.timeoutMs = Number(val()) * 1000;
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  if (cmd === 'fetch') {
    const t0 = Date.now();
    const r = fetchJars();
    console.log(`Kafka ${r.version} jars ${r.fetched ? 'fetched' : 'already cached'} in ${r.libsDir} (${Date.now() - t0} ms)`);
    return;
  }
  if (cmd === 'start') {
    const t0 = Date.now();
    const b = await startBroker(parseArgs(rest));
    console.log(`KAFKA_BROKERS=${b.brokers}`);
    process.stderr.write(`[kafka] Kafka ${b.version} ready in ${Date.now() - t0} ms (pid ${b.pid}, data ${b.dataDir}, log ${b.logFile}); Ctrl-C to stop\n`);
    const keepAlive = setInterval(() => {}, 1 << 30);
    await new Promise((resolve) => {
      const onSig = (sig) => {
        process.stderr.write(`[kafka] ${sig}: stopping broker...\n`);
        resolve();
      };
      process.once('SIGINT', onSig);
      process.once('SIGTERM', onSig);
      process.once('SIGHUP', onSig);
    });
    await b.stop();
    clearInterval(keepAlive);
    process.stderr.write('[kafka] stopped\n');
    return;
  }
  console.error('usage: node scripts/kafka/broker.mjs fetch | start [--port 9092] [--data DIR] [--timeout SECONDS]');
  process.exitCode = 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e?.stack || e);
    process.exit(1);
  });
}
