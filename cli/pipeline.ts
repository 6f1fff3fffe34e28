// Builds the in-process ingest path (writer + service) for the commands that write directly.
import { loadMapping } from '../ingest/mapping.js'
import { createPrivacy } from '../ingest/privacy.js'
import { IngestService } from '../ingest/service.js'
import { BatchWriter, type WriterOptions } from '../ingest/writer.js'
import type { Runtime } from './runtime.js'

/** `onInserted` is the per-event alert engine's hook (`start`); backfills (`import`, `demo`) pass none. */
export function embeddedIngest(rt: Runtime, maxAttempts = 5, onInserted?: WriterOptions['onInserted']): {
  writer: BatchWriter
  service: IngestService
  /** Stores the unfinished flows as what they say, writes what is pending, and closes the writer. */
  close: () => Promise<void>
} {
  const writer = new BatchWriter(rt.store.client, { ...rt.config.batch, log: rt.log, maxAttempts, onInserted })
  const service = new IngestService(writer, { mapping: loadMapping(rt.config.mappingFile), privacy: createPrivacy(rt.config.privacy) })
  return {
    writer,
    service,
    close: async () => {
      await service.drain()
      await writer.close()
    },
  }
}
