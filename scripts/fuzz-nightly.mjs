#!/usr/bin/env node
// The nightly-style fuzz run (issue 8): every fuzz target with ten times the CI cases (100,000 each
// unless FUZZ_RUNS says otherwise) and a fresh seed, printed first so a failure can be replayed:
//   FUZZ_SEED=<seed> FUZZ_RUNS=<runs> npx vitest run <file>      (add FUZZ_PATH=<path> from the report)
// Extra arguments go to vitest (e.g. a single file). Slow by design: hours, not minutes, on two cores.
import { spawnSync } from 'node:child_process'
import { randomInt } from 'node:crypto'

const seed = process.env.FUZZ_SEED ?? String(randomInt(0, 2 ** 31 - 1))
const runs = process.env.FUZZ_RUNS ?? '100000'
const files = process.argv.length > 2 ? process.argv.slice(2) : [
  'test/unit/fuzz/normalizers.test.ts',
  'test/integration/fuzz-collector.test.ts',
  'test/integration/fuzz-api.test.ts',
]
console.log(`fuzz:nightly FUZZ_SEED=${seed} FUZZ_RUNS=${runs} — replay with: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npx vitest run <file>`)
const r = spawnSync('npx', ['vitest', 'run', ...files], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs },
})
console.log(`fuzz:nightly finished (exit ${r.status ?? r.signal}); seed ${seed}`)
process.exit(r.status ?? 1)
