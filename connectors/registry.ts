// Vendor name → connector, built from the environment (settings checked before anything runs).
import type { ConnectorsConfig } from '../core/config.js'
import { ERR_CONNECTOR_CONFIG } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { atlassianConnector, atlassianSettings } from './atlassian.js'
import { auth0Connector, auth0Settings } from './auth0.js'
import { entraConnector, entraSettings } from './entra.js'
import { googleSettings, googleWorkspaceConnector } from './google-workspace.js'
import { HttpClient } from './http.js'
import { oktaConnector, oktaSettings } from './okta.js'
import { isVendor, VENDORS, type Connector, type ConnectorDeps, type Vendor } from './types.js'

export interface BuildOptions {
  env: Record<string, string | undefined>
  config: ConnectorsConfig
  log: Logger
  secretFile?: string
  /** Overrides PULSE_CONNECTOR_PAGE_SIZE. */
  pageSize?: number
  /** Connector name for metrics and logs (the checkpoint name). */
  name?: string
}

export function vendorOf(name: string): Vendor {
  if (!isVendor(name)) throw new ERR_CONNECTOR_CONFIG(name, `there is no such connector; the connectors are ${VENDORS.join(', ')}`)
  return name
}

export function buildConnector(vendor: Vendor, o: BuildOptions): Connector {
  const c = o.config
  const deps: ConnectorDeps = {
    http: new HttpClient({ connector: o.name ?? vendor, log: o.log, maxAttempts: c.maxAttempts, backoffMs: c.backoffMs, timeoutMs: c.timeoutMs }),
    pageSize: o.pageSize ?? c.pageSize,
    windowMs: c.windowHours * 3_600_000,
  }
  switch (vendor) {
    case 'okta': return oktaConnector(oktaSettings(o.env, o.secretFile), deps)
    case 'entra': return entraConnector(entraSettings(o.env, o.secretFile), deps)
    case 'google-workspace': return googleWorkspaceConnector(googleSettings(o.env, o.secretFile), deps)
    case 'auth0': return auth0Connector(auth0Settings(o.env, o.secretFile), deps)
    case 'atlassian': return atlassianConnector(atlassianSettings(o.env, o.secretFile), deps)
  }
}

/** The tenant a vendor's events belong to: PULSE_<VENDOR>_TENANT (PULSE_GOOGLE_WORKSPACE_TENANT, …), else the default. */
export function vendorTenant(vendor: Vendor, env: Record<string, string | undefined>, fallback: string): string {
  return env[`PULSE_${vendor.toUpperCase().replace(/-/g, '_')}_TENANT`] || fallback
}
