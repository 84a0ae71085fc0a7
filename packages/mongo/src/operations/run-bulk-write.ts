import { BackendError } from '@durabl/core'
import type { AnyBulkWriteOperation, ClientSession, Collection, Document } from 'mongodb'
import { MongoBulkWriteError } from 'mongodb'
import type { JobDocument } from '../job-document.js'
import { redact } from '../redact.js'

/** Duplicate key: a unique index (a dedupe slot) refused the write. */
export const DUPLICATE_KEY = 11000

/**
 * A write that would make its document larger than 16 MiB: 17419 (an update's result is too
 * large), 17420 (an upsert's), 10334 BSONObjectTooLarge (manual, "MongoDB Limits and Thresholds",
 * and the server's error_codes.yml). In an unordered bulk the server refuses that statement alone.
 */
export const DOCUMENT_TOO_LARGE_CODES: ReadonlySet<number> = new Set([10334, 17419, 17420])

export interface BulkOutcome {
  matchedCount: number
  modifiedCount: number
  insertedCount: number
  /** Indexes of the operations a unique index refused. */
  duplicates: Set<number>
  /** Indexes of the operations refused because the document would grow past 16 MiB, with the server's message. */
  tooLarge: Map<number, string>
}

export interface WriteErrorLike {
  index: number
  code: number
  errmsg?: string
}

/** The write errors of a failed bulk, as a list whatever shape the driver gave them. */
export function writeErrorsOf(error: MongoBulkWriteError): WriteErrorLike[] {
  const errors = error.writeErrors
  return Array.isArray(errors) ? [...errors] : [errors as unknown as WriteErrorLike]
}

/**
 * The write concern error of a bulk, wherever the driver put it: on the error itself when it was
 * the only problem (`err`), only on `result` when write errors came with it.
 */
function writeConcernErrorOf(error: MongoBulkWriteError): { code?: number; errmsg?: string } | undefined {
  if (error.err !== undefined) return error.err as { code?: number; errmsg?: string }
  const result = error.result as { getWriteConcernError?: () => unknown } | undefined
  const concern =
    typeof result?.getWriteConcernError === 'function' ? result.getWriteConcernError() : undefined
  return (concern ?? undefined) as { code?: number; errmsg?: string } | undefined
}

/**
 * Throws a transient BackendError when the bulk also had a write concern error: its writes were
 * applied on the primary but not confirmed as asked, whatever else went wrong.
 */
export function throwOnWriteConcernError(error: MongoBulkWriteError): void {
  const concern = writeConcernErrorOf(error)
  if (concern === undefined) return
  throw new BackendError(
    'bulkWrite',
    redact(
      `the writes were applied but the write concern was not satisfied (${concern.code ?? 'no code'}): ${concern.errmsg ?? error.message}`,
    ),
    { transient: true },
  )
}

/**
 * One unordered bulkWrite: a single round trip for any number of guarded single-document writes.
 * Duplicate-key refusals are expected (dedupe slots) and reported by index, as are writes refused
 * because the document would grow past 16 MiB (the caller ends those jobs alone); every other
 * write error is thrown, after the rest of the batch was applied. A write concern error (the
 * writes were applied on the primary but not confirmed as asked) is a transient BackendError,
 * even when the bulk also had duplicate-key errors.
 */
export async function runBulkWrite<TDocument extends Document = JobDocument>(
  collection: Collection<TDocument>,
  operations: AnyBulkWriteOperation<TDocument>[],
  options: { comment: string; session?: ClientSession | undefined },
): Promise<BulkOutcome> {
  const { comment, session } = options
  if (operations.length === 0)
    return { matchedCount: 0, modifiedCount: 0, insertedCount: 0, duplicates: new Set(), tooLarge: new Map() }
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
      tooLarge: new Map(),
    }
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error
    throwOnWriteConcernError(error)
    if (error.writeErrors === undefined) throw error
    const writeErrors = writeErrorsOf(error)
    const expected = (code: number) => code === DUPLICATE_KEY || DOCUMENT_TOO_LARGE_CODES.has(code)
    if (writeErrors.length === 0 || writeErrors.some((writeError) => !expected(writeError.code))) throw error
    return {
      matchedCount: error.result.matchedCount,
      modifiedCount: error.result.modifiedCount,
      insertedCount: error.result.insertedCount,
      duplicates: new Set(
        writeErrors
          .filter((writeError) => writeError.code === DUPLICATE_KEY)
          .map((writeError) => writeError.index),
      ),
      tooLarge: new Map(
        writeErrors
          .filter((writeError) => DOCUMENT_TOO_LARGE_CODES.has(writeError.code))
          .map((writeError) => [writeError.index, writeError.errmsg ?? `code ${writeError.code}`]),
      ),
    }
  }
}
