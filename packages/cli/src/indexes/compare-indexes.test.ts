import { MONGO_INDEXES } from '@durabl/mongo'
import { describe, expect, it } from 'vitest'
import { compareIndexes, type LiveIndex } from './compare-indexes.js'

function liveCopy(): LiveIndex[] {
  return [
    { v: 2, key: { _id: 1 }, name: '_id_' },
    ...MONGO_INDEXES.map((index) => ({
      v: 2,
      key: { ...index.key },
      name: index.name,
      ...structuredClone(index.options),
    })),
  ]
}

describe('compareIndexes', () => {
  it('finds nothing wrong with the indexes the backend creates', () => {
    const comparison = compareIndexes(MONGO_INDEXES, liveCopy())
    expect(comparison.expected.every((index) => index.status === 'ok')).toBe(true)
    expect(comparison.extra).toEqual([])
  })

  it('reports missing indexes, changed definitions and extra durabl_ indexes, not the application’s own', () => {
    const live = liveCopy().filter((index) => index.name !== 'durabl_lease_expiry')
    const claim = live.find((index) => index.name === 'durabl_claim')!
    claim.key = { type: 1, runAt: 1, priority: 1, _id: 1 }
    const dedupe = live.find((index) => index.name === 'durabl_dedupe_pending')!
    delete dedupe.unique
    const ttl = live.find((index) => index.name === 'durabl_retention_ttl')!
    ttl.expireAfterSeconds = 3600
    live.push({ v: 2, key: { old: 1 }, name: 'durabl_old' }, { v: 2, key: { email: 1 }, name: 'users_email' })

    const comparison = compareIndexes(MONGO_INDEXES, live)
    const byName = Object.fromEntries(comparison.expected.map((index) => [index.name, index]))
    expect(byName.durabl_lease_expiry?.status).toBe('missing')
    expect(byName.durabl_claim?.differences).toEqual([
      'key is { type: 1, runAt: 1, priority: 1, _id: 1 }, expected { type: 1, priority: 1, runAt: 1, _id: 1 }',
    ])
    expect(byName.durabl_dedupe_pending?.differences).toEqual(['unique is false, expected true'])
    expect(byName.durabl_retention_ttl?.differences).toEqual(['expireAfterSeconds is 3600, expected 0'])
    expect(comparison.extra).toEqual([{ name: 'durabl_old', key: { old: 1 } }])
  })

  it('compares partial filters regardless of key order, but not their values', () => {
    const live = liveCopy()
    const claim = live.find((index) => index.name === 'durabl_claim')!
    claim.partialFilterExpression = { state: 'active' }
    const comparison = compareIndexes(MONGO_INDEXES, live)
    expect(comparison.expected.find((index) => index.name === 'durabl_claim')?.differences).toEqual([
      'partialFilterExpression is {"state":"active"}, expected {"state":"pending"}',
    ])
  })
})
