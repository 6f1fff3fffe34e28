// The rule catalogue of SPEC §4: what each rule may be tuned with, its defaults, and how a tenant's
// changes are validated and merged. Pure: storage is in settings.ts, evaluation in event-rules.ts and
// rate-rules.ts.
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import { USER_TYPES } from '../schemas/auth-event.js'
import { RULE_NAMES, type RuleName, type Severity } from './types.js'

/** A daily silence: alerts opened inside it are stored but not notified. Times are HH:MM in `timezone`. */
export interface QuietHours {
  start: string
  end: string
  timezone: string
}

/** What every rule takes: on/off, the dedupe window, filters on the event's population, quiet hours. */
export interface CommonParams {
  enabled: boolean
  /** One alert per (rule, subject) for this long after its first match; later matches add to its count. */
  cooldown_s: number
  /** Only events of these products (empty: all). */
  products: string[]
  /** Only events of these user types (empty: all). */
  user_types: string[]
  quiet_hours: QuietHours | null
}

export interface PasswordFallbackParams extends CommonParams {
  /** SPEC §2: a passkey login this recent counts as having a passkey. */
  lookback_days: number
  /** SPEC §3 item 7: a passkey failure this shortly before makes it a fallback "after failure". */
  after_failure_s: number
}

export interface FallbackRateParams extends CommonParams {
  window_s: number
  /** Fewer successful logins by passkey users than this in the window: no judgement. */
  min_logins: number
  /** Fires above this fallback rate (0..1) ... */
  threshold: number
  /** ... or above this multiple of the trailing rate (0: off). */
  baseline_multiplier: number
  baseline_days: number
}

export interface FailureRateParams extends CommonParams {
  window_s: number
  /** Fewer passkey attempts than this for one product and OS in the window: no judgement. */
  min_attempts: number
  /** Fires when the passkey success rate (0..1) is below this. */
  threshold: number
}

export interface RuleParams {
  password_fallback: PasswordFallbackParams
  privileged_phishable_login: CommonParams
  fallback_rate_spike: FallbackRateParams
  passkey_failure_spike: FailureRateParams
  deprecated_credential: CommonParams
  privileged_synced_passkey: CommonParams
}

export interface TenantPolicy {
  /** Privileged users must use device-bound credentials: turns `privileged_synced_passkey` on. */
  privileged_device_bound_required: boolean
}

export interface TenantAlertConfig {
  rules: RuleParams
  policy: TenantPolicy
}

export const SEVERITY: Record<RuleName, Severity> = {
  password_fallback: 'medium',
  privileged_phishable_login: 'high',
  fallback_rate_spike: 'high',
  passkey_failure_spike: 'medium',
  deprecated_credential: 'low',
  privileged_synced_passkey: 'medium',
}

const HOUR = 3_600
const common = (): CommonParams => ({ enabled: true, cooldown_s: HOUR, products: [], user_types: [], quiet_hours: null })

/** SPEC §4 defaults. */
export function defaultRules(): RuleParams {
  return {
    password_fallback: { ...common(), lookback_days: 180, after_failure_s: 600 },
    privileged_phishable_login: common(),
    fallback_rate_spike: { ...common(), window_s: 900, min_logins: 20, threshold: 0.2, baseline_multiplier: 3, baseline_days: 7 },
    passkey_failure_spike: { ...common(), window_s: 900, min_attempts: 20, threshold: 0.8 },
    deprecated_credential: common(),
    // Enabled, but it only fires once the tenant sets the device-bound policy (SPEC §4: off until then).
    privileged_synced_passkey: common(),
  }
}

export function defaultTenantConfig(): TenantAlertConfig {
  return { rules: defaultRules(), policy: { privileged_device_bound_required: false } }
}

/** Whether a rule can fire for this tenant now: enabled, and for the synced-passkey rule, the policy set. */
export function isActive(cfg: TenantAlertConfig, rule: RuleName): boolean {
  if (!cfg.rules[rule].enabled) return false
  return rule !== 'privileged_synced_passkey' || cfg.policy.privileged_device_bound_required
}

// ---------- validation of a tenant's changes (PUT /api/v1/alerts/rules/:rule) ----------

const hhmm = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' } as const
const commonSchema = {
  enabled: { type: 'boolean' },
  cooldown_s: { type: 'integer', minimum: 60, maximum: 7 * 86_400 },
  products: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 128 } },
  user_types: { type: 'array', uniqueItems: true, items: { type: 'string', enum: [...USER_TYPES] } },
  quiet_hours: {
    anyOf: [
      { type: 'null' },
      {
        type: 'object', additionalProperties: false, required: ['start', 'end'],
        properties: { start: hhmm, end: hhmm, timezone: { type: 'string', minLength: 1, maxLength: 64 } },
      },
    ],
  },
} as const
const windowSchema = { type: 'integer', minimum: 60, maximum: 86_400 } as const
const ratio = { type: 'number', exclusiveMinimum: 0, maximum: 1 } as const

const PARAM_SCHEMAS: Record<RuleName, Record<string, unknown>> = {
  password_fallback: {
    ...commonSchema,
    lookback_days: { type: 'integer', minimum: 1, maximum: 3_650 },
    after_failure_s: { type: 'integer', minimum: 1, maximum: 86_400 },
  },
  privileged_phishable_login: commonSchema,
  fallback_rate_spike: {
    ...commonSchema,
    window_s: windowSchema,
    min_logins: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    threshold: ratio,
    baseline_multiplier: { type: 'number', minimum: 0, maximum: 100 },
    baseline_days: { type: 'integer', minimum: 1, maximum: 90 },
  },
  passkey_failure_spike: {
    ...commonSchema,
    window_s: windowSchema,
    min_attempts: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    threshold: ratio,
  },
  deprecated_credential: commonSchema,
  privileged_synced_passkey: commonSchema,
}

/** JSON Schema of a change to one rule: any subset of its parameters, nothing else. */
export function ruleChangeSchema(rule: RuleName): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, minProperties: 1, properties: PARAM_SCHEMAS[rule] }
}

const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true })
const checks = Object.fromEntries(RULE_NAMES.map((r) => [r, ajv.compile(ruleChangeSchema(r))])) as Record<RuleName, ReturnType<typeof ajv.compile>>

function describe(e: ErrorObject, where: string): string {
  // anyOf over null/object reports its first branch; the object branch's message is the useful one.
  const p = e.params as { additionalProperty?: string; allowedValues?: unknown[]; missingProperty?: string }
  const path = `${where}${e.instancePath}`
  if (p.additionalProperty !== undefined) return `${path} has an unknown parameter "${p.additionalProperty}"`
  if (p.missingProperty !== undefined) return `${path} must have the field "${p.missingProperty}"`
  return `${path} ${e.message ?? 'is invalid'}${p.allowedValues ? ` (${p.allowedValues.map(String).join(', ')})` : ''}`
}

/** null when `change` is a valid change to `rule`, else a sentence naming the field (for a 400). */
export function ruleChangeError(rule: RuleName, change: unknown, where = 'body'): string | null {
  const check = checks[rule]
  if (!check(change)) {
    const errors = check.errors ?? []
    // For quiet_hours the anyOf's own error says little: prefer the object branch's complaint.
    const specific = errors.find((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && (e.params as { type?: string }).type === 'null'))
    return describe(specific ?? errors[0]!, where)
  }
  const qh = (change as { quiet_hours?: QuietHours | null }).quiet_hours
  if (qh && qh.timezone !== undefined && !isTimeZone(qh.timezone)) return `${where}/quiet_hours/timezone is not an IANA time zone: "${qh.timezone}"`
  if (qh && qh.start === qh.end) return `${where}/quiet_hours/end must differ from start`
  return null
}

/** The rule's parameters with a validated change applied (unchanged fields keep their values). */
export function applyRuleChange<R extends RuleName>(current: RuleParams[R], change: Partial<RuleParams[R]>): RuleParams[R] {
  const next = { ...current, ...change }
  if (next.quiet_hours) next.quiet_hours = { start: next.quiet_hours.start, end: next.quiet_hours.end, timezone: next.quiet_hours.timezone ?? 'UTC' }
  return next
}

/**
 * Stored parameters over the defaults, keeping only what the current schema knows: a stored value
 * that no longer validates (an older version's field) falls back to the default instead of failing.
 */
export function mergeStored<R extends RuleName>(rule: R, stored: Record<string, unknown>): RuleParams[R] {
  const base = defaultRules()[rule]
  const known: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(stored)) {
    if (k in PARAM_SCHEMAS[rule] && ruleChangeError(rule, { [k]: v }) === null) known[k] = v
  }
  return applyRuleChange(base, known as Partial<RuleParams[R]>)
}

// ---------- pure helpers the evaluators share ----------

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

const clocks = new Map<string, Intl.DateTimeFormat>()

/** Minutes since local midnight in a time zone. */
function localMinutes(at: number, timeZone: string): number {
  let f = clocks.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    clocks.set(timeZone, f)
  }
  let h = 0
  let m = 0
  for (const part of f.formatToParts(at)) {
    if (part.type === 'hour') h = Number(part.value)
    if (part.type === 'minute') m = Number(part.value)
  }
  return h * 60 + m
}

const minutesOf = (hhmmText: string): number => Number(hhmmText.slice(0, 2)) * 60 + Number(hhmmText.slice(3, 5))

/** Whether `at` falls in the quiet hours; a silence may wrap midnight (22:00–06:00). */
export function inQuietHours(at: number, qh: QuietHours | null): boolean {
  if (!qh) return false
  const now = localMinutes(at, qh.timezone || 'UTC')
  const start = minutesOf(qh.start)
  const end = minutesOf(qh.end)
  if (start === end) return false
  return start < end ? now >= start && now < end : now >= start || now < end
}

/** Whether an event's product and user type pass a rule's filters. */
export function passesFilters(p: Pick<CommonParams, 'products' | 'user_types'>, product: string, userType: string): boolean {
  return (p.products.length === 0 || p.products.includes(product)) && (p.user_types.length === 0 || p.user_types.includes(userType))
}
