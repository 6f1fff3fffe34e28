// Runs one connector: pages from every stream → the sink (the same one the collector writes to) →
// checkpoint, in that order, so a checkpoint never gets ahead of what is durable and a restart
// re-fetches at most the page it was working on. Streams take turns one page at a time (a long
// sign-in backfill does not starve the audit stream). A pass ends when every stream is caught up;
// `once` stops there, otherwise the next pass starts after the poll interval.
//
// Errors: bad credentials end the run (nothing will get better by retrying). A malformed page, a
// request that kept failing, or a sink that refused the events end a `once` run; a long-running one
// logs them, counts them, waits a poll interval and tries the same page again. Either way the
// checkpoint stays before the page that failed.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../core/logger.js'
import { connectorErrors, connectorEventsFetched, connectorLag, connectorPages } from '../core/metrics.js'
import type { EventSink } from '../ingest/collector.js'
import type { RawEvent } from '../ingest/fate.js'
import type { Checkpoint, CheckpointFile, StreamCheckpoint } from './checkpoints.js'
import type { Connector, Stream } from './types.js'

export interface RunnerOptions {
  connector: Connector
  /** Checkpoint and metrics name (the vendor unless several instances run). */
  name: string
  sink: EventSink
  tenant: string
  checkpoints: CheckpointFile
  log: Logger
  /** Backfill start (epoch ms): a new --since restarts from there, the same one resumes. */
  since?: number
  /** Where a connector with neither checkpoint nor --since starts, back from now. */
  lookbackMs: number
  once: boolean
  pollMs: number
  signal: AbortSignal
  onProgress?: (p: { startMs: number; positionMs: number; events: number }) => void
}

export interface RunSummary {
  events: number
  pages: number
  passes: number
  /** Epoch ms the run started from (checkpoint position, --since or the look-back). */
  startMs: number
}

function errorKind(err: unknown): string {
  const code = (err as { code?: string }).code ?? ''
  if (code === 'PULSE_ERR_CONNECTOR_AUTH') return 'auth'
  if (code === 'PULSE_ERR_CONNECTOR_PAGE') return 'page'
  if (code === 'PULSE_ERR_CONNECTOR_HTTP') return 'http'
  return 'other'
}

const isAbort = (err: unknown) => (err as Error).name === 'AbortError'

/** Stream states to start from: the checkpoint's when it belongs to this start, else fresh ones. */
function startingPoint(o: RunnerOptions, cp: Checkpoint | null): { origin: string; streams: Map<Stream, StreamCheckpoint>; startMs: number } {
  const sinceIso = o.since !== undefined ? new Date(o.since).toISOString() : undefined
  const resume = cp !== null && (sinceIso === undefined || cp.origin === sinceIso)
  const fresh = o.since ?? Date.now() - o.lookbackMs
  const streams = new Map<Stream, StreamCheckpoint>()
  for (const s of o.connector.streams) {
    const saved = resume ? cp!.streams[s.name] : undefined
    // A stream new to this version starts where the others began.
    streams.set(s, saved ?? { cursor: s.initial(fresh), position: fresh })
  }
  const startMs = Math.min(...[...streams.values()].map((v) => v.position))
  return { origin: resume ? cp!.origin : sinceIso ?? `lookback:${new Date(fresh).toISOString()}`, streams, startMs }
}

export async function runConnector(o: RunnerOptions): Promise<RunSummary> {
  const { connector, name, log, signal } = o
  const labels = { connector: name }
  o.checkpoints.lock()
  try {
    const start = startingPoint(o, o.checkpoints.load())
    const state = start.streams
    const summary: RunSummary = { events: 0, pages: 0, passes: 0, startMs: start.startMs }
    log.info({ connector: name, from: new Date(start.startMs).toISOString(), once: o.once }, 'connector starting')
    const save = () => {
      const streams: Record<string, StreamCheckpoint> = {}
      for (const [s, v] of state) streams[s.name] = v
      o.checkpoints.save({ version: 1, vendor: connector.vendor, origin: start.origin, streams, updatedAt: new Date().toISOString() })
    }
    const report = () => {
      const position = Math.min(...[...state.values()].map((v) => v.position))
      connectorLag.set(labels, Math.max(0, (Date.now() - position) / 1000))
      o.onProgress?.({ startMs: start.startMs, positionMs: position, events: summary.events })
    }

    const pass = async () => {
      if (connector.preflight && summary.passes === 0) await connector.preflight(signal)
      const pending = new Set(connector.streams)
      while (pending.size > 0 && !signal.aborted) {
        for (const stream of [...pending]) {
          if (signal.aborted) break
          const page = await stream.fetchPage(state.get(stream)!.cursor, signal)
          summary.pages++
          connectorPages.inc(labels)
          if (page.events.length > 0) {
            const raws: RawEvent[] = page.events.map((payload) => ({ payload, source: connector.source, tenant: o.tenant }))
            try {
              await o.sink.accept(raws)
            } catch (err) {
              connectorErrors.inc({ ...labels, kind: 'sink' })
              throw err
            }
            summary.events += raws.length
            connectorEventsFetched.inc(labels, raws.length)
          }
          state.set(stream, { cursor: page.cursor, position: page.position })
          save()
          report()
          if (page.caughtUp) pending.delete(stream)
        }
      }
    }

    while (!signal.aborted) {
      try {
        await pass()
        summary.passes++
        if (!signal.aborted) log.info({ connector: name, events: summary.events, pages: summary.pages }, 'connector caught up')
      } catch (err) {
        if (signal.aborted && isAbort(err)) break
        const kind = errorKind(err)
        if (kind !== 'other') connectorErrors.inc({ ...labels, kind })
        if (o.once || kind === 'auth' || (err as { code?: string }).code === 'PULSE_ERR_CONNECTOR_CONFIG') throw err
        log.error({ connector: name, kind, err: (err as Error).message }, 'connector pass failed; the same page is tried again after the poll interval')
      }
      if (o.once) break
      try {
        await sleep(o.pollMs, undefined, { signal })
      } catch (err) {
        if (!isAbort(err)) throw err
      }
    }
    return summary
  } finally {
    o.checkpoints.unlock()
  }
}
