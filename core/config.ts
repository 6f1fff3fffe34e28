// All runtime settings in one place: environment variables with defaults, overridable by CLI flags.
// The README's configuration table lists the same names.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ERR_CONFIG } from './errors.js'

export interface ClickHouseConfig {
  /** Server URL; empty means embedded chDB under dataDir. */
  url: string
  username: string
  password: string
  database: string
  /** Engine memory cap in bytes: an out-of-memory inside embedded chDB takes the whole process down. */
  maxMemoryUsage: number
  /**
   * Embedded only: how long the engine's allocator keeps freed memory before returning it to the OS
   * (jemalloc dirty_decay_ms). Undefined = the engine's own 5 s.
   */
  freedMemoryMs?: number
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
  /** API access (SPEC §5): a configured admin secret, CORS origins (none: CORS off), auth-failure limit per IP. */
  access: { adminToken: string; corsOrigins: string[]; authFailuresPerMinute: number }
  /** JSON or YAML file of what no vendor field says (products, privileged groups, users, tenants). */
  mappingFile: string
  /** Alerting (SPEC §4, docs/ALERTS.md): channels of the default tenant from the environment, limits, timing. */
  alerts: AlertsConfig
  /** Vendor connectors and push hooks (connectors/, docs/CONNECTORS.md). */
  connectors: ConnectorsConfig
  /** Privacy controls (docs/PRIVACY.md): pseudonyms, IP truncation, retention of raw payloads and dead letters. */
  privacy: PrivacySettings
  /**
   * The materialized per-person passkey facts (analytics/materialize/passkey-facts.ts): how often the job runs
   * (0: never; queries then answer live), and how long before a run evidence may still have been in flight.
   */
  passkeyFacts: { intervalMs: number; marginMs: number }
}

type Env = Record<string, string | undefined>

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) throw new ERR_CONFIG(`${name} must be an integer ≥ ${min}, got "${raw}"`)
  return n
}

/** Exact origins (scheme://host[:port]) only: a wildcard or a path would widen CORS by mistake. */
function corsOrigins(raw: string): string[] {
  const list = raw.split(',').map((o) => o.trim()).filter(Boolean)
  for (const o of list) {
    if (!/^https?:\/\/[^/\s*]+$/.test(o)) throw new ERR_CONFIG(`PULSE_CORS_ORIGINS takes exact origins like https://pulse.example.com, got "${o}"`)
  }
  return list
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
      ...(env.PULSE_CH_FREED_MEMORY_MS ? { freedMemoryMs: int(env, 'PULSE_CH_FREED_MEMORY_MS', 0) } : {}),
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
    access: {
      adminToken: env.PULSE_ADMIN_TOKEN ?? '',
      corsOrigins: corsOrigins(env.PULSE_CORS_ORIGINS ?? ''),
      authFailuresPerMinute: int(env, 'PULSE_AUTH_FAILURES_PER_MINUTE', 20, 1),
    },
    mappingFile: env.PULSE_MAPPING_FILE ?? '',
    alerts: alertsConfig(env),
    connectors: connectorsConfig(env, dataDir, env.PULSE_DEFAULT_TENANT ?? 'default'),
    privacy: privacyConfig(env),
    passkeyFacts: {
      intervalMs: int(env, 'PULSE_PASSKEY_FACTS_INTERVAL_MS', 60_000),
      marginMs: int(env, 'PULSE_PASSKEY_FACTS_MARGIN_MS', 120_000),
    },
  }
}

/** Connectors: which run inside `start`, where their checkpoints live, how they poll, and the push hooks. */
export interface ConnectorsConfig {
  /** Vendors polled inside `start` (PULSE_CONNECTORS=okta,entra). */
  enabled: string[]
  /** Checkpoint files, one small JSON file per connector. */
  stateDir: string
  pollSeconds: number
  /** Where a connector with neither a checkpoint nor --since starts: this many hours ago. */
  lookbackHours: number
  /** Time-window connectors (Entra, Google, Atlassian) walk history in windows of this many hours. */
  windowHours: number
  /** Events per page asked of the vendor; 0 = the vendor's maximum. */
  pageSize: number
  /** HTTP attempts per request on 429, 5xx and network errors before a pass gives up. */
  maxAttempts: number
  /** First backoff delay when the vendor names none (doubles per attempt, with jitter). */
  backoffMs: number
  timeoutMs: number
  /** Push receivers on the collector: the Authorization value each vendor sends ('' = hook off), and the tenant. */
  hooks: { okta: HookConfig; auth0: HookConfig }
}

export interface HookConfig { authorization: string; tenant: string }

/** A secret from NAME, else from the file named by NAME_FILE (so it never has to sit in the environment). */
export function secretSetting(env: Env, name: string): string {
  const direct = env[name]
  if (direct) return direct
  const file = env[`${name}_FILE`]
  if (!file) return ''
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (err) {
    throw new ERR_CONFIG(`${name}_FILE names a file that cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
}

function connectorsConfig(env: Env, dataDir: string, defaultTenant: string): ConnectorsConfig {
  return {
    enabled: (env.PULSE_CONNECTORS ?? '').split(',').map((c) => c.trim()).filter(Boolean),
    stateDir: resolve(env.PULSE_CONNECTOR_STATE_DIR ?? join(dataDir, 'connectors')),
    pollSeconds: int(env, 'PULSE_CONNECTOR_POLL_SECONDS', 60, 1),
    lookbackHours: int(env, 'PULSE_CONNECTOR_LOOKBACK_HOURS', 24, 0),
    windowHours: int(env, 'PULSE_CONNECTOR_WINDOW_HOURS', 24, 1),
    pageSize: int(env, 'PULSE_CONNECTOR_PAGE_SIZE', 0, 0),
    maxAttempts: int(env, 'PULSE_CONNECTOR_MAX_ATTEMPTS', 8, 1),
    backoffMs: int(env, 'PULSE_CONNECTOR_BACKOFF_MS', 1_000, 1),
    timeoutMs: int(env, 'PULSE_CONNECTOR_TIMEOUT_MS', 60_000, 100),
    hooks: {
      okta: { authorization: secretSetting(env, 'PULSE_OKTA_HOOK_AUTHORIZATION'), tenant: env.PULSE_OKTA_HOOK_TENANT || defaultTenant },
      auth0: { authorization: secretSetting(env, 'PULSE_AUTH0_HOOK_AUTHORIZATION'), tenant: env.PULSE_AUTH0_HOOK_TENANT || defaultTenant },
    },
  }
}

export interface AlertsConfig {
  /** Signed JSON webhook and Slack incoming webhook of the default tenant ('' = none). */
  webhookUrl: string
  webhookSecret: string
  slackWebhookUrl: string
  /** Events older than this (a backfill, a replay) teach the passkey state but raise no alert. */
  maxEventAgeS: number
  /** Users held in the in-memory passkey state (least recently active evicted first). */
  stateMaxUsers: number
  /** How often the rate rules run (0 = not in this process). */
  rateEveryS: number
  /** Per-request timeout of a delivery, longest wait between retries, and the age at which one gives up. */
  deliveryTimeoutMs: number
  retryMaxS: number
  deliveryMaxAgeS: number
}

function alertsConfig(env: Env): AlertsConfig {
  return {
    webhookUrl: env.PULSE_ALERT_WEBHOOK_URL ?? '',
    webhookSecret: env.PULSE_ALERT_WEBHOOK_SECRET ?? '',
    slackWebhookUrl: env.PULSE_SLACK_WEBHOOK_URL ?? '',
    maxEventAgeS: int(env, 'PULSE_ALERT_MAX_EVENT_AGE_S', 86_400, 1),
    stateMaxUsers: int(env, 'PULSE_ALERT_STATE_MAX_USERS', 200_000, 1),
    rateEveryS: int(env, 'PULSE_ALERT_RATE_EVERY_S', 60),
    deliveryTimeoutMs: int(env, 'PULSE_ALERT_DELIVERY_TIMEOUT_MS', 10_000, 100),
    retryMaxS: int(env, 'PULSE_ALERT_RETRY_MAX_S', 300, 1),
    deliveryMaxAgeS: int(env, 'PULSE_ALERT_DELIVERY_MAX_AGE_S', 86_400, 60),
  }
}

export interface PrivacySettings {
  /** HMAC-SHA256 key of user pseudonyms; '' = user ids and e-mails stored as they come. */
  pseudonymizeSecret: string
  /** Store IPv4 addresses as /24 and IPv6 as /48. */
  ipTruncate: boolean
  /** Days after ingestion that auth_events.raw is emptied (0 = kept forever). */
  rawRetentionDays: number
  /** Days after receipt that dead letters are deleted (0 = kept forever). */
  deadLetterRetentionDays: number
}

/** A key shorter than this is guessable enough to undo pseudonyms by trying user ids. */
export const MIN_PSEUDONYMIZE_SECRET_LENGTH = 16

function privacyConfig(env: Env): PrivacySettings {
  const secret = secretSetting(env, 'PULSE_PSEUDONYMIZE_SECRET')
  if (secret && secret.length < MIN_PSEUDONYMIZE_SECRET_LENGTH) {
    throw new ERR_CONFIG(`PULSE_PSEUDONYMIZE_SECRET must be at least ${MIN_PSEUDONYMIZE_SECRET_LENGTH} characters (it keys the HMAC of every user id)`)
  }
  const truncate = (env.PULSE_IP_TRUNCATE ?? '').trim().toLowerCase()
  if (!['', 'on', 'off', 'true', 'false', '1', '0'].includes(truncate)) {
    throw new ERR_CONFIG(`PULSE_IP_TRUNCATE must be on or off, got "${env.PULSE_IP_TRUNCATE}"`)
  }
  return {
    pseudonymizeSecret: secret,
    ipTruncate: ['on', 'true', '1'].includes(truncate),
    rawRetentionDays: int(env, 'PULSE_RAW_RETENTION_DAYS', 0, 0),
    deadLetterRetentionDays: int(env, 'PULSE_DEAD_LETTER_RETENTION_DAYS', 0, 0),
  }
}
