import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileMapping, DEFAULT_MAPPING, loadMapping } from '../../ingest/mapping.js'
import { completeRow } from '../../ingest/normalizers/row.js'

const dir = mkdtempSync(join(tmpdir(), 'pulse-mapping-'))
const write = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p }
const base = { event_type: 'login' as const, outcome: 'success' as const, user_id: 'ana@acme.example', tsMs: Date.UTC(2026, 0, 1) }

describe('configurable mapping', () => {
  it('maps Atlassian products from app names and site hosts by default', () => {
    expect(DEFAULT_MAPPING.product('Jira Software', '')).toBe('jira')
    expect(DEFAULT_MAPPING.product('', 'acme.atlassian.net/wiki/confluence')).toBe('confluence')
    expect(DEFAULT_MAPPING.product('Salesforce', '')).toBeUndefined()
  })

  it('applies a YAML file: products, privileged groups, users, domains and tenants', () => {
    const mapping = loadMapping(write('m.yaml', [
      'products:',
      '  - { match: "/^SFDC/", product: salesforce }',
      '  - { match: "wiki.acme", product: confluence }',
      'privileged_groups: [Org Admins]',
      'users:',
      '  Ana@Acme.Example: { department: Finance, user_type: employee }',
      'domains: { partner.example: external }',
      'tenants: { 00o1okta: acme }',
    ].join('\n')))
    const ctx = { tenant: 'default', tenantMappable: true, ingestedAt: '2026-11-01 00:00:00.000', mapping }
    const r = completeRow({ ...base, app: 'SFDC prod', groups: ['org admins'], vendor_tenant: '00o1okta' }, 'okta', {}, ctx)
    expect([r.product, r.privileged, r.department, r.user_type, r.tenant]).toEqual(['salesforce', 1, 'Finance', 'employee', 'acme'])
    const guest = completeRow({ ...base, user_id: 'bo@partner.example', host: 'wiki.acme.example' }, 'okta', {}, ctx)
    expect([guest.product, guest.user_type, guest.privileged, guest.tenant]).toEqual(['confluence', 'external', 0, 'default'])
    // A tenant named by the transport (token, header) is never re-routed by the payload.
    const fixed = completeRow({ ...base, vendor_tenant: '00o1okta' }, 'okta', {}, { ...ctx, tenantMappable: false, tenant: 'beta' })
    expect(fixed.tenant).toBe('beta')
  })

  it('reads JSON too, and what the vendor says wins over the mapping', () => {
    const mapping = loadMapping(write('m.json', JSON.stringify({ users: { 'ana@acme.example': { department: 'Sales', privileged: true } } })))
    const r = completeRow({ ...base, department: 'Engineering' }, 'okta', {}, { tenant: 't', ingestedAt: '2026-11-01 00:00:00.000', mapping })
    expect([r.department, r.privileged]).toEqual(['Engineering', 1])
  })

  it.each([
    ['missing.yaml', null, /cannot read mapping file/],
    ['bad.json', '{ not json', /is not valid JSON/],
    ['list.yaml', '- a\n- b', /must be an object/],
    ['product.yaml', 'products: [{ match: jira }]', /products\[0\] needs a "match" and a "product"/],
    ['regex.yaml', 'products: [{ match: "/([/", product: x }]', /products\[0\]\.match/],
    ['type.yaml', 'domains: { a.example: robot }', /domains\.a\.example must be one of/],
  ])('refuses %s with a sentence', (name, text, message) => {
    const path = text === null ? join(dir, name) : write(name, text)
    expect(() => loadMapping(path)).toThrow(message)
  })

  it('compiles an empty mapping to the defaults', () => {
    expect(compileMapping({}).product('Trello', '')).toBe('trello')
    expect(compileMapping({}).isPrivilegedGroup(['admins'])).toBe(false)
  })
})
