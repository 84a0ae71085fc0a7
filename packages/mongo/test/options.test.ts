import { ValidationError } from '@durabl/core'
import type { Db } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MONGO_DEFAULTS, resolveMongoBackendOptions } from '../src/index.js'
import { ClaimContention } from '../src/operations/claim-contention.js'

const db = { collection: () => ({}) } as unknown as Db

describe('resolveMongoBackendOptions', () => {
  it('fills in the named defaults', () => {
    expect(resolveMongoBackendOptions({ db })).toMatchObject({
      collectionName: 'durabl_jobs',
      schedulesCollectionName: 'durabl_schedules',
      useChangeStreams: 'auto',
      createIndexes: true,
      retention: {
        completedMs: MONGO_DEFAULTS.completedRetentionMs,
        failedMs: MONGO_DEFAULTS.failedRetentionMs,
        cancelledMs: MONGO_DEFAULTS.cancelledRetentionMs,
      },
      maxDocumentBytes: 15 * 1024 * 1024,
      maxErrorHistory: 20,
      maxLogEntries: 100,
      claimSpreadMax: 8,
      statsFinishedCountCap: 10_000,
    })
    expect(resolveMongoBackendOptions({ db, retention: { failedMs: null } }).retention.failedMs).toBeNull()
    expect(resolveMongoBackendOptions({ db, statsFinishedCountCap: null }).statsFinishedCountCap).toBeNull()
  })

  it('names the field, the rule and the value of a bad option', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ db: {} }, 'db'],
      [{ db, collectionName: '' }, 'collectionName'],
      [{ db, schedulesCollectionName: 'a$b' }, 'schedulesCollectionName'],
      [{ db, schedulesCollectionName: 7 }, 'schedulesCollectionName'],
      [{ db, collectionName: 'jobs', schedulesCollectionName: 'jobs' }, 'schedulesCollectionName'],
      [{ db, useChangeStreams: 'yes' }, 'useChangeStreams'],
      [{ db, retention: { completedMs: -1 } }, 'retention.completedMs'],
      [{ db, maxDocumentBytes: 17 * 1024 * 1024 }, 'maxDocumentBytes'],
      [{ db, maxErrorHistory: 0 }, 'maxErrorHistory'],
      [{ db, claimSpreadMax: 1.5 }, 'claimSpreadMax'],
      [{ db, statsFinishedCountCap: 0 }, 'statsFinishedCountCap'],
    ]
    for (const [options, field] of cases) {
      const error = (() => {
        try {
          resolveMongoBackendOptions(options as never)
        } catch (caught) {
          return caught
        }
      })()
      expect(ValidationError.isInstance(error), field).toBe(true)
      expect((error as ValidationError).field).toBe(field)
    }
    expect(() => resolveMongoBackendOptions({ db, maxErrorHistory: Number.NaN })).toThrow(
      'maxErrorHistory must be a positive integer, got NaN',
    )
  })
})

describe('ClaimContention', () => {
  it('claims strictly from the head alone, widens on lost races and narrows when calm', () => {
    const contention = new ClaimContention(8)
    expect(contention.spread()).toBe(1)
    contention.record(0, 10)
    expect(contention.spread()).toBe(1)
    contention.record(3, 10)
    contention.record(1, 10)
    expect(contention.spread()).toBe(4)
    for (let round = 0; round < 10; round++) contention.record(2, 10)
    expect(contention.spread()).toBe(8)
    for (let round = 0; round < ClaimContention.CALM_ROUNDS; round++) contention.record(0, 10)
    expect(contention.spread()).toBe(4)
  })
})
