// Named fault points for fault-injection tests (as in FoundationDB or TiKV): inert unless the process
// was started with PULSE_FAILPOINTS=spec[,spec]. Two kinds:
//  - `name`: a crash point. A hit kills the process with SIGKILL, exactly as a power cut or the OOM
//    killer would, so the tests exercise real recovery (e.g. worker-after-insert-before-commit).
//  - `name:fail-for-<N>s` (or `<N>ms`): an outage. Every hit throws for N from the first hit on, then
//    the point is healed, as when ClickHouse is down for a while (e.g. clickhouse-insert:fail-for-20s).
import { ERR_FAILPOINT, ERR_FAILPOINT_SPEC } from './errors.js'

interface Outage { forMs: number; since: number | null }

const crashPoints = new Set<string>()
const outages = new Map<string, Outage>()

for (const spec of (process.env.PULSE_FAILPOINTS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
  const m = /^([\w.-]+):fail-for-(\d+)(ms|s)$/.exec(spec)
  if (m) outages.set(m[1]!, { forMs: Number(m[2]) * (m[3] === 's' ? 1000 : 1), since: null })
  else if (spec.includes(':')) throw new ERR_FAILPOINT_SPEC(spec)
  else crashPoints.add(spec)
}

/** A crash point: SIGKILLs the process when `name` is active. */
export function failpoint(name: string): void {
  if (crashPoints.size > 0 && crashPoints.has(name)) process.kill(process.pid, 'SIGKILL')
}

/** An outage point: throws while `name`'s outage lasts (counted from its first hit), inert otherwise. */
export function failpointOutage(name: string): void {
  const o = outages.get(name)
  if (!o) return
  const now = Date.now()
  o.since ??= now
  if (now - o.since < o.forMs) throw new ERR_FAILPOINT(name, Math.ceil((o.forMs - (now - o.since)) / 1000))
}
