// Row versions for the alert tables (ReplacingMergeTree keeps the highest): microsecond-scaled wall
// time, strictly increasing within the process, so two writes of one row in one millisecond still order.
import { formatTimestamp } from '../ingest/time.js'

let last = 0

export function nextVersion(now = Date.now()): number {
  last = Math.max(now * 1000, last + 1)
  return last
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' → epoch ms (ClickHouse DateTime64(3, 'UTC') text is UTC). */
export function parseChTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`)
}

export const chTime = formatTimestamp

export const isoTime = (ms: number): string => new Date(ms).toISOString()
