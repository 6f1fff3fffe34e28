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
export const ERR_TOKEN_NOT_FOUND = createError<'PULSE_ERR_TOKEN_NOT_FOUND', [string]>('PULSE_ERR_TOKEN_NOT_FOUND', 'No token with id "%s" in this tenant', 404)
export const ERR_TOO_MANY_AUTH_FAILURES = createError<'PULSE_ERR_TOO_MANY_AUTH_FAILURES', [number]>(
  'PULSE_ERR_TOO_MANY_AUTH_FAILURES', 'Too many failed token checks from this address; retry in %d s', 429)
export const ERR_CONNECTOR_CONFIG = createError<'PULSE_ERR_CONNECTOR_CONFIG', [string, string]>(
  'PULSE_ERR_CONNECTOR_CONFIG', 'The %s connector is not configured: %s', 500)
/** Bad credentials at a vendor: the message is one sentence naming the connector and what to check. */
export const ERR_CONNECTOR_AUTH = createError<'PULSE_ERR_CONNECTOR_AUTH', [string]>('PULSE_ERR_CONNECTOR_AUTH', '%s', 500)
export const ERR_CONNECTOR_PAGE = createError<'PULSE_ERR_CONNECTOR_PAGE', [string, string]>(
  'PULSE_ERR_CONNECTOR_PAGE', 'The %s connector received a malformed page: %s', 502)
export const ERR_CONNECTOR_HTTP = createError<'PULSE_ERR_CONNECTOR_HTTP', [string, string]>(
  'PULSE_ERR_CONNECTOR_HTTP', 'The %s connector gave up on a request: %s', 502)
export const ERR_CONNECTOR_BUSY = createError<'PULSE_ERR_CONNECTOR_BUSY', [string, string]>(
  'PULSE_ERR_CONNECTOR_BUSY', 'The %s connector is already running (%s): one poller per checkpoint', 409)
export const ERR_HOOK_DISABLED = createError<'PULSE_ERR_HOOK_DISABLED', [string, string]>(
  'PULSE_ERR_HOOK_DISABLED', 'The %s hook is off: set %s to the Authorization value the vendor sends', 404)
export const ERR_ALERT_NOT_FOUND = createError<'PULSE_ERR_ALERT_NOT_FOUND', [string]>('PULSE_ERR_ALERT_NOT_FOUND', 'No alert with id "%s" in this tenant', 404)
export const ERR_ALERT_STATE = createError<'PULSE_ERR_ALERT_STATE', [string]>('PULSE_ERR_ALERT_STATE', '%s', 409)
export const ERR_ALERT_SETTINGS = createError<'PULSE_ERR_ALERT_SETTINGS', [string]>('PULSE_ERR_ALERT_SETTINGS', '%s', 400)
/** A request parameter that passes the schema but not the rules between parameters (from after to, a bucket a KPI cannot give). */
export const ERR_BAD_PARAMETER = createError<'PULSE_ERR_BAD_PARAMETER', [string]>('PULSE_ERR_BAD_PARAMETER', '%s', 400)
export const ERR_HOOK_REQUEST = createError<'PULSE_ERR_HOOK_REQUEST', [string]>('PULSE_ERR_HOOK_REQUEST', 'Not a request this hook understands: %s', 400)
/** Fault injection (core/failpoints.ts): an outage point active in a test, and a malformed PULSE_FAILPOINTS entry. */
export const ERR_FAILPOINT = createError<'PULSE_ERR_FAILPOINT', [string, number]>('PULSE_ERR_FAILPOINT', 'Injected fault %s: failing for %d more s', 503)
export const ERR_FAILPOINT_SPEC = createError<'PULSE_ERR_FAILPOINT_SPEC', [string]>('PULSE_ERR_FAILPOINT_SPEC', 'PULSE_FAILPOINTS: "%s" is neither a crash point name nor name:fail-for-<N>s', 500)
/** No route for this method and path: the same JSON {code, message} as every other 4xx (issue 8). */
export const ERR_NOT_FOUND = createError<'PULSE_ERR_NOT_FOUND', [string, string]>('PULSE_ERR_NOT_FOUND', 'No route %s %s', 404)
