// store/tsv.ts writes lines straight into a growing Buffer: the bytes must be those of the lines joined,
// whatever the rows' sizes and characters (the buffer grows past its first guess, multi-byte text at the edge).
import { describe, expect, it } from 'vitest'
import { encodeTabSeparated, tabSeparatedLines } from '../../store/tsv.js'

const esc = (v: unknown): string => (v === null ? '\\N' : typeof v === 'string' ? v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : String(v))
const reference = (rows: Record<string, unknown>[], cols: string[]): Buffer =>
  Buffer.from(rows.map((r) => `${cols.map((c) => esc(r[c])).join('\t')}\n`).join(''), 'utf8')

describe('encodeTabSeparated', () => {
  it('gives the bytes of the joined lines for rows far larger than its first buffer, multi-byte text included', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      a: `${'é'.repeat(i * 997)}🔑${'x'.repeat(i * 311)}`, b: i % 3 === 0 ? null : i, c: `t\tn\nr\r\\${'ü'.repeat(5000)}`,
    }))
    const body = encodeTabSeparated(rows, ['a', 'b', 'c'])
    expect(body.length).toBeGreaterThan(64 * 1024 * 4)
    expect(body.equals(reference(rows, ['a', 'b', 'c']))).toBe(true)
  })

  it('fills its first guess to the byte without cutting a line (rows of exactly the guessed size)', () => {
    // 2,048 bytes per row is the first guess; rows of 2,047 characters + a newline land on its edge.
    for (const extra of [-2, -1, 0, 1, 2]) {
      const rows = Array.from({ length: 32 }, (_, i) => ({ a: `${String(i).padStart(4, '0')}${'€'.repeat(Math.max(0, 681 + extra))}` }))
      expect(encodeTabSeparated(rows, ['a']).equals(reference(rows, ['a']))).toBe(true)
    }
  })

  it('writes nothing for no rows, and a one-column table of escaped ids', () => {
    expect(encodeTabSeparated([], ['a']).length).toBe(0)
    expect(tabSeparatedLines(['a\tb', 'c\\', 'd'])).toBe('a\\tb\nc\\\\\nd')
  })
})
