// Checkpoints: one small JSON file per connector under the state directory (default <data dir>/connectors).
//
// Why a file and not a ClickHouse table: a connector in the distributed shape only produces to Kafka and
// should need no database at all; in the embedded shape chDB binds one data directory per process, so a
// separate `connect` process could not share the store of a running `start` anyway. A checkpoint is a few
// hundred bytes rewritten once per page, which ClickHouse (append-only, merged later) handles poorly and a
// file handles with one atomic rename: the file always holds either the previous or the next checkpoint,
// never half of one. A lock file beside it keeps two pollers off one checkpoint.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ERR_CONNECTOR_BUSY, ERR_CONNECTOR_CONFIG } from '../core/errors.js'
import type { StreamCursor } from './types.js'

export interface StreamCheckpoint {
  cursor: StreamCursor
  /** Epoch ms up to which the stream was complete when saved. */
  position: number
}

export interface Checkpoint {
  version: 1
  vendor: string
  /** The start the checkpoint was begun from: a rerun with the same --since resumes, a new one restarts. */
  origin: string
  streams: Record<string, StreamCheckpoint>
  updatedAt: string
}

/** Checkpoint names become file names: letters, digits, dot, dash and underscore only. */
export function checkpointName(name: string, vendor: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new ERR_CONNECTOR_CONFIG(vendor, `the checkpoint name "${name}" may hold only letters, digits, ".", "-" and "_"`)
  }
  return name
}

export class CheckpointFile {
  readonly path: string
  private readonly lockPath: string
  private locked = false

  constructor(private readonly dir: string, readonly name: string) {
    mkdirSync(dir, { recursive: true })
    this.path = join(dir, `${name}.json`)
    this.lockPath = join(dir, `${name}.lock`)
  }

  load(): Checkpoint | null {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    const cp = JSON.parse(text) as Checkpoint
    if (cp.version !== 1 || typeof cp.streams !== 'object' || cp.streams === null) {
      throw new ERR_CONNECTOR_CONFIG(this.name, `the checkpoint ${this.path} is not one this version wrote; move it away to start over`)
    }
    return cp
  }

  /** Write to a temporary file, flush it to disk, then rename over the old one (atomic on POSIX). */
  save(cp: Checkpoint): void {
    const tmp = `${this.path}.tmp`
    const fd = openSync(tmp, 'w', 0o600)
    try {
      writeSync(fd, `${JSON.stringify(cp, null, 2)}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.path)
    // The rename itself is durable only once the directory is flushed.
    const dirFd = openSync(this.dir, 'r')
    try {
      fsyncSync(dirFd)
    } finally {
      closeSync(dirFd)
    }
  }

  /** Takes the lock; a lock left by a process that no longer exists is taken over. */
  lock(): void {
    for (let tries = 0; tries < 2; tries++) {
      try {
        const fd = openSync(this.lockPath, 'wx', 0o600)
        writeFileSync(fd, String(process.pid))
        closeSync(fd)
        this.locked = true
        return
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        const holder = Number(readFileSync(this.lockPath, 'utf8').trim())
        if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
          throw new ERR_CONNECTOR_BUSY(this.name, `process ${holder} holds ${this.lockPath}`)
        }
        unlinkSync(this.lockPath)
      }
    }
    throw new ERR_CONNECTOR_BUSY(this.name, `cannot take ${this.lockPath}`)
  }

  unlock(): void {
    if (!this.locked) return
    this.locked = false
    try {
      unlinkSync(this.lockPath)
    } catch {
      // already gone: nothing to release
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
