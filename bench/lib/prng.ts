// A seeded PRNG (mulberry32): the benchmarks must produce identical bytes on every run so that runs
// are comparable. No Math.random, no clock anywhere in the generators.
export class Prng {
  private s: number

  constructor(seed: number) {
    this.s = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }

  /** Index drawn from a Zipf-like law over n items (item 0 most frequent): real traffic repeats a few UAs. */
  zipf(n: number, s = 1.1): number {
    // Inverse-CDF on a continuous approximation: cheap, and deterministic like the rest.
    const u = this.next()
    const h = (x: number) => (Math.pow(x, 1 - s) - 1) / (1 - s)
    const total = h(n + 1)
    const x = Math.pow(u * total * (1 - s) + 1, 1 / (1 - s))
    return Math.min(n - 1, Math.max(0, Math.floor(x) - 1))
  }

  /** A hex string of `len` digits. */
  hex(len: number): string {
    let out = ''
    while (out.length < len) out += (this.int(0x100000000) >>> 0).toString(16).padStart(8, '0')
    return out.slice(0, len)
  }

  uuid(): string {
    const h = this.hex(32)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
  }
}
