import { pino, type Logger } from 'pino'

export type { Logger }

/**
 * Paths never written in clear: secrets by their usual names, at the top and one level down (a config
 * block, an options object), and both headers a token can come in.
 */
export const LOG_REDACT = [
  'token', 'password', 'secret', 'authorization', 'webhookSecret', 'pseudonymizeSecret', 'adminToken', 'ingestToken',
  '*.token', '*.password', '*.secret', '*.authorization', '*.webhookSecret', '*.pseudonymizeSecret', '*.adminToken', '*.ingestToken',
  'headers.authorization', 'req.headers.authorization', 'headers["x-pulse-token"]', 'req.headers["x-pulse-token"]',
]

// A URL in free text: credentials, query strings (tokens, signatures) and webhook paths (Slack's secret is
// its path) can all be secrets, and error messages quote whole URLs (fetch does, with credentials).
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>]*@)?([^\s/?#"'<>]+)([^\s"'<>]*)/gi

/** Text with every URL cut to its scheme and host: what an error message may say about where it failed. */
export function redactSecrets(text: string): string {
  if (!text.includes('://')) return text
  return text.replace(URL_IN_TEXT, (_m, scheme: string, userinfo: string | undefined, host: string, rest: string) =>
    `${scheme}${userinfo ? '***@' : ''}${host}${rest ? '/…' : ''}`)
}

/** One level of a log object: string values and an error's message get their URLs cut. */
function redactObject(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null
  for (const [k, v] of Object.entries(obj)) {
    let next: unknown = v
    if (typeof v === 'string') next = redactSecrets(v)
    else if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
      const e = v as { message: string; stack?: string }
      const message = redactSecrets(e.message)
      if (message !== e.message) next = { ...e, message, stack: typeof e.stack === 'string' ? redactSecrets(e.stack) : e.stack }
    }
    if (next !== v) (out ??= { ...obj })[k] = next
  }
  return out ?? obj
}

/** Structured JSON logs on stderr (stdout belongs to commands like `normalize`); tests may pass another destination. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({
    level,
    base: { service: 'passkey-pulse' },
    redact: LOG_REDACT,
    formatters: { log: redactObject },
    hooks: {
      logMethod(args, method) {
        // The message (a string argument) is not part of the object the formatter sees.
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactSecrets(args[i] as string)
        method.apply(this, args)
      },
    },
  }, destination)
}
