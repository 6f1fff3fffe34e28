// Light and dark themes: CSS variables switched by <html data-theme>, chosen by the person (remembered in
// localStorage) or else by the system preference.
import type { Theme } from './charts.js'

const KEY = 'passkey-pulse.theme'

export function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(KEY)
    if (saved === 'light' || saved === 'dark') return saved
  } catch {
    // storage blocked: fall through to the system preference
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

export function applyTheme(t: Theme): void {
  document.documentElement.dataset.theme = t
  document.querySelector('meta[name="color-scheme"]')?.setAttribute('content', t)
}

export function toggleTheme(): Theme {
  const next: Theme = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'
  applyTheme(next)
  try {
    localStorage.setItem(KEY, next)
  } catch {
    // not remembered; still applied
  }
  return next
}
