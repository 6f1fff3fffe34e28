import { pino, type Logger } from 'pino'

export type { Logger }

/** Paths never written in clear: secrets and both headers a token can come in. */
export const LOG_REDACT = [
  'token', 'password', 'headers.authorization', 'req.headers.authorization', 'headers["x-pulse-token"]', 'req.headers["x-pulse-token"]',
]

/** Structured JSON logs on stderr (stdout belongs to commands like `normalize`); tests may pass another destination. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, base: { service: 'passkey-pulse' }, redact: LOG_REDACT }, destination)
}
