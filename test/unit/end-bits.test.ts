// The number of buckets enrollment()'s masks hold (analytics/queries/end-bits.ts) must be the number of
// buckets the SQL numbers (day: days since the first; week: Mondays; month: months), for periods that cut
// weeks, months and years; and the mask type must leave room for bit n.
import { describe, expect, it } from 'vitest'
import { bucketCount, endBits, MAX_END_BITS } from '../../analytics/queries/end-bits.js'

describe('bucketCount', () => {
  it('counts days, Mondays and months of [from, to)', () => {
    expect(bucketCount('day', '2026-10-02', '2026-11-01')).toBe(30)
    expect(bucketCount('period', '2026-10-02', '2026-11-01')).toBe(1)
    // 2026-09-24 is a Thursday, 2026-10-26 a Monday: weeks of 09-21 … 10-26.
    expect(bucketCount('week', '2026-09-24', '2026-10-27')).toBe(6)
    expect(bucketCount('week', '2026-09-28', '2026-10-05')).toBe(1)
    expect(bucketCount('week', '2026-09-27', '2026-09-29')).toBe(2)
    expect(bucketCount('month', '2026-09-24', '2026-10-27')).toBe(2)
    expect(bucketCount('month', '2025-11-15', '2026-11-01')).toBe(12)
    expect(bucketCount('month', '2025-12-31', '2026-01-02')).toBe(2)
  })

  it('is 0 for a period without a whole day', () => {
    expect(bucketCount('day', '2026-10-02', '2026-10-02')).toBe(0)
    expect(bucketCount('period', '2026-10-02', '2026-10-02')).toBe(0)
  })
})

describe('endBits', () => {
  it('picks the narrowest type with room for 1 << n', () => {
    expect(endBits('day', 63).type).toBe('UInt64')
    expect(endBits('day', 64).type).toBe('UInt128')
    expect(endBits('day', 127).type).toBe('UInt128')
    expect(endBits('day', MAX_END_BITS).type).toBe('UInt256')
  })
})
