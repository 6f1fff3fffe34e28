// API and ingest tokens (SPEC §5): random secrets shown once, stored only as SHA-256 hashes,
// each bound to one tenant and one role, optionally expiring. A revocation is a newer version of the
// token's row (api_tokens is a ReplacingMergeTree keyed by the hash).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ClickHouseClient } from '../store/clickhouse.js'

export const ROLES = ['admin', 'security', 'finance', 'viewer', 'ingest'] as const
export type Role = (typeof ROLES)[number]

export interface TokenIdentity {
  tokenId: string
  tenant: string
  role: Role
}

/** What an admin may see of a token: never its hash, never the secret. */
export interface TokenInfo {
  id: string
  tenant: string
  role: Role
  name: string
  created_at: string
  expires_at: string | null
  revoked_at: string | null
}

/** Why a token was refused; `expired` and `revoked` only for tokens that did exist. */
export type TokenCheck = { ok: true; identity: TokenIdentity } | { ok: false; reason: 'unknown' | 'revoked' | 'expired'; at?: string }

const TOKEN_PREFIX = 'pp_'
const DAY_MS = 86_400_000
/** An id is 12 hex digits (6 random bytes); routes validate against it before any lookup. */
export const TOKEN_ID_PATTERN = '^[0-9a-f]{12}$'
/** Configured tokens (PULSE_ADMIN_TOKEN) shorter than this are refused: they would be guessable. */
export const MIN_CONFIGURED_TOKEN_LENGTH = 24

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

export interface CreateTokenOptions {
  /** Days until the token stops working; absent means never. */
  expiresInDays?: number
  /** A secret given by configuration instead of a random one (PULSE_ADMIN_TOKEN). */
  secret?: string
  now?: number
}

export async function createToken(
  client: ClickHouseClient, tenant: string, role: Role, name: string, opts: CreateTokenOptions = {},
): Promise<{ token: string; tokenId: string; info: TokenInfo }> {
  const token = opts.secret ?? `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`
  const tokenId = randomBytes(6).toString('hex')
  const now = opts.now ?? Date.now()
  const expiresAt = opts.expiresInDays === undefined ? null : now + opts.expiresInDays * DAY_MS
  await client.insert({
    table: 'api_tokens',
    values: [{ token_hash: hashToken(token), token_id: tokenId, tenant, role, name, created_at: iso(now), expires_at: iso(expiresAt), revoked_at: null, version: now }],
    format: 'JSONEachRow',
  })
  return { token, tokenId, info: { id: tokenId, tenant, role, name, created_at: iso(now)!, expires_at: iso(expiresAt), revoked_at: null } }
}

/** Tokens still usable (not revoked, not expired), optionally of one role. */
export async function countTokens(client: ClickHouseClient, role?: Role): Promise<number> {
  const rs = await client.query({
    query: `SELECT count() AS n FROM api_tokens FINAL
            WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now64(3))
              AND ({role:String} = '' OR role = {role:String})`,
    query_params: { role: role ?? '' },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<{ n: string | number }>()
  return Number(row?.n ?? 0)
}

interface TokenRow {
  token_hash: string
  token_id: string
  tenant: string
  role: Role
  name: string
  created_ms: number
  expires_ms: number | null
  revoked_ms: number | null
  version: number
}

const ROW_COLUMNS = `token_hash, token_id, tenant, role, name,
  toUnixTimestamp64Milli(created_at) AS created_ms,
  if(expires_at IS NULL, NULL, toUnixTimestamp64Milli(assumeNotNull(expires_at))) AS expires_ms,
  if(revoked_at IS NULL, NULL, toUnixTimestamp64Milli(assumeNotNull(revoked_at))) AS revoked_ms,
  version`

async function tokenRows(client: ClickHouseClient, where: string, query_params: Record<string, unknown>): Promise<TokenRow[]> {
  const rs = await client.query({
    query: `SELECT ${ROW_COLUMNS} FROM api_tokens FINAL WHERE ${where} ORDER BY created_at, token_id`,
    query_params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  })
  return rs.json<TokenRow>()
}

const infoOf = (r: TokenRow): TokenInfo => ({
  id: r.token_id, tenant: r.tenant, role: r.role, name: r.name,
  created_at: iso(Number(r.created_ms))!, expires_at: iso(r.expires_ms === null ? null : Number(r.expires_ms)), revoked_at: iso(r.revoked_ms === null ? null : Number(r.revoked_ms)),
})

/** Every token of a tenant (or of all tenants when `tenant` is undefined), revoked and expired included. */
export async function listTokens(client: ClickHouseClient, tenant?: string): Promise<TokenInfo[]> {
  const rows = tenant === undefined
    ? await tokenRows(client, '1', {})
    : await tokenRows(client, 'tenant = {tenant:String}', { tenant })
  return rows.map(infoOf)
}

export type RevokeResult = { status: 'revoked' | 'already_revoked'; info: TokenInfo; hash: string } | { status: 'not_found' }

/**
 * Revokes a token by id, only within `tenant` when given (an admin of one tenant can never touch
 * another's tokens). Callers must also make their verifier forget it (TokenVerifier.forget).
 */
export async function revokeToken(client: ClickHouseClient, id: string, tenant?: string, now = Date.now()): Promise<RevokeResult> {
  const rows = tenant === undefined
    ? await tokenRows(client, 'token_id = {id:String}', { id })
    : await tokenRows(client, 'token_id = {id:String} AND tenant = {tenant:String}', { id, tenant })
  const row = rows[0]
  if (!row) return { status: 'not_found' }
  if (row.revoked_ms !== null) return { status: 'already_revoked', info: infoOf(row), hash: row.token_hash }
  // The newer version must win even when created and revoked within one millisecond.
  const version = Math.max(now, Number(row.version) + 1)
  await client.insert({
    table: 'api_tokens',
    values: [{
      token_hash: row.token_hash, token_id: row.token_id, tenant: row.tenant, role: row.role, name: row.name,
      created_at: iso(Number(row.created_ms)), expires_at: iso(row.expires_ms === null ? null : Number(row.expires_ms)), revoked_at: iso(now), version,
    }],
    format: 'JSONEachRow',
  })
  return { status: 'revoked', info: { ...infoOf(row), revoked_at: iso(now) }, hash: row.token_hash }
}

/**
 * Stores a configured admin secret (PULSE_ADMIN_TOKEN) as a hashed admin token of `tenant` unless its
 * hash is already there. A revoked one stays revoked: configuration cannot undo a revocation.
 */
export async function ensureConfiguredToken(client: ClickHouseClient, secret: string, tenant: string, role: Role, name: string): Promise<'created' | 'present'> {
  const rows = await tokenRows(client, 'token_hash = {hash:String}', { hash: hashToken(secret) })
  if (rows.length > 0) return 'present'
  await createToken(client, tenant, role, name, { secret })
  return 'created'
}

/** How long a token lookup is trusted; also how long a revocation made in another process takes to bite. */
export const TOKEN_CACHE_TTL_MS = 5_000

/**
 * Looks tokens up in ClickHouse, caching answers briefly so a busy collector costs no query per request.
 * The cache is per process: a revocation through this process's API is effective at once (forget), one
 * made elsewhere (the CLI, another analytics process) within the TTL.
 */
export class TokenVerifier {
  private cache = new Map<string, { row: TokenRow | null; until: number }>()

  constructor(
    private readonly client: ClickHouseClient,
    /** A token given by configuration (PULSE_INGEST_TOKEN), accepted for ingest into the default tenant. */
    private readonly staticIngest?: { token: string; tenant: string },
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
  ) {}

  async verify(token: string | undefined): Promise<TokenIdentity | null> {
    const c = await this.check(token)
    return c.ok ? c.identity : null
  }

  /** The identity of a token, or why it is refused. Expiry is judged at every call, cached or not. */
  async check(token: string | undefined, now = Date.now()): Promise<TokenCheck> {
    if (!token) return { ok: false, reason: 'unknown' }
    const s = this.staticIngest
    if (s?.token && token.length === s.token.length && timingSafeEqual(Buffer.from(token), Buffer.from(s.token))) {
      return { ok: true, identity: { tokenId: 'env', tenant: s.tenant, role: 'ingest' } }
    }
    const hash = hashToken(token)
    let hit = this.cache.get(hash)
    if (!hit || hit.until <= now) {
      const [row] = await tokenRows(this.client, 'token_hash = {hash:String}', { hash })
      if (this.cache.size > 10_000) this.cache.clear()
      hit = { row: row ?? null, until: now + this.ttlMs }
      this.cache.set(hash, hit)
    }
    const row = hit.row
    if (!row) return { ok: false, reason: 'unknown' }
    if (row.revoked_ms !== null) return { ok: false, reason: 'revoked', at: iso(Number(row.revoked_ms))! }
    if (row.expires_ms !== null && Number(row.expires_ms) <= now) return { ok: false, reason: 'expired', at: iso(Number(row.expires_ms))! }
    return { ok: true, identity: { tokenId: row.token_id, tenant: row.tenant, role: row.role } }
  }

  /** Drops what is cached of a token (after a revocation), so the next request looks it up again. */
  forget(hash: string): void {
    this.cache.delete(hash)
  }
}
