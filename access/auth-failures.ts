// Brute-force brake (SPEC §5): counts failed token checks per client address in a fixed one-minute
// window. Once an address reaches the limit, every request of it that presents a token is refused
// until the window ends, the right token included: otherwise a 200 among the 429s would still tell
// a guesser it found one. Successful checks neither count nor reset the count.

export class AuthFailureLimiter {
  private readonly byKey = new Map<string, { count: number; windowEnd: number }>()

  constructor(
    private readonly max = 20,
    private readonly windowMs = 60_000,
    /** Addresses remembered at once; past this, windows that ended go first, then the oldest. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Whole seconds until `key` may present a token again; 0 when it may now. */
  retryAfter(key: string, now = Date.now()): number {
    const e = this.byKey.get(key)
    if (!e || e.windowEnd <= now || e.count < this.max) return 0
    return Math.max(1, Math.ceil((e.windowEnd - now) / 1000))
  }

  /** Records a failure; true when this failure reached the limit (the moment to log it, once). */
  fail(key: string, now = Date.now()): boolean {
    let e = this.byKey.get(key)
    if (!e || e.windowEnd <= now) {
      if (!e && this.byKey.size >= this.maxKeys) this.evict(now)
      e = { count: 0, windowEnd: now + this.windowMs }
      this.byKey.set(key, e)
    }
    e.count++
    return e.count === this.max
  }

  get size(): number {
    return this.byKey.size
  }

  private evict(now: number): void {
    for (const [k, e] of this.byKey) if (e.windowEnd <= now) this.byKey.delete(k)
    // Still full: drop the oldest tenth (Map iterates in insertion order).
    if (this.byKey.size >= this.maxKeys) {
      let n = Math.ceil(this.maxKeys / 10)
      for (const k of this.byKey.keys()) {
        if (n-- <= 0) break
        this.byKey.delete(k)
      }
    }
  }
}
