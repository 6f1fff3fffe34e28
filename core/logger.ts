import { pino, type Logger } from 'pino'

export type { Logger }

/** Structured JSON logs on stderr (stdout belongs to commands like `normalize`). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { level, base: { service: 'passkey-pulse' }, redact: ['token', 'password', 'headers.authorization', 'req.headers.authorization'] },
    pino.destination(2),
  )
}
