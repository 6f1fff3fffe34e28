// Delivery channels: what each receives and one attempt at sending it. A generic JSON webhook (signed,
// see signature.ts), a Slack incoming webhook (`text` + blocks), and the Kafka alerts topic. Every
// attempt is bounded by a timeout, so a hanging receiver costs one slot for that long and no more.
import { redactSecrets } from '../core/logger.js'
import type { Producer } from 'kafkajs'
import type { Channel } from './settings.js'
import { DELIVERY_HEADER, SIGNATURE_HEADER, signBody } from './signature.js'
import type { Alert } from './types.js'
import { isoTime } from './versions.js'

/** The public shape of an alert, as sent (frozen in the outbox when the alert opens). */
export interface AlertPayload {
  id: string
  tenant: string
  rule: string
  severity: string
  subject: { kind: string; id: string }
  title: string
  first_seen: string
  last_seen: string
  count: number
  evidence: string[]
  details: Record<string, unknown>
}

export function alertPayload(a: Alert): AlertPayload {
  return {
    id: a.alert_id, tenant: a.tenant, rule: a.rule, severity: a.severity, subject: { kind: a.subject_kind, id: a.subject },
    title: a.title, first_seen: isoTime(a.first_seen), last_seen: isoTime(a.last_seen), count: a.count, evidence: a.evidence, details: a.details,
  }
}

/** The generic webhook's body: the same bytes on every attempt (the signature's time is in the header). */
export function webhookBody(deliveryId: string, alert: AlertPayload): string {
  return JSON.stringify({ type: 'alert.opened', delivery_id: deliveryId, alert })
}

const RULE_TITLES: Record<string, string> = {
  password_fallback: 'Password fallback',
  privileged_phishable_login: 'Privileged phishable login',
  fallback_rate_spike: 'Fallback rate spike',
  passkey_failure_spike: 'Passkey failure spike',
  deprecated_credential: 'Deprecated credential',
  privileged_synced_passkey: 'Privileged synced passkey',
}

/** Slack's `<`, `>` and `&` are control characters in mrkdwn. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A Slack incoming-webhook message: `text` for notifications, blocks for the channel. */
export function slackBody(alert: AlertPayload): string {
  const head = `[${alert.severity.toUpperCase()}] ${RULE_TITLES[alert.rule] ?? alert.rule}`
  const text = `${head}: ${alert.title}`
  return JSON.stringify({
    text: slackEscape(text),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: head.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(alert.title).slice(0, 2_900) } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: slackEscape(`tenant ${alert.tenant} · ${alert.rule} · ${alert.subject.kind} ${alert.subject.id} · first seen ${alert.first_seen} · alert ${alert.id}`).slice(0, 2_900) }],
      },
    ],
  })
}

export interface SendResult {
  ok: boolean
  /** HTTP status, 0 when there was no response (refused, timed out, Kafka). */
  status: number
  error: string
  /** Retrying cannot help (a 4xx other than 408/425/429, a redirect). */
  permanent: boolean
}

export interface SenderOptions {
  timeoutMs: number
  producer?: Producer
}

const clip = (s: string) => (s.length > 500 ? `${s.slice(0, 500)}…` : s)

function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500
}

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number, stop: AbortSignal): Promise<SendResult> {
  try {
    const res = await fetch(url, {
      method: 'POST', body, redirect: 'manual',
      headers: { 'content-type': 'application/json', 'user-agent': 'passkey-pulse-alerts', ...headers },
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]),
    })
    const text = await res.text().catch(() => '')
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: '', permanent: false }
    const error = clip(`HTTP ${res.status}${text ? `: ${text}` : ''}`)
    if (res.status >= 300 && res.status < 400) return { ok: false, status: res.status, error: `${error} (redirects are not followed)`, permanent: true }
    return { ok: false, status: res.status, error, permanent: !retryable(res.status) }
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } }
    // fetch quotes the whole URL in some errors (credentials, query token, Slack's secret path): cut it.
    const reason = e.name === 'TimeoutError' ? `no response within ${timeoutMs} ms` : redactSecrets(e.cause?.code ?? e.cause?.message ?? e.message)
    return { ok: false, status: 0, error: clip(reason), permanent: false }
  }
}

/** One attempt to deliver an alert to a channel. */
export async function sendAlert(channel: Channel, deliveryId: string, alert: AlertPayload, o: SenderOptions, stop: AbortSignal): Promise<SendResult> {
  if (channel.kind === 'webhook') {
    const body = webhookBody(deliveryId, alert)
    const headers: Record<string, string> = { [DELIVERY_HEADER]: deliveryId, 'x-pulse-alert': alert.id }
    if (channel.secret) headers[SIGNATURE_HEADER] = signBody(channel.secret, body)
    return post(channel.url, body, headers, o.timeoutMs, stop)
  }
  if (channel.kind === 'slack') return post(channel.url, slackBody(alert), { [DELIVERY_HEADER]: deliveryId }, o.timeoutMs, stop)
  if (!o.producer) return { ok: false, status: 0, error: 'no Kafka producer in this process', permanent: false }
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      o.producer.send({
        topic: channel.url, acks: -1,
        messages: [{ key: alert.id, value: JSON.stringify(alert), headers: { 'pulse-delivery': deliveryId, 'pulse-tenant': alert.tenant, 'pulse-rule': alert.rule } }],
      }),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no acknowledgement within ${o.timeoutMs} ms`)), o.timeoutMs) }),
    ])
    return { ok: true, status: 0, error: '', permanent: false }
  } catch (err) {
    return { ok: false, status: 0, error: clip((err as Error).message), permanent: false }
  } finally {
    clearTimeout(timer)
  }
}
