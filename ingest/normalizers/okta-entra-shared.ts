// What the Okta and Entra normalisers share beyond fields.ts: the placeholder words of their logs, and their
// user-key rule (a login or UPN, else the immutable id, with a too-long login reported rather than cut).

/** Okta's and Entra's placeholders (not `meaningful`'s set: "undefined" is one here, "other" is not). */
const PLACEHOLDERS = /^(unknown|null|none|undefined|n\/a|-)$/i

/** The text, or '' when it is a placeholder Okta and Entra write where they know nothing. */
export function known(s: string): string {
  return PLACEHOLDERS.test(s) ? '' : s
}

export interface UserKey {
  user_id: string
  user_domain: string
}

/** SPEC user key: lower-cased login / e-mail / UPN, else the immutable id. null when neither is usable. */
export function subjectKey(login: string, id: string): UserKey | null | 'too_long' {
  const l = known(login)
  const key = l ? l.toLowerCase() : known(id)
  if (!key) return null
  if (key.length > 512) return 'too_long'
  const at = key.lastIndexOf('@')
  const domain = l && at > 0 ? key.slice(at + 1) : ''
  return { user_id: key, user_domain: domain.length <= 256 ? domain : '' }
}
