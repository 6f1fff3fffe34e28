// Streams of vendors whose API lists a time range page by page, newest first or in no promised order
// (Graph sign-ins, Google Reports, Atlassian events). History is walked in windows [from, to): the
// checkpoint holds the window and the page token inside it, and only a completed window moves `from`
// on. So whatever order the vendor pages in, a restart resumes at the page it stopped at, and nothing
// older than `from` is ever skipped. The window never reaches past now − settle: these APIs show an
// event minutes after it happened, and a window closed too early would miss it for good.
import type { StreamCursor, StreamPage } from './types.js'

export interface WindowPage {
  events: unknown[]
  /** The vendor's token for the next page of the same window, if any. */
  next?: string
}

export interface WindowOptions {
  windowMs: number
  /** How long the vendor takes to show an event; the window ends this long before now. */
  settleMs: number
  /** Asks the vendor for one page of [fromMs, toMs), continuing at `page` when given. */
  fetch(fromMs: number, toMs: number, page: string | undefined, signal: AbortSignal): Promise<WindowPage>
  now?: () => number
}

export interface WindowCursor {
  from: number
  to?: number
  page?: string
}

export function windowCursor(c: StreamCursor): WindowCursor {
  const from = Number(c.from)
  return {
    from: Number.isFinite(from) ? from : 0,
    ...(c.to !== undefined ? { to: Number(c.to) } : {}),
    ...(typeof c.page === 'string' && c.page ? { page: c.page } : {}),
  }
}

export async function windowedPage(o: WindowOptions, cursor: StreamCursor, signal: AbortSignal): Promise<StreamPage> {
  const now = (o.now ?? Date.now)()
  const edge = now - o.settleMs
  const c = windowCursor(cursor)
  const from = c.from
  const to = c.to ?? Math.min(from + o.windowMs, edge)
  if (to <= from) return { events: [], cursor: { from }, position: from, caughtUp: true }
  const page = await o.fetch(from, to, c.page, signal)
  if (page.next) return { events: page.events, cursor: { from, to, page: page.next }, position: from, caughtUp: false }
  return { events: page.events, cursor: { from: to }, position: to, caughtUp: to >= edge }
}
