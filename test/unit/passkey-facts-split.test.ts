// Which days of a period are read from the materialized passkey facts and which live (analytics/queries/
// materialized.ts): only whole days inside the period and before the first day not validly materialized.
import { describe, expect, it } from 'vitest'
import { snapPeriod, type Scope } from '../../analytics/queries/common.js'
import { splitScope } from '../../analytics/queries/materialized.js'
import { SNAPSHOT_STATE_SQL, USER_STATE_SQL } from '../../analytics/queries/passkey-state.js'

const scope = (from: string, to: string, grain: 'day' | 'hour' = 'day'): Scope =>
  ({ tenant: 't', period: snapPeriod(Date.parse(from), Date.parse(to), grain), filters: {} })
const view = (validTo: string) => ({ gen: 7, validTo })

describe('splitScope', () => {
  it('without a usable run everything is live, with the legacy state', () => {
    const sp = splitScope(scope('2026-10-01', '2026-10-31'), 180, null)
    expect(sp.m_from).toBe(sp.m_to)
    expect(sp.state.sql).toBe(USER_STATE_SQL)
  })

  it('a closed period inside the valid days is wholly materialized', () => {
    const sp = splitScope(scope('2026-10-01', '2026-10-31'), 180, view('2026-11-28'))
    expect([sp.m_from, sp.m_to]).toEqual(['2026-10-01', '2026-10-31'])
    expect(sp.state.sql).toBe(SNAPSHOT_STATE_SQL)
    expect(sp.state.params).toMatchObject({ st_gen: 7, st_live_day: '2026-11-28', lookback: 180 })
  })

  it('days from the first invalid one on are live, and so are failures from there', () => {
    const sp = splitScope(scope('2026-10-01', '2026-10-31'), 30, view('2026-10-12'))
    expect([sp.m_from, sp.m_to]).toEqual(['2026-10-01', '2026-10-12'])
    expect(sp.state.params).toMatchObject({ st_from: '2026-10-12 00:00:00.000', st_from_day: '2026-10-12', st_to_day: '2026-10-31', st_live_day: '2026-10-12' })
  })

  it('a period starting before the valid days end but entirely after them is all live', () => {
    const sp = splitScope(scope('2026-10-20', '2026-10-31'), 30, view('2026-10-12'))
    expect(sp.m_from >= sp.m_to).toBe(true)
    expect(sp.state.params).toMatchObject({ st_from: '2026-10-20 00:00:00.000' })
  })

  it('a period cut to hours: its partial first day is live (failures from the period start), whole days materialized', () => {
    const sp = splitScope(scope('2026-10-05T07:00:00Z', '2026-10-29T15:00:00Z', 'hour'), 180, view('2026-11-01'))
    expect([sp.m_from, sp.m_to]).toEqual(['2026-10-06', '2026-10-29'])
    expect(sp.state.params).toMatchObject({ st_from: '2026-10-05 07:00:00.000', st_from_day: '2026-10-05' })
  })

  it('enrollment (no failures asked) reads failures of no day in the period', () => {
    const s = scope('2026-10-01', '2026-10-31')
    const sp = splitScope(s, 180, view('2026-10-12'), { fails: false })
    expect(sp.state.params).toMatchObject({ st_from: s.period.to, st_from_day: '2026-10-31' })
  })
})
