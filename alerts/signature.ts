// The webhook signature: `X-Pulse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
// The timestamp is inside the signed text, so a captured request cannot be replayed later with a
// fresh time; receivers reject signatures older than a tolerance (5 minutes) and dedupe on the
// `X-Pulse-Delivery` id. docs/ALERTS.md shows the receiver's side.
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-pulse-signature'
export const DELIVERY_HEADER = 'x-pulse-delivery'
export const DEFAULT_TOLERANCE_S = 300

export function signBody(secret: string, body: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')
  return `t=${unixSeconds},v1=${mac}`
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' }

/** The receiver's check, exactly as documented: parse, bound the age, recompute, compare in constant time. */
export function verifySignature(secret: string, body: string, header: string | undefined, nowSeconds = Math.floor(Date.now() / 1000), toleranceS = DEFAULT_TOLERANCE_S): SignatureCheck {
  const parts = new Map((header ?? '').split(',').map((p) => {
    const i = p.indexOf('=')
    return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const
  }))
  const t = parts.get('t')
  const v1 = parts.get('v1')
  if (!t || !/^\d+$/.test(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return { ok: false, reason: 'malformed' }
  if (Math.abs(nowSeconds - Number(t)) > toleranceS) return { ok: false, reason: 'stale' }
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest()
  return timingSafeEqual(expected, Buffer.from(v1, 'hex')) ? { ok: true } : { ok: false, reason: 'mismatch' }
}
