// What no vendor field says, configured per deployment (PULSE_MAPPING_FILE, JSON or YAML):
// app names / site hosts → product, groups or roles → privileged, users → department and user type,
// vendor tenant ids → tenant. Compiled once; applied to every row by completeRow().
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { USER_TYPES, type UserType } from '../schemas/auth-event.js'
import { ERR_CONFIG } from '../core/errors.js'

export interface MappingFile {
  /** First match wins. `match` is a case-insensitive substring, or a /regex/ ; tested on the app name and the site host. */
  products?: { match: string; product: string }[]
  /** Group or role names (case-insensitive) that make their members privileged. */
  privileged_groups?: string[]
  users?: Record<string, { department?: string; user_type?: UserType; privileged?: boolean }>
  /** E-mail domain → user type, e.g. { "acme.example": "employee" }. */
  domains?: Record<string, UserType>
  /** Vendor tenant / org id → tenant; applied only to events sent for the default tenant. */
  tenants?: Record<string, string>
}

export interface Mapping {
  product(app: string, host: string): string | undefined
  isPrivilegedGroup(groups: readonly string[]): boolean
  user(userId: string): { department?: string; user_type?: UserType; privileged?: boolean } | undefined
  domainType(domain: string): UserType | undefined
  tenant(vendorTenant: string): string | undefined
}

const DEFAULT_PRODUCTS: MappingFile['products'] = [
  { match: 'jira', product: 'jira' },
  { match: 'confluence', product: 'confluence' },
  { match: 'bitbucket', product: 'bitbucket' },
  { match: 'trello', product: 'trello' },
  { match: 'loom', product: 'loom' },
  { match: 'statuspage', product: 'statuspage' },
  { match: 'opsgenie', product: 'opsgenie' },
]

function matcher(match: string): (s: string) => boolean {
  const re = /^\/(.+)\/([a-z]*)$/.exec(match)
  if (re) {
    const rx = new RegExp(re[1]!, re[2]!.includes('i') ? re[2] : `${re[2]}i`)
    return (s) => rx.test(s)
  }
  const needle = match.toLowerCase()
  return (s) => s.toLowerCase().includes(needle)
}

export function compileMapping(file: MappingFile = {}): Mapping {
  const products = [...(file.products ?? []), ...(DEFAULT_PRODUCTS ?? [])].map((p) => ({ test: matcher(p.match), product: p.product }))
  const groups = new Set((file.privileged_groups ?? []).map((g) => g.toLowerCase()))
  const users = new Map(Object.entries(file.users ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  const domains = new Map(Object.entries(file.domains ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  const tenants = new Map(Object.entries(file.tenants ?? {}))
  return {
    product: (app, host) => {
      for (const p of products) if ((app && p.test(app)) || (host && p.test(host))) return p.product
      return undefined
    },
    isPrivilegedGroup: (gs) => groups.size > 0 && gs.some((g) => groups.has(g.toLowerCase())),
    user: (id) => users.get(id.toLowerCase()),
    domainType: (d) => domains.get(d),
    tenant: (t) => tenants.get(t),
  }
}

export const DEFAULT_MAPPING = compileMapping()

function validate(file: unknown, path: string): MappingFile {
  if (file === null || typeof file !== 'object' || Array.isArray(file)) throw new ERR_CONFIG(`${path}: the mapping must be an object`)
  const f = file as MappingFile
  for (const [i, p] of (f.products ?? []).entries()) {
    if (typeof p?.match !== 'string' || typeof p?.product !== 'string' || !p.product) {
      throw new ERR_CONFIG(`${path}: products[${i}] needs a "match" and a "product" string`)
    }
    try { matcher(p.match) } catch (err) { throw new ERR_CONFIG(`${path}: products[${i}].match: ${(err as Error).message}`) }
  }
  for (const [user, u] of Object.entries(f.users ?? {})) {
    if (u.user_type !== undefined && !USER_TYPES.includes(u.user_type)) {
      throw new ERR_CONFIG(`${path}: users.${user}.user_type must be one of ${USER_TYPES.join(', ')}`)
    }
  }
  for (const [d, t] of Object.entries(f.domains ?? {})) {
    if (!USER_TYPES.includes(t)) throw new ERR_CONFIG(`${path}: domains.${d} must be one of ${USER_TYPES.join(', ')}`)
  }
  return f
}

export function loadMapping(path: string | undefined): Mapping {
  if (!path) return DEFAULT_MAPPING
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ERR_CONFIG(`cannot read mapping file ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new ERR_CONFIG(`mapping file ${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message}`)
  }
  return compileMapping(validate(parsed, path))
}
