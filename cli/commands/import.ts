import { Option, type Command } from 'commander'
import { ERR_UNKNOWN_SOURCE } from '../../core/errors.js'
import { importFile, type FileFormat } from '../../ingest/importer.js'
import { isKnownSource, knownSources } from '../../ingest/normalizers/index.js'
import { embeddedIngest } from '../pipeline.js'
import { progressBar, type Progress } from '../progress.js'
import { configFrom, openRuntime, type CommonFlags } from '../runtime.js'

interface ImportFlags extends CommonFlags { source: string; tenant?: string; format?: FileFormat }

export function importCommand(program: Command): void {
  program
    .command('import')
    .description('backfill raw events from a JSON, NDJSON or CSV file into ClickHouse')
    .argument('<file>', 'events: a JSON array or object, NDJSON (one event per line), or CSV with a header (native only)')
    .requiredOption('-s, --source <source>', 'the source the events come from, or auto to detect it')
    .option('-t, --tenant <tenant>', 'tenant to store the events under (default: PULSE_DEFAULT_TENANT)')
    .addOption(new Option('-f, --format <format>', 'file format (default: from the file name)').choices(['json', 'ndjson', 'csv']))
    .action(async (file: string, _opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<ImportFlags>()
      if (!isKnownSource(flags.source)) throw new ERR_UNKNOWN_SOURCE(flags.source, knownSources().join(', '))
      const rt = await openRuntime(configFrom(flags))
      const { writer, service } = embeddedIngest(rt)
      const ui: { bar?: Progress } = {}
      try {
        const summary = await importFile(file, service, {
          source: flags.source,
          tenant: flags.tenant ?? rt.config.defaultTenant,
          format: flags.format,
          onProgress: (bytes, total, s) => {
            ui.bar ??= progressBar(total, 'bytes', 'events {events}')
            ui.bar.update(bytes, { events: s.received })
          },
        })
        ui.bar?.stop()
        process.stdout.write(
          `Imported ${file}: ${summary.received} events read, ${summary.stored} rows stored, ` +
          `${summary.duplicates} already stored, ${summary.ignored} ignored (not about authentication), ` +
          `${summary.rejected} rejected (see the dead_letters table)\n`)
        for (const r of summary.rejections.slice(0, 10)) process.stdout.write(`  rejected #${r.index}: ${r.code}: ${r.reason}\n`)
      } finally {
        ui.bar?.stop()
        await writer.close()
        await rt.store.close()
      }
    })
}
