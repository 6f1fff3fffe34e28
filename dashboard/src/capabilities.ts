// What this API offers beyond plain JSON, read once from its own OpenAPI document (/docs/json): which routes
// answer in Arrow IPC (`format=arrow`). Asking only where it is offered keeps the console free of 400s.
interface OpenApi { paths?: Record<string, { get?: { parameters?: { name: string; schema?: { enum?: unknown[] } }[] } }> }

let doc: Promise<OpenApi | null> | null = null

function load(): Promise<OpenApi | null> {
  doc ??= fetch('/docs/json', { headers: { accept: 'application/json' } })
    .then((r) => (r.ok ? (r.json() as Promise<OpenApi>) : null))
    .catch(() => null)
  return doc
}

export async function offersArrow(path: string): Promise<boolean> {
  const d = await load()
  const format = d?.paths?.[path]?.get?.parameters?.find((p) => p.name === 'format')
  return Boolean(format?.schema?.enum?.includes('arrow'))
}
