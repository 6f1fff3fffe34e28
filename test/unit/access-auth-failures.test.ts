// The brake on failed token checks (access/auth-failures.ts), with time passed in.
import { describe, expect, it } from 'vitest'
import { AuthFailureLimiter } from '../../access/auth-failures.js'

describe('AuthFailureLimiter', () => {
  const T0 = 1_000_000

  it('lets an address fail up to the limit, then refuses it until its window ends', () => {
    const l = new AuthFailureLimiter(20, 60_000)
    for (let i = 0; i < 19; i++) {
      expect(l.fail('a', T0 + i)).toBe(false)
      expect(l.retryAfter('a', T0 + i)).toBe(0)
    }
    expect(l.fail('a', T0 + 19)).toBe(true) // the 20th: reported once
    expect(l.retryAfter('a', T0 + 20)).toBe(60)
    expect(l.retryAfter('a', T0 + 30_500)).toBe(30)
    expect(l.retryAfter('a', T0 + 59_999)).toBe(1)
    expect(l.retryAfter('a', T0 + 60_000)).toBe(0)
    // A new window starts from zero.
    expect(l.fail('a', T0 + 60_001)).toBe(false)
    expect(l.retryAfter('a', T0 + 60_002)).toBe(0)
  })

  it('keeps addresses apart', () => {
    const l = new AuthFailureLimiter(3, 60_000)
    for (let i = 0; i < 3; i++) l.fail('a', T0)
    expect(l.retryAfter('a', T0)).toBeGreaterThan(0)
    expect(l.retryAfter('b', T0)).toBe(0)
  })

  it('failures spread over more than a window never reach the limit', () => {
    const l = new AuthFailureLimiter(3, 60_000)
    for (let i = 0; i < 10; i++) {
      l.fail('a', T0 + i * 30_000)
      if (i % 2 === 1) expect(l.retryAfter('a', T0 + i * 30_000)).toBe(0)
    }
  })

  it('stays bounded: ended windows go first, then the oldest addresses', () => {
    const l = new AuthFailureLimiter(2, 1_000, 100)
    for (let i = 0; i < 100; i++) l.fail(`old${i}`, T0)
    l.fail('new', T0 + 5_000) // every old window has ended
    expect(l.size).toBe(1)
    for (let i = 0; i < 99; i++) l.fail(`live${i}`, T0 + 5_000)
    l.fail('one more', T0 + 5_000)
    expect(l.size).toBeLessThanOrEqual(100)
    expect(l.retryAfter('one more', T0 + 5_000)).toBe(0)
  })
})
