// CSV of what a panel shows (RFC 4180 quoting; cells that a spreadsheet would run as formulas are neutralised)
// and the one way files reach the person: a temporary object URL clicked as a download.

export type Cell = string | number | boolean | null | undefined
export interface CsvTable { columns: string[]; rows: Cell[][] }

function cell(v: Cell): string {
  if (v === null || v === undefined) return ''
  let s = String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function toCsv(t: CsvTable): string {
  return [t.columns, ...t.rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}

/** Rows of objects as a table, columns in first-seen order. */
export function tableOf(rows: readonly Record<string, unknown>[], columns?: string[]): CsvTable {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))]
  return { columns: cols, rows: rows.map((r) => cols.map((c) => r[c] as Cell)) }
}

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function saveCsv(t: CsvTable, filename: string): void {
  saveBlob(new Blob([toCsv(t)], { type: 'text/csv;charset=utf-8' }), filename.endsWith('.csv') ? filename : `${filename}.csv`)
}
