// Named crash points for fault-injection tests (as in FoundationDB or TiKV): inert unless the
// process was started with PULSE_FAILPOINTS=name[,name]. A hit kills the process with SIGKILL,
// exactly as a power cut or the OOM killer would, so the tests exercise real recovery.
const active = new Set((process.env.PULSE_FAILPOINTS ?? '').split(',').map((s) => s.trim()).filter(Boolean))

export function failpoint(name: string): void {
  if (active.size > 0 && active.has(name)) process.kill(process.pid, 'SIGKILL')
}
