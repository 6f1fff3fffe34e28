// Per-tenant alert settings in ClickHouse (migrations 018, 019): rule parameters, the device-bound
// policy and delivery channels; plus the in-memory copy the engine and the outbox read, refreshed on a
// timer (and at once after a change made through this process's API), so no event waits on a query.
import type { AlertsConfig } from '../core/config.js'
import type { Logger } from '../core/logger.js'
import type { ClickHouseClient } from '../store/clickhouse.js'
import { applyRuleChange, defaultTenantConfig, mergeStored, type RuleParams, type TenantAlertConfig, type TenantPolicy } from './rules.js'
import { RULE_NAMES, type RuleName } from './types.js'
import { chTime, nextVersion } from './versions.js'

export const CHANNEL_KINDS = ['webhook', 'slack', 'kafka'] as const
export type ChannelKind = (typeof CHANNEL_KINDS)[number]

export interface Channel {
  tenant: string
  channel_id: string
  kind: ChannelKind
  /** Webhook or Slack URL; the topic for Kafka. */
  url: string
  /** HMAC key of a webhook ('' = unsigned). */
  secret: string
  enabled: boolean
  /** Where it is defined: the API (stored), the environment (default tenant), or the deployment (Kafka). */
  origin: 'api' | 'env' | 'kafka'
}

/** Channels of the default tenant given by the environment; their ids are reserved. */
export function envChannels(cfg: AlertsConfig, tenant: string): Channel[] {
  const out: Channel[] = []
  if (cfg.webhookUrl) out.push({ tenant, channel_id: 'env-webhook', kind: 'webhook', url: cfg.webhookUrl, secret: cfg.webhookSecret, enabled: true, origin: 'env' })
  if (cfg.slackWebhookUrl) out.push({ tenant, channel_id: 'env-slack', kind: 'slack', url: cfg.slackWebhookUrl, secret: '', enabled: true, origin: 'env' })
  return out
}

const q = async <T>(client: ClickHouseClient, query: string, query_params: Record<string, unknown> = {}): Promise<T[]> => {
  const rs = await client.query({ query, query_params, format: 'JSONEachRow' })
  return rs.json<T>()
}

interface RuleRow { tenant: string; rule: string; params: string }
interface PolicyRow { tenant: string; privileged_device_bound_required: number }
interface ChannelRow { tenant: string; channel_id: string; kind: string; url: string; secret: string; enabled: number }

function assemble(ruleRows: RuleRow[], policyRows: PolicyRow[]): Map<string, TenantAlertConfig> {
  const byTenant = new Map<string, TenantAlertConfig>()
  const of = (tenant: string) => {
    let c = byTenant.get(tenant)
    if (!c) byTenant.set(tenant, (c = defaultTenantConfig()))
    return c
  }
  for (const r of ruleRows) {
    if (!(RULE_NAMES as readonly string[]).includes(r.rule)) continue
    let stored: Record<string, unknown> = {}
    try {
      stored = JSON.parse(r.params) as Record<string, unknown>
    } catch { /* an unreadable row leaves the defaults */ }
    const rules = of(r.tenant).rules as unknown as Record<RuleName, unknown>
    rules[r.rule as RuleName] = mergeStored(r.rule as RuleName, stored)
  }
  for (const p of policyRows) of(p.tenant).policy = { privileged_device_bound_required: Number(p.privileged_device_bound_required) === 1 }
  return byTenant
}

/** One tenant's rules and policy, read now (the API's view). */
export async function loadTenantConfig(client: ClickHouseClient, tenant: string): Promise<TenantAlertConfig> {
  const [rules, policies] = await Promise.all([
    q<RuleRow>(client, 'SELECT tenant, rule, params FROM alert_rules FINAL WHERE tenant = {tenant:String}', { tenant }),
    q<PolicyRow>(client, 'SELECT tenant, privileged_device_bound_required FROM alert_policies FINAL WHERE tenant = {tenant:String}', { tenant }),
  ])
  return assemble(rules, policies).get(tenant) ?? defaultTenantConfig()
}

/** Applies a validated change to a rule and stores the result; returns the rule's new parameters. */
export async function saveRuleChange<R extends RuleName>(client: ClickHouseClient, tenant: string, rule: R, change: Partial<RuleParams[R]>, by: string): Promise<RuleParams[R]> {
  const current = (await loadTenantConfig(client, tenant)).rules[rule]
  const next = applyRuleChange(current, change)
  await client.insert({
    table: 'alert_rules',
    values: [{ tenant, rule, params: JSON.stringify(next), updated_at: chTime(Date.now()), updated_by: by, version: nextVersion() }],
    format: 'JSONEachRow',
  })
  return next
}

export async function savePolicy(client: ClickHouseClient, tenant: string, policy: TenantPolicy, by: string): Promise<void> {
  await client.insert({
    table: 'alert_policies',
    values: [{ tenant, privileged_device_bound_required: policy.privileged_device_bound_required ? 1 : 0, updated_at: chTime(Date.now()), updated_by: by, version: nextVersion() }],
    format: 'JSONEachRow',
  })
}

function toChannel(r: ChannelRow): Channel {
  return { tenant: r.tenant, channel_id: r.channel_id, kind: r.kind as ChannelKind, url: r.url, secret: r.secret, enabled: Number(r.enabled) === 1, origin: 'api' }
}

/** Stored channels of one tenant (or all tenants), removed ones (enabled = 0) included. */
export async function loadChannels(client: ClickHouseClient, tenant?: string): Promise<Channel[]> {
  const rows = await q<ChannelRow>(client,
    `SELECT tenant, channel_id, kind, url, secret, enabled FROM alert_channels FINAL WHERE {all:UInt8} = 1 OR tenant = {tenant:String} ORDER BY tenant, channel_id`,
    { all: tenant === undefined ? 1 : 0, tenant: tenant ?? '' })
  return rows.map(toChannel)
}

export async function saveChannel(client: ClickHouseClient, c: Omit<Channel, 'origin'>, by: string): Promise<void> {
  await client.insert({
    table: 'alert_channels',
    values: [{ tenant: c.tenant, channel_id: c.channel_id, kind: c.kind, url: c.url, secret: c.secret, enabled: c.enabled ? 1 : 0, updated_at: chTime(Date.now()), updated_by: by, version: nextVersion() }],
    format: 'JSONEachRow',
  })
}

export interface AlertSettingsOptions {
  alerts: AlertsConfig
  defaultTenant: string
  /** The Kafka alerts topic when this process can publish to it (distributed mode): a channel of every tenant. */
  kafkaTopic?: string
  refreshMs?: number
  log?: Logger
}

/** The settings of every tenant, in memory: what the engine and the outbox read per alert. */
export class AlertSettings {
  private configs = new Map<string, TenantAlertConfig>()
  private channels = new Map<string, Channel[]>()
  private timer: NodeJS.Timeout | null = null
  private loading: Promise<void> | null = null

  constructor(private readonly client: ClickHouseClient, private readonly o: AlertSettingsOptions) {}

  /** Loads everything now; later loads happen on the timer and after local changes. */
  async start(): Promise<void> {
    await this.refresh()
    this.timer = setInterval(() => {
      this.refresh().catch((err: Error) => this.o.log?.warn({ err: err.message }, 'alert settings refresh failed; keeping the last ones'))
    }, this.o.refreshMs ?? 15_000)
    this.timer.unref()
  }

  refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const [rules, policies, channels] = await Promise.all([
          q<RuleRow>(this.client, 'SELECT tenant, rule, params FROM alert_rules FINAL'),
          q<PolicyRow>(this.client, 'SELECT tenant, privileged_device_bound_required FROM alert_policies FINAL'),
          loadChannels(this.client),
        ])
        this.configs = assemble(rules, policies)
        const byTenant = new Map<string, Channel[]>()
        for (const c of channels) if (c.enabled) byTenant.set(c.tenant, [...(byTenant.get(c.tenant) ?? []), c])
        this.channels = byTenant
      } finally {
        this.loading = null
      }
    })()
    return this.loading
  }

  configFor(tenant: string): TenantAlertConfig {
    let c = this.configs.get(tenant)
    if (!c) this.configs.set(tenant, (c = defaultTenantConfig()))
    return c
  }

  /** Every tenant with stored settings (the rate rules also visit tenants with recent events). */
  tenants(): string[] {
    return [...this.configs.keys()]
  }

  channelsFor(tenant: string): Channel[] {
    const out = [...(tenant === this.o.defaultTenant ? envChannels(this.o.alerts, tenant) : []), ...(this.channels.get(tenant) ?? [])]
    if (this.o.kafkaTopic) out.push({ tenant, channel_id: 'kafka', kind: 'kafka', url: this.o.kafkaTopic, secret: '', enabled: true, origin: 'kafka' })
    return out
  }

  channel(tenant: string, channelId: string): Channel | undefined {
    return this.channelsFor(tenant).find((c) => c.channel_id === channelId)
  }

  close(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
