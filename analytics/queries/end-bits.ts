// has(t) (SPEC §2) at the ends of a period's buckets, as the bits of one integer per user: no per-user interval
// arrays built, joined and searched once per (user, bucket). Bucket i of a period covers its days [start_i, E_i),
// E_i its end cut to the period end (so E_{n-1} = {to_day}); the ends are midnights, so for a time x,
// "E_i <= x" is "E_i <= toDate(x)" and an interval (s, e] holds exactly the ends with bits
// [#{E <= date(s)}, #{E <= date(e)}). Every source of evidence is then a few bit operations per row, ORed per
// user by one aggregation (the caller's, together with the users' active buckets).
import { type DayBucket } from './common.js'
import { type MatView } from './materialized.js'

const DAY_MS = 86_400_000
/** The first registration's interval never ends (as in passkey-state.ts). */
const NEVER = `toDateTime64('2200-01-01 00:00:00', 3, 'UTC')`
/** Bit widths: the mask type is the narrowest with room for bit n (so 1 << n never overflows). */
const WIDTHS = [64, 128, 256] as const
/** The most buckets a mask holds (bit 255 of a UInt256 is the widest, with room for 1 << n); longer series take the interval path. */
export const MAX_END_BITS = 255

/** 'period': one bucket, the whole period (the total alone). */
export type EndBucket = DayBucket | 'period'

/** A bucket's index of a Date (or Date32) expression `d` within the period, and bucket i's first day. */
const BUCKETS: Record<EndBucket, { index: (d: string) => string; start: (i: string) => string }> = {
  period: { index: () => '0', start: () => '{from_day:Date}' },
  day: { index: (d) => `dateDiff('day', {from_day:Date}, ${d})`, start: (i) => `{from_day:Date} + ${i}` },
  week: { index: (d) => `intDiv(dateDiff('day', toMonday({from_day:Date}), toMonday(${d})), 7)`, start: (i) => `toMonday({from_day:Date}) + 7 * ${i}` },
  month: { index: (d) => `dateDiff('month', toStartOfMonth({from_day:Date}), toStartOfMonth(${d}))`, start: (i) => `addMonths(toStartOfMonth({from_day:Date}), ${i})` },
}

const mondayMs = (ms: number): number => ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS

/** The number of buckets of the days [fromDay, toDay) ('YYYY-MM-DD'): 0 when there is no day. */
export function bucketCount(b: EndBucket, fromDay: string, toDay: string): number {
  const first = Date.parse(fromDay)
  const last = Date.parse(toDay) - DAY_MS
  if (last < first) return 0
  if (b === 'period') return 1
  if (b === 'day') return (last - first) / DAY_MS + 1
  if (b === 'week') return (mondayMs(last) - mondayMs(first)) / (7 * DAY_MS) + 1
  const a = new Date(first)
  const z = new Date(last)
  return (z.getUTCFullYear() - a.getUTCFullYear()) * 12 + z.getUTCMonth() - a.getUTCMonth() + 1
}

/** SQL pieces over the n bucket ends of a period (parameters {from_day:Date} and {to_day:Date}). */
export interface EndBits {
  n: number
  /** The mask type, e.g. UInt64. */
  type: string
  zero: string
  /** The bit of bucket i (an integer expression). */
  bit: (i: string) => string
  /** Whether mask `x` has bit i. */
  has: (x: string, i: string) => string
  /** The bit of the bucket of a day of the period (a Date expression). */
  dayBit: (day: string) => string
  /** #{E_i <= y}: the number of ends on or before a day (a Date32 expression). */
  upTo: (y: string) => string
  /** The bits of the ends in (s, e] (DateTime64 expressions, s <= e). */
  between: (s: string, e: string) => string
  /** Bucket i's first day as the series names it ('YYYY-MM-DD 00:00:00'). */
  label: (i: string) => string
}

/** The ends of `n` buckets (n from bucketCount, 1..MAX_END_BITS). */
export function endBits(b: EndBucket, n: number): EndBits {
  const type = `UInt${WIDTHS.find((w) => n < w)}`
  const bit = (i: string) => `bitShiftLeft(to${type}(1), ${i})`
  // #{E_i <= y} for a Date32 y: none before the period, all from its end, else y's bucket (ends before it).
  // Typed: the branches' types differ (and a Variant cannot be shifted).
  const upTo = (y: string) => `toUInt16(if(${y} < {from_day:Date}, 0, if(${y} >= {to_day:Date}, ${n}, ${BUCKETS[b].index(y)})))`
  return {
    n,
    type,
    zero: `to${type}(0)`,
    bit,
    // bitTest takes no big integers.
    has: (x, i) => (type === 'UInt64' ? `bitTest(${x}, ${i})` : `bitAnd(bitShiftRight(${x}, ${i}), to${type}(1)) = 1`),
    dayBit: (day) => bit(`toUInt16(${BUCKETS[b].index(day)})`),
    upTo,
    // Bits [lo, hi) = 2^hi - 2^lo (the subtraction is signed: cast back).
    between: (s, e) => `to${type}(${bit(upTo(`toDate32(${e})`))} - ${bit(upTo(`toDate32(${s})`))})`,
    label: (i) => `toString(toDateTime(${BUCKETS[b].start(i)}, 'UTC'))`,
  }
}

/**
 * Rows (uid, hm) of every user with passkey evidence before {to_day}: ORed per user, hm has bucket i's bit iff
 * has(E_i). B(t) from the run's snapshot intervals (with a run) and from each row of user_passkey_days from
 * {ev_from_day} on (the first day the snapshot may lack; without a run, the first whose logins reach into the
 * period): a day's logins make (first, last + look-back] (rows of one day overlap, the look-back being at least a
 * day, so their union is the day's interval). A(t) from the registrations and removals: the state the events
 * before the period leave, up to the first event in it, then each registration in it up to the next event.
 * Parameters: tenant, lookback, from_day, to_day, ev_from_day, and st_gen with a run.
 */
export function hasBitsRowsSql(e: EndBits, view: MatView | null, o: { passkeyDays: boolean }): string {
  const F = `toDateTime64({from_day:Date}, 3, 'UTC')`
  const parts: string[] = []
  if (view) {
    parts.push(`
      SELECT uid, arrayFold((acc, iv) -> bitOr(acc, ${e.between('iv.1', 'iv.2')}), ivs, ${e.zero}) AS hm
      FROM passkey_snapshot
      WHERE tenant = {tenant:String} AND lookback = {lookback:UInt32} AND gen = {st_gen:UInt64}`)
  }
  if (o.passkeyDays) {
    parts.push(`
      SELECT uid, ${e.between('assumeNotNull(pk_first)', 'assumeNotNull(pk_last) + toIntervalDay({lookback:UInt32})')} AS hm
      FROM user_passkey_days
      WHERE tenant = {tenant:String} AND day >= {ev_from_day:Date} AND day < {to_day:Date} AND pk_first IS NOT NULL`)
  }
  // Events sort by (ts, registered): a removal at a registration's instant comes first, so it does not cancel it.
  // Before the period every event falls before the first end: only the last one matters, until the period's first.
  const firstIn = `if(countIf(ts >= ${F}) = 0, ${e.n}, ${e.upTo(`toDate32(minIf(ts, ts >= ${F}))`)})`
  parts.push(`
      SELECT uid, bitOr(
               if(argMaxIf(registered, (ts, registered), ts < ${F}) = 1, to${e.type}(${e.bit(firstIn)} - 1), ${e.zero}),
               arrayFold((acc, x, nx) -> if(x.2 = 1, bitOr(acc, ${e.between('x.1', 'nx.1')}), acc),
                         arraySort(groupArrayIf((ts, registered), ts >= ${F})) AS evs,
                         arrayResize(arrayPushBack(arrayPopFront(evs), (${NEVER}, toUInt8(0))), length(evs)), ${e.zero})) AS hm
      FROM user_passkey_changes
      WHERE tenant = {tenant:String} AND ts < toDateTime64({to_day:Date}, 3, 'UTC')
      GROUP BY uid`)
  return parts.join('\n      UNION ALL')
}
