// API and ingest tokens (SPEC §5): random secrets shown once, stored only as SHA-256 hashes,
// each bound to one tenant and one role.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ClickHouseClient } from '../store/clickhouse.js'

export const ROLES = ['admin', 'security', 'finance', 'viewer', 'ingest'] as const
export type Role = (typeof ROLES)[number]

export interface TokenIdentity {
  tokenId: string
  tenant: string
  role: Role
}

const TOKEN_PREFIX = 'pp_'

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export async function createToken(client: ClickHouseClient, tenant: string, role: Role, name: string): Promise<{ token: string; tokenId: string }> {
  const token = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`
  const tokenId = randomBytes(6).toString('hex')
  await client.insert({
    table: 'api_tokens',
    values: [{ token_hash: hashToken(token), token_id: tokenId, tenant, role, name, created_at: Date.now(), revoked_at: null, version: Date.now() }],
    format: 'JSONEachRow',
  })
  return { token, tokenId }
}

export async function countTokens(client: ClickHouseClient, role?: Role): Promise<number> {
  const rs = await client.query({
    query: `SELECT count() AS n FROM api_tokens FINAL WHERE revoked_at IS NULL AND ({role:String} = '' OR role = {role:String})`,
    query_params: { role: role ?? '' },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<{ n: string | number }>()
  return Number(row?.n ?? 0)
}

/** Looks tokens up in ClickHouse, caching answers briefly so a busy collector costs no query per request. */
export class TokenVerifier {
  private cache = new Map<string, { identity: TokenIdentity | null; until: number }>()

  constructor(
    private readonly client: ClickHouseClient,
    /** A token given by configuration (PULSE_INGEST_TOKEN), accepted for ingest into the default tenant. */
    private readonly staticIngest?: { token: string; tenant: string },
    private readonly ttlMs = 30_000,
  ) {}

  async verify(token: string | undefined): Promise<TokenIdentity | null> {
    if (!token) return null
    const s = this.staticIngest
    if (s?.token && token.length === s.token.length && timingSafeEqual(Buffer.from(token), Buffer.from(s.token))) {
      return { tokenId: 'env', tenant: s.tenant, role: 'ingest' }
    }
    const hash = hashToken(token)
    const hit = this.cache.get(hash)
    if (hit && hit.until > Date.now()) return hit.identity
    const rs = await this.client.query({
      query: `SELECT token_id, tenant, role FROM api_tokens FINAL WHERE token_hash = {hash:String} AND revoked_at IS NULL`,
      query_params: { hash },
      format: 'JSONEachRow',
    })
    const [row] = await rs.json<{ token_id: string; tenant: string; role: Role }>()
    const identity = row ? { tokenId: row.token_id, tenant: row.tenant, role: row.role } : null
    if (this.cache.size > 10_000) this.cache.clear()
    this.cache.set(hash, { identity, until: Date.now() + this.ttlMs })
    return identity
  }
}
