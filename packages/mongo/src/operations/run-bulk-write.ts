import type { AnyBulkWriteOperation, ClientSession, Collection } from 'mongodb'
import { MongoBulkWriteError } from 'mongodb'
import type { JobDocument } from '../job-document.js'

/** Duplicate key: a unique index (a dedupe slot) refused the write. */
export const DUPLICATE_KEY = 11000

export interface BulkOutcome {
  matchedCount: number
  modifiedCount: number
  insertedCount: number
  /** Indexes of the operations a unique index refused. */
  duplicates: Set<number>
}

function writeErrorsOf(error: MongoBulkWriteError): Array<{ index: number; code: number }> {
  const errors = error.writeErrors
  return Array.isArray(errors) ? [...errors] : [errors as { index: number; code: number }]
}

/**
 * One unordered bulkWrite: a single round trip for any number of guarded single-document writes.
 * Duplicate-key refusals are expected (dedupe slots) and reported by index; every other write
 * error is thrown, after the rest of the batch was applied.
 */
export async function runBulkWrite(
  collection: Collection<JobDocument>,
  operations: AnyBulkWriteOperation<JobDocument>[],
  options: { comment: string; session?: ClientSession | undefined },
): Promise<BulkOutcome> {
  const { comment, session } = options
  if (operations.length === 0)
    return { matchedCount: 0, modifiedCount: 0, insertedCount: 0, duplicates: new Set() }
  try {
    const result = await collection.bulkWrite(
      operations,
      session ? { ordered: false, comment, session } : { ordered: false, comment },
    )
    return {
      matchedCount: result.matchedCount,
      modifiedCount: result.modifiedCount,
      insertedCount: result.insertedCount,
      duplicates: new Set(),
    }
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError) || error.writeErrors === undefined) throw error
    const writeErrors = writeErrorsOf(error)
    if (writeErrors.length === 0 || writeErrors.some((writeError) => writeError.code !== DUPLICATE_KEY))
      throw error
    if (error.err !== undefined) throw error
    return {
      matchedCount: error.result.matchedCount,
      modifiedCount: error.result.modifiedCount,
      insertedCount: error.result.insertedCount,
      duplicates: new Set(writeErrors.map((writeError) => writeError.index)),
    }
  }
}
