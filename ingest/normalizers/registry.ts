// Sources by name. A normaliser is a pure function from one raw payload to rows or a reasoned
// rejection; it knows nothing of Kafka, batching or ClickHouse. The built-in sources are registered
// in index.ts, which is what the rest of the code imports.
import type { Source } from '../../schemas/auth-event.js'
import { rejected, type NormalizeResult } from '../fate.js'
import type { NormalizeContext } from './row.js'

export interface Normalizer {
  source: Source
  normalize(payload: unknown, ctx: NormalizeContext): NormalizeResult
  /** True when a payload looks like this source's (for `--source auto`). Must not throw. */
  detect?(payload: Record<string, unknown>): boolean
}

const normalizers = new Map<string, Normalizer>()

export function registerNormalizer(n: Normalizer): void {
  normalizers.set(n.source, n)
}

export function getNormalizer(source: string): Normalizer | undefined {
  return normalizers.get(source)
}

/** Names accepted as a source, 'auto' included. */
export function knownSources(): string[] {
  return [...normalizers.keys(), 'auto']
}

export function isKnownSource(source: string): boolean {
  return source === 'auto' || normalizers.has(source)
}

/** The first registered source whose detector claims the payload. */
export function detectSource(payload: unknown): Normalizer | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined
  for (const n of normalizers.values()) {
    try {
      if (n.detect?.(payload as Record<string, unknown>)) return n
    } catch {
      // A detector that throws simply does not claim the payload.
    }
  }
  return undefined
}

/** Runs the source's normaliser; never throws, whatever the payload. */
export function normalize(source: string, payload: unknown, ctx: NormalizeContext): NormalizeResult {
  const n = source === 'auto' ? detectSource(payload) : normalizers.get(source)
  if (!n) {
    return source === 'auto'
      ? rejected('unrecognised', 'the payload matches no known source; name one with source=')
      : rejected('unknown_source', `unknown source "${source}"`)
  }
  try {
    return n.normalize(payload, ctx)
  } catch (err) {
    return rejected('invalid_shape', `${n.source} normaliser failed: ${(err as Error).message}`)
  }
}
