// The error answers and security requirement the OpenAPI plugin adds to route schemas.
import { describe, expect, it } from 'vitest'
import { withSharedResponses } from '../../analytics/openapi.js'

describe('withSharedResponses', () => {
  const ok = { 200: { type: 'object' } }

  it('adds 400 for routes with input and 401/403/429 plus bearer security for routes with access', () => {
    const s = withSharedResponses({ querystring: { type: 'object' }, response: ok }, { roles: ['admin'] }) as Record<string, any>
    expect(Object.keys(s.response).sort()).toEqual(['200', '400', '401', '403', '429'])
    expect(s.security).toEqual([{ bearerAuth: [] }])
    expect(s.response[200]).toBe(ok[200])
  })

  it('adds nothing about access to a public route, and no 400 where there is no input', () => {
    const s = withSharedResponses({ response: ok }, undefined) as Record<string, any>
    expect(Object.keys(s.response)).toEqual(['200'])
    expect(s.security).toBeUndefined()
  })

  it('keeps what a route declares itself: its own codes, a 4xx catch-all, its own security', () => {
    const own404 = { type: 'object', description: 'mine' }
    const s = withSharedResponses({ params: {}, response: { ...ok, 400: own404 }, security: [] } as never, { roles: ['admin'] }) as Record<string, any>
    expect(s.response[400]).toBe(own404)
    expect(s.security).toEqual([])
    const c = withSharedResponses({ querystring: {}, response: { ...ok, '4xx': own404 } }, { roles: ['admin'] }) as Record<string, any>
    expect(Object.keys(c.response).sort()).toEqual(['200', '4xx'])
  })

  it('routes that check a token themselves (security declared) get the access errors too', () => {
    const s = withSharedResponses({ security: [{ bearerAuth: [] }], response: ok } as never, undefined) as Record<string, any>
    expect(Object.keys(s.response).sort()).toEqual(['200', '401', '403', '429'])
  })
})
