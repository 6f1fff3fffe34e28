// All runtime settings in one place: environment variables with defaults, overridable by CLI flags.
// The README's configuration table lists the same names.
import { resolve } from 'node:path'
import { ERR_CONFIG } from './errors.js'

export interface ClickHouseConfig {
  /** Server URL; empty means embedded chDB under dataDir. */
  url: string
  username: string
  password: string
  database: string
  /** Engine memory cap in bytes: an out-of-memory inside embedded chDB takes the whole process down. */
  maxMemoryUsage: number
}

export interface KafkaConfig {
  /** Comma-separated broker list; empty means embedded mode (no Kafka). */
  brokers: string[]
  clientId: string
  groupId: string
  rawTopic: string
  dlqTopic: string
  alertsTopic: string
}

export interface Config {
  dataDir: string
  clickhouse: ClickHouseConfig
  kafka: KafkaConfig
  batch: { maxRows: number; maxMs: number }
  http: { host: string; port: number; maxBodyBytes: number; maxEventsPerRequest: number }
  metricsPort: number
  defaultTenant: string
  ingestToken: string
  /** JSON or YAML file of what no vendor field says (products, privileged groups, users, tenants). */
  mappingFile: string
}

type Env = Record<string, string | undefined>

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) throw new ERR_CONFIG(`${name} must be an integer ≥ ${min}, got "${raw}"`)
  return n
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(env.PULSE_DATA_DIR ?? './data')
  return {
    dataDir,
    clickhouse: {
      url: env.CLICKHOUSE_URL ?? '',
      username: env.CLICKHOUSE_USER ?? 'default',
      password: env.CLICKHOUSE_PASSWORD ?? '',
      database: env.CLICKHOUSE_DATABASE ?? 'default',
      maxMemoryUsage: int(env, 'PULSE_CH_MAX_MEMORY', 4 * 1024 ** 3, 1),
    },
    kafka: {
      brokers: (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean),
      clientId: env.KAFKA_CLIENT_ID ?? 'passkey-pulse',
      groupId: env.KAFKA_GROUP_ID ?? 'passkey-pulse-ingest',
      rawTopic: env.KAFKA_RAW_TOPIC ?? 'auth-events.raw',
      dlqTopic: env.KAFKA_DLQ_TOPIC ?? 'auth-events.dlq',
      alertsTopic: env.KAFKA_ALERTS_TOPIC ?? 'auth-events.alerts',
    },
    batch: {
      maxRows: int(env, 'PULSE_BATCH_MAX_ROWS', 20_000, 1),
      maxMs: int(env, 'PULSE_BATCH_MAX_MS', 1_000, 1),
    },
    http: {
      host: env.HOST ?? '127.0.0.1',
      port: int(env, 'PORT', 8080),
      maxBodyBytes: int(env, 'PULSE_MAX_BODY_BYTES', 10 * 1024 * 1024, 1024),
      maxEventsPerRequest: int(env, 'PULSE_MAX_EVENTS_PER_REQUEST', 50_000, 1),
    },
    metricsPort: int(env, 'PULSE_METRICS_PORT', 9464),
    defaultTenant: env.PULSE_DEFAULT_TENANT ?? 'default',
    ingestToken: env.PULSE_INGEST_TOKEN ?? '',
    mappingFile: env.PULSE_MAPPING_FILE ?? '',
  }
}
