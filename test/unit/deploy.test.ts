// The distributed shape described in docker-compose.yml stays consistent with the code: the services
// exist, their commands are real CLI commands, and every variable they set is one the code reads.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { PROJECT_ROOT } from '../../core/paths.js'

const read = (p: string) => readFileSync(join(PROJECT_ROOT, p), 'utf8')
interface Service { command?: string[]; environment?: Record<string, string>; image?: string; build?: string }
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> }
const cliSource = read('cli/index.ts')
const readsEnv = (name: string) =>
  ['core/config.ts', 'core/logger.ts', 'ingest/kafka/client.ts', 'ingest/kafka/worker.ts'].some((f) => read(f).includes(`env.${name}`))

describe('docker-compose.yml', () => {
  it('has Kafka, ClickHouse, migrations, ingest workers and the analytics service', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['analytics', 'clickhouse', 'ingest', 'kafka', 'migrate'])
  })

  it.each(['migrate', 'ingest', 'analytics'])('%s runs a real passkey-pulse command with variables the code reads', (name) => {
    const s = compose.services[name]!
    expect(s.build).toBe('.')
    const command = s.command![0]!
    expect(cliSource).toMatch(new RegExp(`\\b${command}Command\\b`))
    for (const variable of Object.keys(s.environment ?? {})) expect(readsEnv(variable), variable).toBe(true)
  })

  it('points the services at the Kafka and ClickHouse of the same file', () => {
    const env = compose.services.ingest!.environment!
    expect(env.KAFKA_BROKERS).toBe('kafka:9092')
    expect(env.CLICKHOUSE_URL).toBe('http://clickhouse:8123')
  })
})
