import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import { loadConfig } from '../../core/config.js'
import { ERR_INPUT_UNREADABLE, ERR_UNKNOWN_SOURCE } from '../../core/errors.js'
import type { EventFate, RawEvent } from '../../ingest/fate.js'
import { FlowAssembler } from '../../ingest/flow-assembly.js'
import { loadMapping } from '../../ingest/mapping.js'
import { isKnownSource, knownSources } from '../../ingest/normalizers/index.js'
import { processEvent, sortFates } from '../../ingest/pipeline.js'
import { createPrivacy } from '../../ingest/privacy.js'
import { nowTimestamp } from '../../ingest/time.js'
import type { AuthEvent } from '../../schemas/auth-event.js'

interface NormalizeFlags { source: string; tenant?: string }

const CHUNK = 1_000

export function normalizeCommand(program: Command): void {
  program
    .command('normalize')
    .description('normalise raw events (NDJSON) to the rows ingest would store, without storing them: rows on stdout, ignored and rejected events with reasons on stderr')
    .argument('[file]', 'NDJSON file of raw events (default: standard input)')
    .requiredOption('-s, --source <source>', 'the source the events come from, or auto to detect it')
    .option('-t, --tenant <tenant>', 'tenant to normalise for (default: PULSE_DEFAULT_TENANT)')
    .action(async (file: string | undefined, _opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<NormalizeFlags>()
      if (!isKnownSource(flags.source)) throw new ERR_UNKNOWN_SOURCE(flags.source, knownSources().join(', '))
      const config = loadConfig()
      const mapping = loadMapping(config.mappingFile)
      // Rows shown are the rows ingest would store: pseudonymised and truncated the same way.
      const privacy = createPrivacy(config.privacy)
      const tenant = flags.tenant ?? config.defaultTenant
      if (file) {
        try {
          if (!statSync(file).isFile()) throw new Error('not a regular file')
        } catch (err) {
          throw new ERR_INPUT_UNREADABLE(file, (err as Error).message)
        }
      }
      const input = file ? createReadStream(file) : process.stdin
      const assembler = new FlowAssembler()
      // The writer stores an event_id once; so does this.
      const seen = new Set<string>()
      const counts = { read: 0, rows: 0, ignored: 0, rejected: 0 }
      let pending: { line: number; fate: EventFate }[] = []
      const emit = (rows: AuthEvent[]) => {
        let out = ''
        for (const r of rows) {
          if (seen.has(r.event_id)) continue
          seen.add(r.event_id)
          out += `${JSON.stringify(r)}\n`
          counts.rows++
        }
        if (out) process.stdout.write(out)
      }
      const flush = () => {
        for (const { line, fate } of pending) {
          if (fate.kind === 'ignored') process.stderr.write(`ignored  line ${line}: ${fate.reason}\n`)
          else if (fate.kind === 'rejected') process.stderr.write(`rejected line ${line}: ${fate.deadLetter.reason_code}: ${fate.deadLetter.reason}\n`)
        }
        const sorted = sortFates(pending.map((p) => p.fate), assembler)
        counts.ignored += sorted.ignored
        counts.rejected += sorted.deadLetters.length
        emit(sorted.rows)
        pending = []
      }
      const at = nowTimestamp()
      let line = 0
      for await (const text of createInterface({ input, crlfDelay: Infinity })) {
        line++
        const t = text.trim()
        if (!t) continue
        counts.read++
        let raw: RawEvent
        try {
          raw = { payload: JSON.parse(t), source: flags.source, tenant }
        } catch (err) {
          raw = { payload: t, source: flags.source, tenant, parseError: `not JSON: ${(err as Error).message}` }
        }
        pending.push({ line, fate: processEvent(raw, at, mapping, privacy) })
        if (pending.length >= CHUNK) flush()
      }
      flush()
      emit(assembler.drain())
      process.stderr.write(`normalize: ${counts.read} events read, ${counts.rows} rows out, ${counts.ignored} ignored, ${counts.rejected} rejected\n`)
    })
}
