// The only door to the analytics API: adds the bearer token, turns every non-2xx answer into an ApiError
// carrying the API's own message, and decodes Arrow IPC for large series.
import type { Table } from 'apache-arrow'
import { decodeArrow } from './arrow.js'

export type Params = Record<string, string | number | boolean | undefined | null>

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly path: string, readonly code?: string) {
    super(message)
    this.name = 'ApiError'
  }

  /** The endpoint is not there (yet): a 404 for the route itself, not for a record. */
  get notAvailable(): boolean {
    return this.status === 404 && (this.code === undefined || this.code === 'FST_ERR_NOT_FOUND')
  }
}

/** Query string of the set values only; booleans as 1/0. */
export function queryString(params: Params = {}): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    q.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

export class Api {
  /** Called once per 401 so the shell can send the person back to the sign-in form. */
  onUnauthorized: ((err: ApiError) => void) | null = null

  constructor(private token: string) {}

  private async request(path: string, params: Params | undefined, init: RequestInit & { accept?: string } = {}): Promise<Response> {
    const url = `${path}${queryString(params)}`
    const headers = new Headers(init.headers)
    headers.set('authorization', `Bearer ${this.token}`)
    if (init.accept) headers.set('accept', init.accept)
    let res: Response
    try {
      res = await fetch(url, { ...init, headers })
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      throw new ApiError(0, `The analytics service did not answer (${(err as Error).message})`, path)
    }
    if (res.ok) return res
    let message = `${res.status} ${res.statusText}`
    let code: string | undefined
    try {
      const body = (await res.json()) as { message?: string; code?: string }
      if (body.message) message = body.message
      code = body.code
    } catch {
      // not JSON: keep the status line
    }
    const err = new ApiError(res.status, message, path, code)
    if (res.status === 401) this.onUnauthorized?.(err)
    throw err
  }

  async json<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
    const res = await this.request(path, params, { signal: signal ?? null, accept: 'application/json' })
    return (await res.json()) as T
  }

  async send<T>(method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown, params?: Params): Promise<T> {
    const res = await this.request(path, params, {
      method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, accept: 'application/json',
    })
    return (await res.json()) as T
  }

  /** A large series as Arrow IPC, decoded column-wise without a JSON parse. */
  async arrow(path: string, params?: Params, signal?: AbortSignal): Promise<Table> {
    const res = await this.request(path, params, { signal: signal ?? null, accept: 'application/vnd.apache.arrow.stream' })
    return decodeArrow(await res.arrayBuffer())
  }

  /** Bytes of a file the API produces (CSV, Parquet, HTML report) with the name it proposes. */
  async file(path: string, params?: Params): Promise<{ blob: Blob; filename: string | null }> {
    const res = await this.request(path, params)
    const disposition = res.headers.get('content-disposition') ?? ''
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)
    return { blob: await res.blob(), filename: m?.[1] ? decodeURIComponent(m[1]) : null }
  }
}
