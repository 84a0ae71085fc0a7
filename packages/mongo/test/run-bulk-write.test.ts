import { BackendError } from '@durabl/core'
import { type Collection, type Document, MongoBulkWriteError, ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { JobDocument } from '../src/job-document.js'
import { applyEndingWrites, type EndingWrite } from '../src/operations/apply-ending-writes.js'
import { runBulkWrite } from '../src/operations/run-bulk-write.js'
import { resolveMongoBackendOptions } from '../src/options.js'

// Unit level: a real mongod reports these only under conditions a test cannot set up portably
// (a write concern that times out, a document already close to 16 MiB). The shapes are the Node
// driver's: an unordered bulk with write errors throws MongoBulkWriteError whose `writeErrors` hold
// { index, code, errmsg }; a write concern error that came with write errors is on `result` only
// (`result.getWriteConcernError()`, driver src/bulk/common.ts handleWriteError); mongod refuses an
// update that grows a document past 16 MiB with 17419 for that statement alone.

interface FakeResult {
  matchedCount: number
  modifiedCount: number
  insertedCount: number
  getWriteConcernError(): Document | undefined
}

function bulkError(
  writeErrors: Array<{ index: number; code: number; errmsg: string }>,
  result: Partial<FakeResult>,
): MongoBulkWriteError {
  const full: FakeResult = {
    matchedCount: 0,
    modifiedCount: 0,
    insertedCount: 0,
    getWriteConcernError: () => undefined,
    ...result,
  }
  return new MongoBulkWriteError(
    { message: writeErrors[0]?.errmsg ?? 'bulk', code: writeErrors[0]?.code, writeErrors } as never,
    full as never,
  )
}

function fakeCollection(
  bulkWrites: Array<(operations: Document[]) => unknown>,
  found: () => Document[] = () => [],
) {
  const calls: Document[][] = []
  const collection = {
    async bulkWrite(operations: Document[]) {
      calls.push(operations)
      const next = bulkWrites.shift()
      if (!next) throw new Error('unexpected bulkWrite')
      return next(operations)
    },
    find: () => ({ toArray: async () => found() }),
  }
  return { collection: collection as unknown as Collection<JobDocument>, calls }
}

describe('runBulkWrite', () => {
  it('reports a statement refused for size by index instead of throwing for the batch', async () => {
    const { collection } = fakeCollection([
      () => {
        throw bulkError(
          [{ index: 1, code: 17419, errmsg: 'Resulting document after update is larger than 16777216' }],
          {
            matchedCount: 1,
            modifiedCount: 1,
          },
        )
      },
    ])
    const outcome = await runBulkWrite(
      collection,
      [{ deleteOne: { filter: {} } }, { deleteOne: { filter: {} } }],
      { comment: 'durabl:test' },
    )
    expect(outcome.matchedCount).toBe(1)
    expect([...outcome.tooLarge.keys()]).toEqual([1])
    expect(outcome.duplicates.size).toBe(0)
  })

  it('surfaces a write concern error that came with duplicate-key errors as a transient BackendError', async () => {
    const { collection } = fakeCollection([
      () => {
        throw bulkError([{ index: 0, code: 11000, errmsg: 'E11000 duplicate key' }], {
          insertedCount: 1,
          getWriteConcernError: () => ({ code: 64, errmsg: 'waiting for replication timed out' }),
        })
      },
    ])
    const error = await runBulkWrite(
      collection,
      [{ insertOne: { document: {} as JobDocument } }, { insertOne: { document: {} as JobDocument } }],
      { comment: 'durabl:test' },
    ).catch((caught: unknown) => caught)
    expect(BackendError.isInstance(error)).toBe(true)
    expect((error as BackendError).transient).toBe(true)
    expect((error as BackendError).message).toContain('write concern')
  })
})

describe('applyEndingWrites', () => {
  it('fails the job whose write the server refused for size, and acknowledges the others', async () => {
    const ids = [new ObjectId(), new ObjectId()]
    const written = new Map<string, string>()
    const { collection, calls } = fakeCollection(
      [
        () => {
          throw bulkError([{ index: 1, code: 17419, errmsg: 'Resulting document after update is larger' }], {
            matchedCount: 1,
            modifiedCount: 1,
          })
        },
        (operations) => {
          const update = (operations[0] as Document).updateOne
          written.set(String(update.filter._id), update.update[0].$set.lastAckId)
          return { matchedCount: 1, modifiedCount: 1, insertedCount: 0 }
        },
      ],
      () => [
        { _id: ids[0], lastAckId: 'ack-0' },
        { _id: ids[1], lastAckId: written.get(String(ids[1])) },
      ],
    )
    const context = {
      collection,
      options: resolveMongoBackendOptions({ db: { collection: () => ({}) } as never }),
    }
    const now = new Date('2040-01-01T00:00:00Z')
    const writes: EndingWrite[] = ids.map((_id, index) => ({
      id: _id.toHexString(),
      ref: { _id, leaseToken: `t${index}` },
      ackId: `ack-${index}`,
      operations: [
        {
          updateOne: {
            filter: { _id, state: 'active' as const, leaseToken: `t${index}` },
            update: { $set: { state: 'completed' as const, lastAckId: `ack-${index}` } },
          },
        },
      ],
    }))
    const result = await applyEndingWrites(context, writes, { comment: 'durabl:test', now })
    expect(result).toMatchObject({
      applied: [ids[0]?.toHexString()],
      lost: [],
      tooLarge: [ids[1]?.toHexString()],
    })
    // The fallback is guarded by the lease, and records a fatal DOCUMENT_TOO_LARGE error.
    const fallback = (calls[1]?.[0] as Document | undefined)?.updateOne
    expect(fallback?.filter).toEqual({ _id: ids[1], state: 'active', leaseToken: 't1' })
    expect(JSON.stringify(fallback?.update)).toContain('DOCUMENT_TOO_LARGE')
  })
})
