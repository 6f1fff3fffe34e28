// Progress bars for long CLI work, on stderr and only when it is a terminal (CI logs stay readable).
import cliProgress from 'cli-progress'

export interface Progress {
  update(value: number, payload?: Record<string, unknown>): void
  stop(): void
}

export function progressBar(total: number, unit: string, extra = ''): Progress {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar({
    format: ` {bar} {percentage}% | {value}/{total} ${unit}${extra ? ` | ${extra}` : ''}`,
    stream: process.stderr,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic)
  bar.start(total, 0, {})
  return { update: (v, payload) => bar.update(v, payload ?? {}), stop: () => bar.stop() }
}
