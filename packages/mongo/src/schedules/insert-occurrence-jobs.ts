import type { OccurrenceOutcome } from '@durabl/core'
import { MongoBulkWriteError } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { DEDUPE_ACTIVE_INDEX_NAME, DEDUPE_PENDING_INDEX_NAME } from '../indexes.js'
import type { JobDocument } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { DUPLICATE_KEY, throwOnWriteConcernError, writeErrorsOf } from '../operations/run-bulk-write.js'
import { OCCURRENCE_INDEX_NAME, occurrenceKeysQuery } from './occurrence-index.js'

const COMMENT = commandComment('fireSchedule')
const DEDUPE_INDEX_NAMES: ReadonlySet<string> = new Set([DEDUPE_PENDING_INDEX_NAME, DEDUPE_ACTIVE_INDEX_NAME])

/**
 * The index an E11000 names. The Node driver keeps only `code`, `index`, `errmsg`, `errInfo` and
 * the operation of each bulk write error (`WriteError` in the driver's `src/bulk/common.ts`; the
 * server's `keyPattern`/`keyValue` are dropped), so the message is the one signal: mongod writes
 * "E11000 duplicate key error collection: <db.coll> index: <name> dup key: { … }"
 * (`buildDupKeyErrorStatus`, src/mongo/db/storage/index_entry_comparison.cpp).
 */
export function duplicateKeyIndexName(errmsg: string | undefined): string | null {
  const match = / index: (\S+) dup key/.exec(errmsg ?? '')
  return match?.[1] ?? null
}

/**
 * Writes one occurrence's jobs with one unordered `insert` (outside any transaction) and says per
 * job what became of it: `'enqueued'`; `'exists'` when `durabl_occurrence` refused it (a job of
 * that occurrence was written before); `'overlap'` when a dedupe slot index refused it. Any other
 * error is thrown, after the rest of the batch was written; a retry then finds those jobs.
 *
 * mongod reports one E11000 per document, for the first unique index that refuses it, and a job
 * re-written after a crash can break both its occurrence key and its dedupe slot (the earlier copy
 * is still pending). Which index mongod checks first is not documented, so an E11000 on a dedupe
 * index is confirmed by one indexed read of those occurrence keys (`durabl_occurrence`): the keys
 * found are `'exists'`. That read is only sent when a dedupe index refused a job.
 */
export async function insertOccurrenceJobs(
  context: OperationContext,
  documents: JobDocument[],
): Promise<OccurrenceOutcome[]> {
  const outcomes: OccurrenceOutcome[] = documents.map((document) => ({
    outcome: 'enqueued',
    id: document._id.toHexString(),
  }))
  if (documents.length === 0) return outcomes
  try {
    await context.collection.insertMany(documents, { ordered: false, comment: COMMENT })
    return outcomes
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error
    throwOnWriteConcernError(error)
    if (error.writeErrors === undefined) throw error
    const overlapped: number[] = []
    for (const writeError of writeErrorsOf(error)) {
      if (writeError.code !== DUPLICATE_KEY) throw error
      const index = duplicateKeyIndexName(writeError.errmsg)
      if (index === OCCURRENCE_INDEX_NAME) outcomes[writeError.index] = { outcome: 'exists' }
      else if (index !== null && DEDUPE_INDEX_NAMES.has(index)) overlapped.push(writeError.index)
      else throw error
    }
    if (overlapped.length > 0) await confirmOverlaps(context, documents, overlapped, outcomes)
    return outcomes
  }
}

async function confirmOverlaps(
  context: OperationContext,
  documents: JobDocument[],
  overlapped: number[],
  outcomes: OccurrenceOutcome[],
): Promise<void> {
  const keys = overlapped.map((position) => documents[position]!.occurrenceKey as string)
  const written = await context.collection
    .find(occurrenceKeysQuery(keys).filter, { projection: { _id: 0, occurrenceKey: 1 }, comment: COMMENT })
    .toArray()
  const existing = new Set(written.map((document) => document.occurrenceKey))
  for (const position of overlapped) {
    const key = documents[position]!.occurrenceKey
    outcomes[position] =
      key !== undefined && existing.has(key) ? { outcome: 'exists' } : { outcome: 'overlap' }
  }
}
