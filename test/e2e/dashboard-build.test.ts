// The dashboard bundle is built by the README's install step: `npm install` runs `prepare` → `build` →
// `build:dashboard` (node dashboard/build.mjs). A clean checkout has no dashboard/dist (it is git-ignored), so
// this runs that very command into an empty directory and checks what the server will serve.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DASHBOARD_DIR, PROJECT_ROOT } from '../../core/paths.js'

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> }
const out = mkdtempSync(join(tmpdir(), 'pulse-dashboard-'))

afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('the dashboard bundle', () => {
  it('is built by the install step (prepare → build → build:dashboard) and is not committed', () => {
    expect(pkg.scripts.prepare).toContain('npm run build')
    expect(pkg.scripts.build).toContain('npm run build:dashboard')
    expect(pkg.scripts['build:dashboard']).toBe('node dashboard/build.mjs')
    expect(pkg.devDependencies.esbuild).toBeTruthy()
    expect(pkg.scripts.typecheck).toContain('dashboard/tsconfig.json')
    expect(DASHBOARD_DIR).toBe(join(PROJECT_ROOT, 'dashboard', 'dist'))
    // git would not commit the built files: a checkout must build them.
    const ignored = execFileSync('git', ['check-ignore', 'dashboard/dist/app.js'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim()
    expect(ignored).toBe('dashboard/dist/app.js')
  })

  it('builds from the sources into an empty folder with the same command', () => {
    const stdout = execFileSync(process.execPath, [join(PROJECT_ROOT, 'dashboard', 'build.mjs'), '--outdir', out], { cwd: PROJECT_ROOT, encoding: 'utf8' })
    expect(stdout).toContain('dashboard built into')
    for (const f of ['index.html', 'app.js', 'app.css', 'favicon.svg']) expect(existsSync(join(out, f)), f).toBe(true)
    const html = readFileSync(join(out, 'index.html'), 'utf8')
    // The CSP admits scripts and styles from files only: no inline script, no inline handler.
    expect(html).toContain('<script type="module" src="app.js"></script>')
    expect(html).toContain('<link rel="stylesheet" href="app.css">')
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/\son[a-z]+=/i)
    const js = readFileSync(join(out, 'app.js'), 'utf8')
    // echarts and apache-arrow are in the bundle; nothing is fetched from another origin at run time.
    expect(js).toContain('ARROW1')
    expect(js).toMatch(/echarts|zrender/i)
    expect(js).not.toMatch(/https?:\/\/(?!www\.w3\.org|127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}\/[^"'\s]*\.(js|css)\b/i)
    expect(statSync(join(out, 'app.js')).size).toBeGreaterThan(200_000)
    expect(readFileSync(join(out, 'app.css'), 'utf8')).toMatch(/\[data-theme="?dark"?\]/)
  })
})
