// PULSE_CH_FREED_MEMORY_MS reaches the embedded engine's allocator (issue 7, worker memory): the option is
// only read when chDB is loaded, so openStore must set it before the first require, and never override an
// operator's own JE_MALLOC_CONF. Each case runs in a fresh process, as the engine loads once per process.
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../core/config.js'

const STORE = pathToFileURL(join(import.meta.dirname, '../../store/clickhouse.ts')).href
const CONFIG = pathToFileURL(join(import.meta.dirname, '../../core/config.ts')).href

/** Opens an embedded store in a child process and prints JE_MALLOC_CONF as the engine saw it at load. */
function allocatorConfSeen(env: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-alloc-'))
  const code = `
    const { openStore } = await import(${JSON.stringify(STORE)})
    const { loadConfig } = await import(${JSON.stringify(CONFIG)})
    const store = openStore(loadConfig(process.env).clickhouse, ${JSON.stringify(dir)})
    const r = await store.client.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' })
    if ((await r.json())[0].one !== 1) throw new Error('engine did not answer')
    await store.close()
    process.stdout.write(String(process.env.JE_MALLOC_CONF))`
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'JE_MALLOC_CONF' && k !== 'PULSE_CH_FREED_MEMORY_MS')) as Record<string, string>
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 })
}

describe('embedded allocator setting', () => {
  it('parses PULSE_CH_FREED_MEMORY_MS and refuses a bad value with a sentence', () => {
    expect(loadConfig({}).clickhouse.freedMemoryMs).toBeUndefined()
    expect(loadConfig({ PULSE_CH_FREED_MEMORY_MS: '250' }).clickhouse.freedMemoryMs).toBe(250)
    expect(() => loadConfig({ PULSE_CH_FREED_MEMORY_MS: '-1' })).toThrow(/PULSE_CH_FREED_MEMORY_MS must be an integer/)
  })

  it('hands the setting to the engine before it loads, and leaves the engine default alone when unset', () => {
    expect(allocatorConfSeen({ PULSE_CH_FREED_MEMORY_MS: '0' })).toBe('dirty_decay_ms:0')
    expect(allocatorConfSeen({})).toBe('undefined')
  }, 120_000)

  it("never overrides an operator's JE_MALLOC_CONF", () => {
    expect(allocatorConfSeen({ PULSE_CH_FREED_MEMORY_MS: '0', JE_MALLOC_CONF: 'dirty_decay_ms:2000' })).toBe('dirty_decay_ms:2000')
  }, 120_000)
})
