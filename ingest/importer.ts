// Backfill from files: JSON (an array, or one object), NDJSON, or CSV with a header row (native only).
// Reads as a stream, hands the pipeline chunks of raw events, and reports progress in bytes read.
import { createReadStream, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { createInterface } from 'node:readline'
import { parse as parseCsv } from 'csv-parse'
import { ERR_INPUT_UNREADABLE } from '../core/errors.js'
import type { RawEvent } from './fate.js'
import { addSummary, emptySummary, type IngestService, type IngestSummary } from './service.js'

export type FileFormat = 'json' | 'ndjson' | 'csv'

export interface ImportOptions {
  source: string
  tenant: string
  format?: FileFormat
  chunkSize?: number
  onProgress?: (bytesRead: number, totalBytes: number, summary: IngestSummary) => void
}

interface Item { payload: unknown; parseError?: string }

export function formatOf(path: string): FileFormat | undefined {
  const ext = extname(path).toLowerCase()
  if (ext === '.json') return 'json'
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson'
  if (ext === '.csv') return 'csv'
  return undefined
}

// Numeric columns of the native shape: CSV carries text, the schema wants numbers (or null).
const CSV_NUMBERS = new Set(['privileged', 'phishing_resistant', 'latency_ms'])

function csvRecord(record: Record<string, string>): Item {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(record)) {
    if (CSV_NUMBERS.has(k)) out[k] = v === '' ? null : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v
    else out[k] = v
  }
  if (out.latency_ms === null) delete out.latency_ms
  return { payload: out }
}

async function* readItems(path: string, format: FileFormat, progress: { bytes: number }): AsyncGenerator<Item> {
  if (format === 'json') {
    const text = await readFile(path, 'utf8')
    progress.bytes = Buffer.byteLength(text)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      // V8's message quotes the start of the text; keep the sentence, not the file.
      const why = (err as Error).message.split('\n')[0]!.slice(0, 160)
      throw new ERR_INPUT_UNREADABLE(path, `not a JSON document (${why}); use --format ndjson for one event per line`)
    }
    for (const payload of Array.isArray(parsed) ? parsed : [parsed]) yield { payload }
    return
  }
  const stream = createReadStream(path)
  stream.on('data', (chunk) => { progress.bytes += chunk.length })
  if (format === 'csv') {
    const parser = stream.pipe(parseCsv({ columns: true, skip_empty_lines: true, bom: true, relax_column_count: false }))
    try {
      for await (const record of parser) yield csvRecord(record as Record<string, string>)
    } catch (err) {
      throw new ERR_INPUT_UNREADABLE(path, `invalid CSV: ${(err as Error).message}`)
    }
    return
  }
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    const t = line.trim()
    if (!t) continue
    try {
      yield { payload: JSON.parse(t) }
    } catch (err) {
      yield { payload: t, parseError: `not JSON: ${(err as Error).message}` }
    }
  }
}

export async function importFile(path: string, service: IngestService, opts: ImportOptions): Promise<IngestSummary> {
  let total: number
  try {
    const st = statSync(path)
    if (!st.isFile()) throw new Error('not a regular file')
    total = st.size
  } catch (err) {
    throw new ERR_INPUT_UNREADABLE(path, (err as Error).message)
  }
  const format = opts.format ?? formatOf(path)
  if (!format) throw new ERR_INPUT_UNREADABLE(path, 'unknown file type; name it .json, .ndjson, .jsonl or .csv, or pass --format')
  if (format === 'csv' && opts.source !== 'native') {
    throw new ERR_INPUT_UNREADABLE(path, 'CSV holds already-normalised events only: use --source native')
  }
  const chunkSize = opts.chunkSize ?? 10_000
  const summary = emptySummary()
  const progress = { bytes: 0 }
  let chunk: RawEvent[] = []
  const submit = async () => {
    const part = await service.ingest(chunk)
    // A backfill has nothing to wait for: write each chunk at once rather than on the batch timer.
    addSummary(summary, part)
    chunk = []
    opts.onProgress?.(progress.bytes, total, summary)
  }
  try {
    for await (const item of readItems(path, format, progress)) {
      chunk.push({ ...item, source: opts.source, tenant: opts.tenant })
      if (chunk.length >= chunkSize) await Promise.all([submit(), service.flush()])
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'PULSE_ERR_INPUT_UNREADABLE') throw err
    throw new ERR_INPUT_UNREADABLE(path, (err as Error).message)
  }
  if (chunk.length > 0) await Promise.all([submit(), service.flush()])
  // Flows whose final event is not in the file are stored as what their steps say.
  const unfinished = await service.drain()
  summary.stored += unfinished.stored
  summary.duplicates += unfinished.duplicates
  return summary
}
