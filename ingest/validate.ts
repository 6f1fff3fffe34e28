// Every row is checked against the JSON Schema of SPEC §1 before it is written: a normaliser bug
// becomes a dead letter with a reason, never a corrupt row.
import { Ajv2020 } from 'ajv/dist/2020.js'
import { authEventJsonSchema, type AuthEvent } from '../schemas/auth-event.js'

const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true })
const check = ajv.compile<AuthEvent>(authEventJsonSchema)

/** null when the row is valid, else a sentence naming the first bad field. */
export function rowError(row: unknown): string | null {
  if (check(row)) return null
  const e = check.errors?.[0]
  if (!e) return 'invalid row'
  const where = e.instancePath ? e.instancePath.slice(1) : 'row'
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues
  return `${where} ${e.message ?? 'is invalid'}${allowed ? ` (${allowed.map(String).join(', ')})` : ''}`
}

export { ajv }
