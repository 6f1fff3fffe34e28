// Bundles the dashboard (dashboard/src → dashboard/dist): one ES module with the tree-shaken parts of
// echarts and apache-arrow, one stylesheet, the HTML page and the icon. Run by `npm run build:dashboard`
// (part of `npm run build`, hence of `npm install` through `prepare`). Type checking is separate
// (`npm run typecheck` runs tsc on dashboard/tsconfig.json): esbuild only strips types.
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
export const SRC_DIR = join(here, 'src')
export const DIST_DIR = join(here, 'dist')
const STATIC_FILES = ['index.html', 'favicon.svg']

/**
 * Builds into `outdir` (default dashboard/dist); returns the output files and their sizes. Files are
 * overwritten in place, not deleted first, so a server running from the folder never sees it missing.
 */
export async function buildDashboard({ outdir = DIST_DIR, minify = true } = {}) {
  mkdirSync(outdir, { recursive: true })
  const result = await build({
    entryPoints: { app: join(SRC_DIR, 'main.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify,
    sourcemap: 'linked',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    // The stylesheet's icon is inlined (img-src allows data:), so app.css needs no second request.
    loader: { '.svg': 'dataurl' },
    // Dashboard code has no environment; libraries that look for NODE_ENV get production.
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  for (const f of STATIC_FILES) copyFileSync(join(SRC_DIR, f), join(outdir, f))
  const outputs = Object.fromEntries(Object.entries(result.metafile.outputs).map(([file, o]) => [resolve(file), o.bytes]))
  return { outdir, outputs, warnings: result.warnings }
}

// `node dashboard/build.mjs [--outdir DIR]`
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = Date.now()
  const i = process.argv.indexOf('--outdir')
  const outdir = i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : DIST_DIR
  const { outputs } = await buildDashboard({ outdir })
  const js = Object.entries(outputs).find(([f]) => f.endsWith('app.js'))
  process.stdout.write(`dashboard built into ${outdir} in ${Date.now() - started} ms (app.js ${Math.round((js?.[1] ?? 0) / 1024)} KiB)\n`)
}
