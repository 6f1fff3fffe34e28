// Every error the project raises, declared once with a stable code (the fastify way).
// HTTP handlers reply with statusCode and the message; the CLI prints the message and exits non-zero.
import createError from '@fastify/error'

export const ERR_CONFIG = createError<'PULSE_ERR_CONFIG', [string]>('PULSE_ERR_CONFIG', 'Invalid configuration: %s', 500)
export const ERR_INPUT_UNREADABLE = createError<'PULSE_ERR_INPUT_UNREADABLE', [string, string]>(
  'PULSE_ERR_INPUT_UNREADABLE', 'Cannot read %s: %s', 400)
export const ERR_UNKNOWN_SOURCE = createError<'PULSE_ERR_UNKNOWN_SOURCE', [string, string]>(
  'PULSE_ERR_UNKNOWN_SOURCE', 'Unknown source "%s"; known sources: %s', 400)
export const ERR_MIGRATION = createError<'PULSE_ERR_MIGRATION', [string, string]>(
  'PULSE_ERR_MIGRATION', 'Migration %s failed: %s', 500)
export const ERR_BODY_EMPTY = createError<'PULSE_ERR_BODY_EMPTY'>('PULSE_ERR_BODY_EMPTY', 'The request body holds no events', 400)
export const ERR_BODY_PARSE = createError<'PULSE_ERR_BODY_PARSE', [string]>('PULSE_ERR_BODY_PARSE', 'The request body is not JSON or NDJSON: %s', 400)
export const ERR_TOO_MANY_EVENTS = createError<'PULSE_ERR_TOO_MANY_EVENTS', [number]>(
  'PULSE_ERR_TOO_MANY_EVENTS', 'Too many events in one request (at most %d)', 413)
export const ERR_UNAUTHORIZED = createError<'PULSE_ERR_UNAUTHORIZED', [string]>('PULSE_ERR_UNAUTHORIZED', '%s', 401)
export const ERR_FORBIDDEN = createError<'PULSE_ERR_FORBIDDEN', [string]>('PULSE_ERR_FORBIDDEN', '%s', 403)
export const ERR_OVERLOADED = createError<'PULSE_ERR_OVERLOADED', [string]>('PULSE_ERR_OVERLOADED', 'Ingest is overloaded: %s', 503)
export const ERR_STORE = createError<'PULSE_ERR_STORE', [string]>('PULSE_ERR_STORE', 'ClickHouse refused the write: %s', 503)
