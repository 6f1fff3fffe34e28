// Locates files shipped with the package (migrations, dashboard) whether the code runs from
// the TypeScript sources (tests) or from dist/ (the built CLI).
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot(start: string): string {
  let dir = start
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'passkey-pulse') return dir
    const up = dirname(dir)
    if (up === dir) throw new Error(`passkey-pulse package root not found above ${start}`)
    dir = up
  }
}

export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))
export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'schemas', 'migrations')
// The built dashboard (`npm run build:dashboard` bundles dashboard/src into it).
export const DASHBOARD_DIR = join(PROJECT_ROOT, 'dashboard', 'dist')
