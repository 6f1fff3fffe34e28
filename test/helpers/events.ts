// Native events for tests, built field by field so each test states what it relies on.
let n = 0

export interface NativeInput { [k: string]: unknown }

export function nativeLogin(over: NativeInput = {}): NativeInput {
  n++
  return {
    ts: '2026-10-01T09:00:00.000Z',
    source_event_id: `test-${process.pid}-${n}`,
    event_type: 'login',
    outcome: 'success',
    user_id: `user${n % 97}@acme.example`,
    method: 'passkey',
    passkey_type: 'synced',
    product: 'jira',
    app: 'Jira',
    latency_ms: 2400,
    user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    ...over,
  }
}

/** One completed-login fixture per source directory: each normalises to exactly one row of its source. */
export const ONE_PER_SOURCE: Record<string, string> = {
  atlassian: 'login.json',
  auth0: 's-passkey-stream.json',
  duo: 'push-success.json',
  entra: 'graph-signin-passkey-synced.json',
  google_workspace: 'login-success-passkey.json',
  jumpcloud: 'sso-password-webauthn.json',
  keycloak: 'login-passkey.json',
  ocsf: 'logon-webauthn-seconds.json',
  okta: 'session-start-passkey-only.json',
  onelogin: 'login-success.json',
  onepassword: 'credentials-ok.json',
  pingfederate: 'json-passkey-sso.json',
}
