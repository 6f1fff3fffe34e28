// Before / after table of two query-benchmark result files (the same cells measured on two versions of the
// code, back to back on the same machine): `npx tsx bench/query/compare.ts <before.json> <after.json>`.
import { readFileSync } from 'node:fs'
import { fmt } from '../lib/stats.js'

interface Run { kind: string; size: number; panel: string; variant: string; requests: number; ms: { n: number; p50: number; p95: number } }
const [beforePath, afterPath] = process.argv.slice(2)
if (!beforePath || !afterPath) {
  process.stderr.write('usage: compare.ts <before.json> <after.json>\n')
  process.exit(2)
}
const load = (p: string) => (JSON.parse(readFileSync(p, 'utf8')) as { runs: Run[] }).runs.filter((r) => r.kind === 'panel')
const before = load(beforePath)
const after = load(afterPath)
const label = (n: number) => `${n / 1e6} M`
const cell = (r: Run | undefined) => (r ? `${fmt(r.ms.p50)} / ${fmt(r.ms.p95)}${r.ms.n < 30 ? ` (n ${r.ms.n})` : ''}` : '–')
const lines = ['| panel | period | size | requests before → after | before p50 / p95 | after p50 / p95 | p95 after ÷ before |', '| --- | --- | --- | --- | ---: | ---: | ---: |']
for (const a of after) {
  const b = before.find((x) => x.size === a.size && x.variant === a.variant && x.panel === a.panel)
  const ratio = b ? `${fmt(a.ms.p95 / b.ms.p95, 2)}` : '–'
  lines.push(`| ${a.panel} | ${a.variant} | ${label(a.size)} | ${b?.requests ?? '–'} → ${a.requests} | ${cell(b)} | ${cell(a)} | ${ratio} |`)
}
process.stdout.write(`${lines.join('\n')}\n`)
