// Every API path the dashboard reads, in one place: the analytics API (issue 4) and the alerts API (issue 6).
// A path an API does not have answers 404, and its panel says "not available yet" instead of looking empty.
export const EP = {
  /** Who the token is: tenant and role. */
  me: '/api/v1/me',
  summary: '/api/v1/summary',
  methodMix: '/api/v1/method-mix',
  /** { rows: [{ product, method_class, logins, share, product_total }] } for the period and filters. */
  methodMixByProduct: '/api/v1/kpis/method-mix/by-product',
  passkeyShare: '/api/v1/kpis/passkey-share',
  enrollment: '/api/v1/kpis/enrollment',
  passkeyPrimary: '/api/v1/kpis/passkey-primary',
  timeToSignIn: '/api/v1/kpis/time-to-sign-in',
  successRate: '/api/v1/kpis/success-rate',
  fallbacks: '/api/v1/kpis/fallbacks',
  /** { rows: [{ os, browser, fallback_rate, after_failure }] }; /kpis/fallbacks carries the same pairs (os_browser). */
  fallbacksOsBrowser: '/api/v1/kpis/fallbacks/os-browser',
  resets: '/api/v1/kpis/resets',
  savings: '/api/v1/kpis/savings',
  privilegedCoverage: '/api/v1/kpis/privileged-coverage',
  authenticators: '/api/v1/kpis/authenticators',
  phishing: '/api/v1/kpis/phishing-blocked',
  fallbackUsers: '/api/v1/users/fallbacks',
  privilegedNotCovered: '/api/v1/users/privileged-not-covered',
  alerts: '/api/v1/alerts',
  roi: '/api/v1/reports/roi',
  assumptions: '/api/v1/settings/assumptions',
} as const
