// One colour per method class, the same in every chart and both themes. Okabe–Ito hues (distinguishable
// with the common colour-vision deficiencies): passkeys in blues (device-bound darkest), password logins in
// warm hues (password only is the loudest), the rest spread over the remaining hues and greys.

export const METHOD_CLASSES = [
  'passkey_device_bound', 'passkey_synced', 'passkey_unknown', 'certificate', 'sso',
  'passwordless_other', 'password_mfa', 'password_only', 'token', 'unknown',
] as const
export type MethodClass = (typeof METHOD_CLASSES)[number]

export const METHOD_COLORS: Record<MethodClass, string> = {
  passkey_device_bound: '#0072B2',
  passkey_synced: '#56B4E9',
  passkey_unknown: '#9FC9E8',
  certificate: '#009E73',
  sso: '#CC79A7',
  passwordless_other: '#F0E442',
  password_mfa: '#E69F00',
  password_only: '#D55E00',
  token: '#7F7F7F',
  unknown: '#B8B8B8',
}

export const METHOD_LABELS: Record<MethodClass, string> = {
  passkey_device_bound: 'Passkey (device-bound)',
  passkey_synced: 'Passkey (synced)',
  passkey_unknown: 'Passkey (type unknown)',
  certificate: 'Certificate',
  sso: 'SSO',
  passwordless_other: 'Passwordless (app / code)',
  password_mfa: 'Password + 2nd factor',
  password_only: 'Password only',
  token: 'API token',
  unknown: 'Unknown',
}

/** Axis labels where space is short (the tooltip and legend keep the full names). */
export const METHOD_SHORT: Record<MethodClass, string> = {
  passkey_device_bound: 'Passkey\ndevice',
  passkey_synced: 'Passkey\nsynced',
  passkey_unknown: 'Passkey\nother',
  certificate: 'Certif-\nicate',
  sso: 'SSO',
  passwordless_other: 'App /\ncode',
  password_mfa: 'Password\n+ 2FA',
  password_only: 'Password\nonly',
  token: 'Token',
  unknown: 'Unknown',
}

export const isMethodClass = (s: string): s is MethodClass => (METHOD_CLASSES as readonly string[]).includes(s)
export const methodColor = (s: string): string => (isMethodClass(s) ? METHOD_COLORS[s] : '#B8B8B8')
export const methodLabel = (s: string): string => (isMethodClass(s) ? METHOD_LABELS[s] : s)
export const methodShort = (s: string): string => (isMethodClass(s) ? METHOD_SHORT[s] : s)
/** Display order of classes found in data: the fixed order above, strangers last. */
export const methodOrder = (a: string, b: string): number => {
  const ia = isMethodClass(a) ? METHOD_CLASSES.indexOf(a) : 99
  const ib = isMethodClass(b) ? METHOD_CLASSES.indexOf(b) : 99
  return ia - ib || a.localeCompare(b)
}

/** Colours for series that are not method classes (outcomes, adoption lines), also from Okabe–Ito. */
export const SERIES = {
  good: '#009E73',
  bad: '#D55E00',
  neutral: '#7F7F7F',
  primary: '#0072B2',
  secondary: '#E69F00',
  tertiary: '#CC79A7',
} as const

/** Sequential scale for heatmaps (light to dark, readable without hue). */
export const HEAT_LIGHT = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#d94801', '#7f2704']
export const HEAT_DARK = ['#2b1d14', '#7f2704', '#d94801', '#fd8d3c', '#fdd0a2']
