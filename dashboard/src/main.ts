// The page: sign-in, then the shell (header, filters, the overview or the ROI view), re-rendered from the
// URL's state. No framework: panels own their DOM and charts; this file wires them to the Store.
import './styles.css'
import { ApiError } from './api.js'
import { forgetToken, resolveSession, storedToken, storeToken, takeTokenFromLink, type Session } from './auth.js'
import { el, option } from './dom.js'
import { FilterBar } from './filters.js'
import { Overview } from './overview.js'
import { RoiView } from './roi.js'
import { REFRESH_CHOICES, stateToSearch, Store, type View } from './state.js'
import { applyTheme, initialTheme, toggleTheme } from './theme.js'

const root = document.getElementById('app')!

/** A message as a sentence: one full stop at the end. */
const sentence = (s: string): string => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`)

interface MountedView {
  element: HTMLElement
  refresh(): void
  retheme(): void
  destroy(): void
}

function signInForm(message: string | null): void {
  document.title = 'Sign in · Passkey Pulse'
  const input = el('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'pp_…' })
  const error = el('p', { class: 'signin-error', role: 'alert', id: 'signin-error' }, message ?? '')
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Sign in')
  const form = el('form', { class: 'signin', 'aria-labelledby': 'signin-title' },
    el('h1', { id: 'signin-title' }, 'Passkey Pulse'),
    el('p', {}, 'Sign in with an API token. ',
      el('code', {}, 'passkey-pulse start'), ' prints a one-time sign-in link on first start; an admin can create more tokens with ',
      el('code', {}, 'passkey-pulse token create --role security'), '.'),
    el('label', { for: 'token' }, 'API token'), input, error, submit,
    el('p', { class: 'muted small' }, 'The token stays in this browser tab only (session storage) and is sent to this server alone.'))
  if (message) input.setAttribute('aria-describedby', 'signin-error')
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const token = input.value.trim()
    if (!token) return
    submit.disabled = true
    error.textContent = 'Checking…'
    void signIn(token).finally(() => {
      submit.disabled = false
    })
  })
  root.replaceChildren(el('main', { class: 'signin-page' }, form))
  input.focus()
}

async function signIn(token: string): Promise<void> {
  try {
    const session = await resolveSession(token)
    storeToken(token)
    shell(session)
  } catch (err) {
    forgetToken()
    const msg = err instanceof ApiError
      ? err.status === 401 ? `This token was refused: ${err.message}` : err.message
      : `Could not reach the analytics service: ${(err as Error).message}`
    signInForm(sentence(msg))
  }
}

function shell(session: Session): void {
  const store = new Store()
  const filters = new FilterBar(store)
  let mounted: MountedView | null = null
  let mountedView: View | null = null
  let timer: number | undefined

  const close = (): void => {
    window.clearInterval(timer)
    mounted?.destroy()
    mounted = null
    store.dispose()
    session.api.onUnauthorized = null
    forgetToken()
  }
  session.api.onUnauthorized = (err) => {
    close()
    signInForm(sentence(`You were signed out: ${err.message}`))
  }

  // Viewers see dashboards, not reports (the API refuses them the ROI report).
  const views: readonly View[] = session.role === 'viewer' ? ['overview'] : ['overview', 'roi']
  const tabs = views.map((v) => {
    const a = el('a', { href: `?view=${v}`, class: 'tab', 'data-view': v }, v === 'overview' ? 'Overview' : 'ROI')
    a.addEventListener('click', (e) => {
      e.preventDefault()
      store.update({ view: v })
    })
    return a
  })
  const refreshSelect = el('select', { id: 'auto-refresh', name: 'refresh' })
  const refreshLabel = el('label', { class: 'field inline', for: 'auto-refresh' }, el('span', {}, 'Auto-refresh'), refreshSelect)
  refreshSelect.addEventListener('change', () => store.update({ refresh: Number(refreshSelect.value) }, { replace: true }))
  const themeButton = el('button', { type: 'button', class: 'ghost', id: 'theme-toggle' })
  const setThemeLabel = (): void => {
    const dark = document.documentElement.dataset.theme === 'dark'
    themeButton.textContent = dark ? 'Light theme' : 'Dark theme'
    themeButton.setAttribute('aria-pressed', String(dark))
  }
  themeButton.addEventListener('click', () => {
    toggleTheme()
    setThemeLabel()
    mounted?.retheme()
  })
  setThemeLabel()
  const signOut = el('button', { type: 'button', class: 'ghost', id: 'sign-out' }, 'Sign out')
  signOut.addEventListener('click', () => {
    close()
    history.replaceState(null, '', window.location.pathname + window.location.search)
    signInForm(null)
  })
  const header = el('header', { class: 'topbar' },
    el('div', { class: 'brand' }, el('span', { class: 'logo', 'aria-hidden': 'true' }), 'Passkey Pulse'),
    el('nav', { class: 'tabs', 'aria-label': 'Views' }, ...tabs),
    el('div', { class: 'session' },
      el('span', { class: 'who', id: 'who', title: 'Tenant and role of your token' }, `${session.tenant} · `, el('strong', { 'data-role': session.role }, session.role)),
      refreshLabel, themeButton, signOut))
  const content = el('main', { id: 'content', tabindex: '-1' })
  root.replaceChildren(el('a', { class: 'skip', href: '#content' }, 'Skip to content'), header, filters.element, content)

  const render = (): void => {
    const s = views.includes(store.state.view) ? store.state : { ...store.state, view: 'overview' as const }
    for (const t of tabs) {
      // A real link to the view with the same filters: it can be opened in a new tab or copied.
      t.href = `${window.location.pathname}${stateToSearch({ ...s, view: t.dataset.view as View }) || '?'}`
      const active = t.dataset.view === s.view
      t.classList.toggle('active', active)
      if (active) t.setAttribute('aria-current', 'page')
      else t.removeAttribute('aria-current')
    }
    refreshSelect.replaceChildren(...REFRESH_CHOICES.map((n) => option(String(n), n === 0 ? 'Off' : n < 60 ? `${n} s` : `${n / 60} min`, n === s.refresh)))
    if (mountedView !== s.view) {
      mounted?.destroy()
      mounted = s.view === 'roi' ? new RoiView(session, store) : new Overview(session, store, filters)
      mountedView = s.view
      content.replaceChildren(mounted.element)
      document.title = `${s.view === 'roi' ? 'ROI' : 'Overview'} · Passkey Pulse`
    }
    mounted!.refresh()
    window.clearInterval(timer)
    // A hidden tab does not poll; a wall screen is never hidden.
    if (s.refresh > 0) timer = window.setInterval(() => { if (!document.hidden) mounted?.refresh() }, s.refresh * 1000)
  }
  store.subscribe(render)
  render()
}

async function boot(): Promise<void> {
  applyTheme(initialTheme())
  const fromLink = takeTokenFromLink()
  const token = fromLink ?? storedToken()
  if (!token) return signInForm(null)
  root.replaceChildren(el('p', { class: 'booting', role: 'status' }, 'Signing in…'))
  await signIn(token)
}

void boot()
