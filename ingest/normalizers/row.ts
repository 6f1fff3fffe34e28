// Completes what a normaliser found into a full row of SPEC §1: defaults, derived fields (id, domain,
// phishing resistance, parsed user agent) and the raw payload. Shared by every normaliser.
import {
  isPhishingResistantByMethod, type AuthEvent, type Source,
} from '../../schemas/auth-event.js'
import { deriveEventId } from '../ids.js'
import { DEFAULT_MAPPING, type Mapping } from '../mapping.js'
import { formatTimestamp } from '../time.js'
import { parseUserAgent } from '../user-agent.js'
import { wellFormed } from './fields.js'

export interface NormalizeContext {
  /** The tenant the sender may write for (token, Kafka header, CLI flag, or the default). */
  tenant: string
  /** True when the transport named no tenant: the mapping may then route by the vendor's tenant id. */
  tenantMappable?: boolean
  /** Stamped on every row of one batch. */
  ingestedAt: string
  mapping?: Mapping
  /**
   * The payload as parsed and the exact text it was parsed from: a row of this very payload keeps the
   * text as `raw` instead of a re-serialisation (JSON.stringify of a 1.6 kB event is a tenth of the
   * normaliser's time, issue 7). A row of a part of it (one record of an envelope) still serialises its part.
   */
  received?: { payload: unknown; text: string }
}

/** What a normaliser must say, and what it may. The tenant is never the payload's to choose. */
export type RowInput = Pick<AuthEvent, 'event_type' | 'outcome' | 'user_id'> &
  Partial<Omit<AuthEvent, 'ts' | 'ingested_at' | 'raw' | 'source' | 'tenant'>> & {
    /** Epoch milliseconds. */
    tsMs: number
    /** Groups or roles of the user, for the mapping's privileged groups. */
    groups?: readonly string[]
    /** Site host (e.g. acme.atlassian.net), for the mapping's products. */
    host?: string
    /** The vendor's tenant / org id, for the mapping's tenants. */
    vendor_tenant?: string
  }

/** Whole milliseconds; anything that rounds below 1 ms (0, negative, absent, NaN) is unknown. */
function latencyMs(v: number | null | undefined): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null
  const ms = Math.round(v)
  return ms >= 1 ? Math.min(ms, 4294967295) : null
}

/**
 * @param raw the text kept in the `raw` column; by default the payload as JSON. The native normaliser
 *   passes '' because a native event is its row: there is nothing in it to reprocess.
 */
export function completeRow(input: RowInput, source: Source, payload: unknown, ctx: NormalizeContext, part = 0, raw?: string): AuthEvent {
  const source_event_id = input.source_event_id ?? ''
  const method = input.method ?? 'unknown'
  const second_factor = input.second_factor ?? 'none'
  const mapping = ctx.mapping ?? DEFAULT_MAPPING
  const user_id = input.user_id
  const at = user_id.lastIndexOf('@')
  const user_domain = input.user_domain ?? (at > 0 ? user_id.slice(at + 1).toLowerCase() : '')
  const known = mapping.user(user_id)
  const app = input.app ?? ''
  const user_agent = input.user_agent ?? ''
  // Vendor-parsed device fields win; the UA string fills what they leave empty.
  const ua = input.browser || input.os ? null : parseUserAgent(user_agent)
  const row: AuthEvent = {
    event_id: input.event_id ?? deriveEventId(source, source_event_id, payload, part),
    ts: formatTimestamp(input.tsMs),
    ingested_at: ctx.ingestedAt,
    tenant: (ctx.tenantMappable && input.vendor_tenant && mapping.tenant(input.vendor_tenant)) || ctx.tenant,
    source,
    source_event_id,
    event_type: input.event_type,
    outcome: input.outcome,
    failure_reason: input.outcome === 'success' ? '' : (input.failure_reason || 'other'),
    user_id,
    user_domain,
    user_type: input.user_type ?? known?.user_type ?? mapping.domainType(user_domain) ?? 'unknown',
    privileged: input.privileged === 1 || known?.privileged === true || (input.groups !== undefined && mapping.isPrivilegedGroup(input.groups)) ? 1 : 0,
    department: input.department || known?.department || '',
    product: input.product || mapping.product(app, input.host ?? '') || 'other',
    app,
    method,
    second_factor,
    passkey_type: input.passkey_type ?? '',
    authenticator: input.authenticator ?? '',
    aaguid: input.aaguid ?? '',
    phishing_resistant: input.phishing_resistant === 1 || isPhishingResistantByMethod(method, second_factor) ? 1 : 0,
    // SPEC §1: a latency of 0, negative or absent is NULL, never 0.
    latency_ms: latencyMs(input.latency_ms),
    flow_id: input.flow_id ?? '',
    ip: input.ip ?? '',
    country: input.country ?? '',
    user_agent,
    browser: ua ? ua.browser : (input.browser ?? ''),
    browser_version: ua ? ua.browser_version : (input.browser_version ?? ''),
    os: ua ? ua.os : (input.os ?? ''),
    os_version: ua ? ua.os_version : (input.os_version ?? ''),
    device_type: ua ? ua.device_type : (input.device_type ?? ''),
    raw: raw ?? (ctx.received !== undefined && ctx.received.payload === payload ? ctx.received.text : JSON.stringify(payload)),
  }
  // Every text column as well-formed Unicode: one lone surrogate would fail the insert of a whole batch.
  // A loop over the keys, not Object.entries: no array of pairs per row on the hot path.
  const r = row as unknown as Record<string, unknown>
  for (const k in r) {
    const v = r[k]
    if (typeof v === 'string') r[k] = wellFormed(v)
  }
  return row
}
