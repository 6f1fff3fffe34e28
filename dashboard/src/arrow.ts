// Arrow IPC answers (ClickHouse ArrowStream through the API) as plain rows. ClickHouse may send String columns
// as Arrow Binary, sends DateTime as UInt32 seconds and 64-bit integers as BigInt: all are normalised here so
// a chart cannot tell Arrow rows from JSON rows. apache-arrow reads uncompressed IPC only: the API must answer
// with output_format_arrow_compression_method = 'none' (ClickHouse compresses with LZ4 by default).
import { tableFromIPC, type Table } from 'apache-arrow'

const decoder = new TextDecoder()

function plain(v: unknown): string | number | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'number' || typeof v === 'string') return v
  if (v instanceof Uint8Array) return decoder.decode(v)
  if (v instanceof Date) return timeText(v.getTime())
  return String(v)
}

/**
 * A time as ClickHouse prints it. DateTime arrives as UInt32 seconds, DateTime64 and Date as Arrow timestamps
 * or dates (milliseconds): below 1e11 it can only be seconds (1e11 ms is 1973).
 */
const timeText = (n: number): string => new Date(n < 1e11 ? n * 1000 : n).toISOString().slice(0, 19).replace('T', ' ')

/** Columns as named fields; `timeColumns` (epoch values) become 'YYYY-MM-DD HH:MM:SS' like the JSON answers. */
export function rowsOf(t: Table, timeColumns: readonly string[] = []): Record<string, string | number | null>[] {
  const names = t.schema.fields.map((f) => f.name)
  const cols = names.map((n) => t.getChild(n)!)
  const isTime = names.map((n, i) => timeColumns.includes(n) || /^Timestamp|^Date/.test(String(t.schema.fields[i]!.type)))
  const out: Record<string, string | number | null>[] = new Array(t.numRows)
  for (let r = 0; r < t.numRows; r++) {
    const row: Record<string, string | number | null> = {}
    for (let c = 0; c < names.length; c++) {
      const v = cols[c]!.get(r) as unknown
      row[names[c]!] = isTime[c] && (typeof v === 'number' || typeof v === 'bigint') ? timeText(Number(v)) : plain(v)
    }
    out[r] = row
  }
  return out
}

export const decodeArrow = (bytes: ArrayBuffer | Uint8Array): Table => tableFromIPC(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))
