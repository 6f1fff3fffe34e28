// The benchmark's own building blocks (issue 7): the vendor-event generator must repeat byte for byte
// (runs are comparable only then) and every event it makes must meet the real normalisers as intended;
// the statistics must be right, or every reported figure is wrong.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { entraSignIn, messageChunks } from '../../bench/lib/vendor-events.js'
import { latencySummary, median, percentile, spread } from '../../bench/lib/stats.js'
import { processEvent } from '../../ingest/pipeline.js'
import { nowTimestamp } from '../../ingest/time.js'

function digest(count: number, seed: number): string {
  const h = createHash('sha256')
  for (const chunk of messageChunks(count, 500, { seed })) for (const m of chunk) h.update(m.key).update(m.source).update(m.value)
  return h.digest('hex')
}

describe('bench vendor events', () => {
  it('gives the same bytes for the same seed, and other bytes for another seed', () => {
    expect(digest(3_000, 5)).toBe(digest(3_000, 5))
    expect(digest(3_000, 5)).not.toBe(digest(3_000, 6))
  })

  it('makes exactly the number of messages asked for, of all three vendors', () => {
    const sources = new Map<string, number>()
    let n = 0
    for (const chunk of messageChunks(2_001, 400, { seed: 1 })) for (const m of chunk) { n++; sources.set(m.source, (sources.get(m.source) ?? 0) + 1) }
    expect(n).toBe(2_001)
    expect([...sources.keys()].sort()).toEqual(['auth0', 'entra', 'okta'])
  })

  it('yields events the normalisers accept or ignore, and dead letters only for the deliberately truncated ones', () => {
    const at = nowTimestamp()
    const kinds = { accepted: 0, ignored: 0, rejected: 0 }
    const reasons = new Set<string>()
    for (const chunk of messageChunks(5_000, 1_000, { seed: 2, malformedEvery: 1_000 })) {
      for (const m of chunk) {
        let payload: unknown
        let parseError: string | undefined
        try { payload = JSON.parse(m.value) } catch (e) { payload = m.value; parseError = (e as Error).message }
        const f = processEvent({ payload, parseError, source: m.source, tenant: 't' }, at)
        kinds[f.kind]++
        if (f.kind === 'rejected') reasons.add(f.deadLetter.reason_code)
      }
    }
    expect(kinds.rejected).toBe(5)
    expect([...reasons]).toEqual(['invalid_json'])
    expect(kinds.ignored).toBeGreaterThan(0)
    expect(kinds.accepted).toBeGreaterThan(4_000)
  })

  it('makes Entra markers and triggers whose time and user are the ones asked for', () => {
    const ts = Date.UTC(2026, 10, 27, 12, 0, 0, 123)
    const f = processEvent({ payload: JSON.parse(entraSignIn('password_push', { email: 'a@b.example', tsMs: ts, id: 1 }).value), source: 'entra', tenant: 't' }, nowTimestamp())
    expect(f.kind).toBe('accepted')
    if (f.kind !== 'accepted') return
    expect(f.rows[0]).toMatchObject({ user_id: 'a@b.example', method: 'password', second_factor: 'push', ts: '2026-11-27 12:00:00.123' })
    const p = processEvent({ payload: JSON.parse(entraSignIn('passkey', { email: 'a@b.example', tsMs: ts, id: 2 }).value), source: 'entra', tenant: 't' }, nowTimestamp())
    expect(p.kind === 'accepted' && p.rows[0]!.method).toBe('passkey')
  })
})

describe('bench stats', () => {
  it('computes nearest-rank percentiles, medians and spreads', () => {
    const xs = [5, 1, 4, 2, 3, 6, 8, 7, 10, 9]
    expect(percentile(xs, 50)).toBe(5)
    expect(percentile(xs, 95)).toBe(10)
    expect(percentile(xs, 10)).toBe(1)
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 2, 3])).toBe(2.5)
    expect(spread([3, 9, 6])).toEqual({ median: 6, min: 3, max: 9, n: 3 })
    expect(latencySummary([]).p95).toBeNaN()
  })
})
