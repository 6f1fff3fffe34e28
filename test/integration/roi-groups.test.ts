// savingsInputsByGroup() counts the ROI report's three groupings (total, products, calendar months) in one pass
// with a column per product and month; each grouping must equal the grouped pass of savingsInputs() (one query per
// grouping, grouped by group and person), and a product's figures the total with that product as a filter. On the
// demo organisation (real ingest, real views), with filters, two thresholds, periods of one and two months, a
// period without data, and with the column limits forcing each grouping into a pass of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Filters, Scope } from '../../analytics/queries/common.js'
import { savingsInputs, savingsInputsByGroup, ticketCounts, type SavingsGroup, type SavingsInputs } from '../../analytics/queries/savings.js'
import { demoScope, openDemoStore, queryRows, type DemoStore } from '../helpers/store.js'

const TENANT = 'roi-groups'
let t: DemoStore

beforeAll(async () => {
  t = await openDemoStore({ users: 200, days: 40, tenant: TENANT })
}, 240_000)

afterAll(async () => {
  await t?.cleanup()
})

const scope = demoScope(TENANT)
const GROUPS: SavingsGroup[] = ['total', 'product', 'month']

async function byGroup(s: Scope, threshold: number, limits?: { products: number; months: number }) {
  return savingsInputsByGroup(t.store.client, s, threshold, ticketCounts(t.store.client, s, GROUPS), limits)
}

async function grouped(s: Scope, threshold: number): Promise<Record<SavingsGroup, Map<string, SavingsInputs>>> {
  const [total, product, month] = await Promise.all(GROUPS.map((g) => savingsInputs(t.store.client, s, g, threshold)))
  return { total: total!, product: product!, month: month! }
}

const sorted = (m: Map<string, SavingsInputs>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b))

async function top(col: 'product' | 'department'): Promise<string> {
  const [r] = await queryRows<{ v: string }>(t.store, `SELECT ${col} AS v FROM user_day_logins WHERE tenant = {t:String} GROUP BY v ORDER BY sum(logins) DESC LIMIT 1`, { t: TENANT })
  return r!.v
}

describe('the ROI groupings in one pass', () => {
  it('equal the grouped passes, for filters, thresholds and periods of one and two months', async () => {
    const filters: Filters[] = [{}, { product: await top('product') }, { department: await top('department') }, { privileged: 1 }, { method_class: 'password_mfa' }]
    let checked = 0
    for (const f of filters) {
      for (const [days, back] of [[30, 0], [40, 0], [10, 3]] as const) {
        for (const threshold of [0.8, 0.5]) {
          const s = scope(days, back, f)
          const [one, three] = await Promise.all([byGroup(s, threshold), grouped(s, threshold)])
          for (const g of GROUPS) expect(sorted(one[g]), `${JSON.stringify(f)} ${days} d back ${back}, ${threshold}: ${g}`).toEqual(sorted(three[g]))
          checked++
        }
      }
    }
    expect(checked).toBe(30)
  })

  it('counts something worth comparing: several products, two months, passkey-primary people', async () => {
    const r = await byGroup(scope(40, 0), 0.8)
    expect(r.product.size).toBeGreaterThanOrEqual(3)
    expect([...r.month.keys()].sort()).toEqual(['2026-09-01', '2026-10-01'])
    const total = r.total.get('')!
    expect(total.active_users).toBeGreaterThan(100)
    expect(total.passkey_primary_users).toBeGreaterThan(0)
    expect(total.passkey_primary_users).toBeLessThan(total.active_users)
    // A person with sign-ins in two products counts once in the total and once in each product.
    expect([...r.product.values()].reduce((n, x) => n + x.active_users, 0)).toBeGreaterThan(total.active_users)
  })

  it("gives a product's figures as the total with that product as a filter", async () => {
    const s = scope(30, 0)
    const r = await byGroup(s, 0.8)
    for (const [product, inputs] of r.product) {
      const alone = (await savingsInputs(t.store.client, { ...s, filters: { product } }, 'total', 0.8)).get('')!
      expect(inputs, product).toEqual(alone)
    }
  })

  it('takes the products and the months apart beyond the column limits, with the same figures', async () => {
    const s = scope(40, 0, { department: await top('department') })
    const three = await grouped(s, 0.8)
    for (const limits of [{ products: 0, months: 0 }, { products: 1, months: 1 }, { products: 32, months: 1 }, { products: 1, months: 13 }]) {
      const one = await byGroup(s, 0.8, limits)
      for (const g of GROUPS) expect(sorted(one[g]), `${JSON.stringify(limits)}: ${g}`).toEqual(sorted(three[g]))
    }
  })

  it('answers a period without sign-ins with an empty total', async () => {
    const s = scope(30, 400)
    const r = await byGroup(s, 0.8)
    expect(sorted(r.total)).toEqual(sorted((await grouped(s, 0.8)).total))
    expect(r.total.get('')).toMatchObject({ active_users: 0, passkey_primary_users: 0, passkey_logins: 0 })
    expect(r.product.size).toBe(0)
    expect(r.month.size).toBe(0)
  })
})
