import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, redactSecrets } from '../../core/logger.js'

/** A real pino logger writing into memory, as the processes write to stderr. */
function capture() {
  const lines: string[] = []
  const dest = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done() } })
  return { log: createLogger('debug', dest as never), text: () => lines.join('') }
}

describe('redactSecrets', () => {
  it.each([
    ['Request cannot be constructed from a URL that includes credentials: http://u:p4ss@127.0.0.1:9/hook?token=t0k', 'Request cannot be constructed from a URL that includes credentials: http://***@127.0.0.1:9/…'],
    ['POST https://hooks.slack.com/services/T0/B0/s3cret failed', 'POST https://hooks.slack.com/… failed'],
    ['connect to http://ch.example:8123 refused', 'connect to http://ch.example:8123 refused'],
    ['no url here: ECONNREFUSED', 'no url here: ECONNREFUSED'],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected)
  })
})

describe('the logger', () => {
  it('never writes secrets by name, at the top or one level down, nor URL secrets in messages and errors', () => {
    const { log, text } = capture()
    log.info({ token: 'tok-AAAA', password: 'pw-BBBB', cfg: { webhookSecret: 'wh-CCCC', pseudonymizeSecret: 'ps-DDDD', password: 'pw-EEEE' } }, 'config')
    log.info({ headers: { authorization: 'Bearer auth-FFFF', 'x-pulse-token': 'hdr-GGGG' } }, 'request')
    log.warn({ err: new Error('fetch http://user:url-HHHH@h.example/x?sig=q-IIII failed') }, 'delivery to https://hooks.slack.com/services/T/B/path-JJJJ failed')
    log.debug({ error: 'Request cannot be constructed from a URL that includes credentials: http://a:cred-KKKK@h:1/' }, 'x')
    const out = text()
    for (const s of ['tok-AAAA', 'pw-BBBB', 'wh-CCCC', 'ps-DDDD', 'pw-EEEE', 'auth-FFFF', 'url-HHHH', 'q-IIII', 'path-JJJJ', 'cred-KKKK']) expect(out).not.toContain(s)
    expect(out).toContain('[Redacted]')
    expect(out).toContain('delivery to https://hooks.slack.com/… failed')
    expect(out).toContain('http://***@h.example/…')
  })
})
