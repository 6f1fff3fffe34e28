// Shared pieces of the alert integration tests: a real HTTP receiver on 127.0.0.1 (an ephemeral port)
// that records every request and can answer, answer slowly, fail, hang or go away; native events relative to now.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { waitFor } from './kafka.js'

export interface Received {
  headers: IncomingMessage['headers']
  body: string
  /** The status we answered with (0: not answered yet / never). */
  status: number
}

export type Mode = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'hang' } | { kind: 'slow'; ms: number }

export class Receiver {
  readonly requests: Received[] = []
  mode: Mode = { kind: 'ok' }
  port = 0
  private server: Server | null = null
  private held: { res: ServerResponse; rec: Received }[] = []

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`
  }

  /** Listens (again) on its port; the first time on an ephemeral one. */
  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const rec: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: 0 }
        this.requests.push(rec)
        const m = this.mode
        if (m.kind === 'hang') {
          this.held.push({ res, rec })
          return
        }
        const answer = () => {
          rec.status = m.kind === 'status' ? m.status : 200
          res.writeHead(rec.status, { 'content-type': 'text/plain' }).end(rec.status < 300 ? 'ok' : 'nope')
        }
        // Slow: answers 200 only after the delay, so the request counts as delivered from then on.
        if (m.kind === 'slow') setTimeout(answer, m.ms)
        else answer()
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.address() as AddressInfo).port
    this.server = server
  }

  /** Stops listening: connections are refused until `up()` again. */
  async down(): Promise<void> {
    const s = this.server
    this.server = null
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }

  /** Answers every held request with 200 and stops hanging. */
  release(): void {
    this.mode = { kind: 'ok' }
    for (const { res, rec } of this.held) {
      rec.status = 200
      res.writeHead(200).end('ok')
    }
    this.held = []
  }

  get heldCount(): number {
    return this.held.length
  }

  /** Requests answered 2xx, per X-Pulse-Delivery id. */
  deliveredPerId(): Map<string, number> {
    const m = new Map<string, number>()
    for (const r of this.requests) {
      if (r.status < 200 || r.status >= 300) continue
      const id = String(r.headers['x-pulse-delivery'])
      m.set(id, (m.get(id) ?? 0) + 1)
    }
    return m
  }

  /** Bodies answered 2xx, parsed. */
  delivered<T = { alert: { rule: string; subject: { id: string }; id: string; count: number; details: Record<string, unknown> } }>(): T[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300).map((r) => JSON.parse(r.body) as T)
  }

  async waitForDelivered(n: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(`${n} deliveries at ${this.url}`, async () => this.delivered().length >= n, timeoutMs, 50)
  }
}

let n = 0

/** A native event at `agoMs` before `now`, with what the test states. */
export function event(agoMs: number, over: Record<string, unknown>, now = Date.now()): Record<string, unknown> {
  n++
  return {
    ts: new Date(now - agoMs).toISOString(),
    source_event_id: `alerts-${process.pid}-${n}`,
    event_type: 'login',
    outcome: 'success',
    method: 'password',
    second_factor: 'none',
    product: 'jira',
    app: 'Jira',
    user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    ...over,
  }
}

export const MIN = 60_000
export const HOUR = 60 * MIN
export const DAY = 24 * HOUR
