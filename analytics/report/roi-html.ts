// The ROI report as one printable HTML page: rendered on the server, no script, no external asset, every value
// escaped, and the assumptions printed beside the numbers they produce.
import type { RoiFigures, RoiReport } from '../queries/roi.js'
import type { AssumptionEntry } from '../queries/savings.js'

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const dec = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 })

const n = (x: number | null | undefined, f = dec) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : f.format(x))
const range = (r: { low: number; mid: number; high: number }, f: Intl.NumberFormat) =>
  `<strong>${esc(f.format(r.mid))}</strong><span class="range">${esc(f.format(r.low))} – ${esc(f.format(r.high))}</span>`

const BASIS: Record<string, string> = {
  measured: 'measured', default: 'default', tenant: 'tenant setting', request: 'set for this report',
}

function figuresRow(label: string, f: RoiFigures): string {
  return `<tr><th scope="row">${esc(label)}</th>
    <td>${n(f.active_users, int)}</td><td>${n(f.passkey_primary_users, int)}</td><td>${n(f.passkey_logins, int)}</td>
    <td>${n(f.password_resets + f.lockouts, int)}</td>
    <td>${n(f.tickets_avoided_modelled)}</td><td>${n(f.tickets_avoided_observed)}</td>
    <td>${range(f.time_saved_hours, dec)}</td><td>${range(f.support_cost_saved_usd, usd)}</td><td>${range(f.time_value_usd, usd)}</td>
    <td>${range(f.total_savings_usd, usd)}</td><td>${n(f.phishing_attempts_blocked, int)}</td></tr>`
}

const HEAD = `<tr><th scope="col"></th><th scope="col">Active users</th><th scope="col">Passkey-primary users</th><th scope="col">Passkey sign-ins</th>
  <th scope="col">Resets + lockouts</th><th scope="col">Tickets avoided (modelled)</th><th scope="col">Tickets avoided (observed)</th>
  <th scope="col">Hours saved</th><th scope="col">Support cost saved</th><th scope="col">Time value</th><th scope="col">Total savings</th>
  <th scope="col">Phishing blocked</th></tr>`

function assumptionRow(a: AssumptionEntry): string {
  const same = a.low === a.mid && a.mid === a.high
  const value = a.mid === null ? '' : same ? n(a.mid, new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 })) : `${n(a.low)} / ${n(a.mid)} / ${n(a.high)}`
  return `<tr><th scope="row"><code>${esc(a.name)}</code></th><td>${esc(value)}</td><td>${esc(a.unit)}</td>
    <td><span class="basis basis-${esc(a.basis)}">${esc(BASIS[a.basis] ?? a.basis)}</span></td><td>${esc(a.note)}</td></tr>`
}

const STYLE = `
  :root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b6bcb; }
  * { box-sizing: border-box; }
  body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 2rem auto; max-width: 78rem; padding: 0 1.5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
  .meta { color: var(--muted); margin: 0 0 1rem; }
  .headline { display: grid; grid-template-columns: repeat(4, 1fr); gap: .75rem; margin: 1rem 0; }
  .headline div { border: 1px solid var(--line); border-radius: 6px; padding: .75rem; }
  .headline .v { font-size: 1.4rem; font-weight: 600; display: block; } .headline .l { color: var(--muted); }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
  th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: right; vertical-align: top; }
  th[scope=row], td:last-child { text-align: left; } thead th { font-weight: 600; color: var(--muted); }
  .assumptions th, .assumptions td { text-align: left; }
  .range { display: block; color: var(--muted); font-size: .85em; }
  .basis { border-radius: 3px; padding: 0 .3rem; font-size: .85em; border: 1px solid var(--line); white-space: nowrap; }
  .basis-measured { border-color: #1a7f37; color: #1a7f37; } .basis-request, .basis-tenant { border-color: var(--accent); color: var(--accent); }
  .layout { display: grid; grid-template-columns: 3fr 2fr; gap: 1.5rem; align-items: start; }
  .note { color: var(--muted); font-size: .9em; }
  @media print { body { margin: 0; max-width: none; font-size: 10px; } h2 { break-after: avoid; } tr { break-inside: avoid; } .layout { grid-template-columns: 1fr; } }
`

export function renderRoiHtml(r: RoiReport): string {
  const t = r.totals
  const filters = Object.entries(r.filters).map(([k, v]) => `${k} = ${v}`).join(', ') || 'none'
  const to = new Date(Date.parse(`${r.to.slice(0, 10)}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Passkey ROI report · ${esc(r.tenant)} · ${esc(r.from.slice(0, 10))} to ${esc(to)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Passkey ROI report</h1>
  <p class="meta">Tenant <strong>${esc(r.tenant)}</strong> · ${esc(r.from.slice(0, 10))} to ${esc(to)} (UTC, inclusive) · filters: ${esc(filters)} · generated ${esc(r.generated_at)}</p>
</header>
<section class="headline" aria-label="Totals">
  <div><span class="v">${esc(usd.format(t.total_savings_usd.mid))}</span><span class="l">total savings (mid; ${esc(usd.format(t.total_savings_usd.low))} – ${esc(usd.format(t.total_savings_usd.high))})</span></div>
  <div><span class="v">${esc(dec.format(t.tickets_avoided_modelled))}</span><span class="l">reset tickets avoided, modelled (observed: ${esc(dec.format(t.tickets_avoided_observed))})</span></div>
  <div><span class="v">${esc(dec.format(t.time_saved_hours.mid))} h</span><span class="l">sign-in time saved (mid)</span></div>
  <div><span class="v">${esc(int.format(t.phishing_attempts_blocked))}</span><span class="l">phishing attempts blocked (counted, not priced)</span></div>
</section>
<div class="layout">
<section>
  <h2>Totals</h2>
  <table><thead>${HEAD}</thead><tbody>${figuresRow('Period', t)}</tbody></table>
  <p class="note">Money and hours show the mid case in bold with low – high below. Support cost saved = modelled tickets avoided × cost per ticket;
  time value = passkey sign-ins × (password seconds − passkey seconds) ÷ 3600 × hourly cost; total = both.</p>
  <h2>Per product</h2>
  <table><thead>${HEAD}</thead><tbody>${r.by_product.map((p) => figuresRow(p.product || '(none)', p)).join('\n') || '<tr><td colspan="12">No sign-ins in this period.</td></tr>'}</tbody></table>
  <h2>Per month</h2>
  <table><thead>${HEAD}</thead><tbody>${r.by_month.map((m) => figuresRow(`${m.month} (${m.from} – ${m.to})`, m)).join('\n') || '<tr><td colspan="12">No sign-ins in this period.</td></tr>'}</tbody></table>
  <p class="note">Per-product and per-month rows use the period's assumptions; passkey-primary users are counted within each row.</p>
</section>
<section>
  <h2>Assumptions</h2>
  <table class="assumptions"><thead><tr><th scope="col">Assumption</th><th scope="col">Value (low / mid / high)</th><th scope="col">Unit</th><th scope="col">Basis</th><th scope="col">Note</th></tr></thead>
  <tbody>${r.assumptions.map(assumptionRow).join('\n')}</tbody></table>
  <p class="note">Basis: <em>measured</em> from this tenant's sign-in logs, a <em>default</em> of Passkey Pulse, a <em>tenant setting</em> made by an admin, or <em>set for this report</em>.</p>
</section>
</div>
</body>
</html>
`
}
