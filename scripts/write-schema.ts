// Writes schemas/auth-event.schema.json from schemas/auth-event.ts (the single source of the enums).
// A unit test fails when the committed file and the TypeScript disagree.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../core/paths.js'
import { authEventJsonSchema } from '../schemas/auth-event.js'

export const SCHEMA_FILE = join(PROJECT_ROOT, 'schemas', 'auth-event.schema.json')
export const schemaText = (): string => `${JSON.stringify(authEventJsonSchema, null, 2)}\n`

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  writeFileSync(SCHEMA_FILE, schemaText())
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`)
}
