import {
  BackendError,
  type EnqueueJobsParams,
  type NewJob,
  PayloadError,
  ValidationError,
} from '@durabl/core'
import { BSON, type ClientSession, type Document } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { type JobDocument, newJobDocument } from '../job-document.js'
import type { OperationContext } from '../operation-context.js'
import { assertDate, assertDedupeScope, assertNonEmptyString } from '../validate.js'
import { dedupePrecheckQuery } from './dedupe-key-query.js'
import { runBulkWrite } from './run-bulk-write.js'

/** Checks the fields that reach a query or an index, so no user value becomes an operator. */
export function validateNewJob(job: NewJob, field: string): void {
  if (typeof job !== 'object' || job === null) throw new ValidationError(field, 'must be an object', job)
  assertNonEmptyString(job.type, `${field}.type`)
  assertDate(job.runAt, `${field}.runAt`)
  if (job.dedupeKey !== null && job.dedupeKey !== undefined) {
    assertNonEmptyString(job.dedupeKey, `${field}.dedupeKey`)
    if (job.dedupeScope !== null && job.dedupeScope !== undefined)
      assertDedupeScope(job.dedupeScope, `${field}.dedupeScope`)
  }
  // A string before it reaches a query or a slot name, like the dedupe key.
  if (job.limitKey !== null && job.limitKey !== undefined)
    assertNonEmptyString(job.limitKey, `${field}.limitKey`)
  if (typeof job.priority !== 'number' || !Number.isFinite(job.priority)) {
    throw new ValidationError(`${field}.priority`, 'must be a finite number', job.priority)
  }
  if (typeof job.maxAttempts !== 'number' || !Number.isInteger(job.maxAttempts) || job.maxAttempts < 1) {
    throw new ValidationError(`${field}.maxAttempts`, 'must be an integer >= 1', job.maxAttempts)
  }
}

/**
 * Builds the document and refuses it when its BSON size is over `maxDocumentBytes`. With
 * `occurrenceKey` (a schedule's job, see `fireSchedule`), the document stores it.
 */
export function buildJobDocument(
  context: OperationContext,
  job: NewJob,
  now: Date,
  field: string,
  occurrenceKey?: string,
): JobDocument {
  validateNewJob(job, field)
  const document = newJobDocument(
    { ...job, dedupeKey: job.dedupeKey ?? null, dedupeScope: job.dedupeScope ?? null },
    now,
  )
  if (occurrenceKey !== undefined) document.occurrenceKey = occurrenceKey
  let size: number
  try {
    size = BSON.calculateObjectSize(document as unknown as Document)
  } catch (error) {
    throw new PayloadError(`${field}.data`, `cannot be stored as BSON: ${(error as Error).message}`)
  }
  if (size > context.options.maxDocumentBytes) {
    throw new PayloadError(
      `${field}.data`,
      `makes a job document of ${size} bytes as BSON, more than maxDocumentBytes (${context.options.maxDocumentBytes})`,
    )
  }
  return document
}

/**
 * Inserts jobs in one round trip (`insertMany` as an unordered bulk). A unique dedupe index
 * refusing a document (E11000) yields `null` at that position; the others are written.
 *
 * With `session`, the insert joins the caller's transaction (the outbox pattern). A duplicate-key
 * error inside a transaction aborts the whole transaction on the server, which would turn a
 * harmless duplicate into a failed business write; so inside a transaction the keys are read
 * first, in the transaction's snapshot, and known duplicates are left out. Uniqueness is still
 * enforced by the indexes: a duplicate committed concurrently surfaces as a write conflict, which
 * the driver labels `TransientTransactionError` and `session.withTransaction` retries.
 */
export async function enqueueJobs(
  context: OperationContext,
  params: EnqueueJobsParams,
): Promise<Array<string | null>> {
  assertDate(params.now, 'now')
  if (!Array.isArray(params.jobs)) throw new ValidationError('jobs', 'must be an array', params.jobs)
  const documents = params.jobs.map((job, index) =>
    buildJobDocument(context, job, params.now, `jobs[${index}]`),
  )
  if (documents.length === 0) return []
  const session = params.session as ClientSession | undefined
  // A session outside a transaction is a plain session: duplicates are refused by the indexes and
  // returned as null, as without one. Only a transaction needs the pre-check.
  const inTransaction = session?.inTransaction?.() === true
  const write = inTransaction
    ? await withoutKnownDuplicates(context, documents, session as ClientSession)
    : documents

  const outcome = await runBulkWrite(
    context.collection,
    write
      .filter((document): document is JobDocument => document !== null)
      .map((document) => ({ insertOne: { document } })),
    { comment: commandComment('enqueueJobs'), session },
  )
  if (inTransaction && outcome.duplicates.size > 0) {
    // The server has already aborted the caller's transaction: say so instead of returning null.
    throw new BackendError(
      'enqueueJobs',
      'a dedupe key was taken by a concurrent commit; the server aborted the transaction, retry it',
      { transient: true },
    )
  }
  const ids: Array<string | null> = []
  let insertIndex = 0
  for (const document of write) {
    if (document === null) {
      ids.push(null)
      continue
    }
    ids.push(outcome.duplicates.has(insertIndex) ? null : document._id.toHexString())
    insertIndex += 1
  }
  return ids
}

/** Inside a transaction: replaces with null each document whose dedupe slot is already taken. */
async function withoutKnownDuplicates(
  context: OperationContext,
  documents: JobDocument[],
  session: ClientSession,
): Promise<Array<JobDocument | null>> {
  const keys = [
    ...new Set(documents.flatMap((document) => (document.dedupeKey === null ? [] : [document.dedupeKey]))),
  ]
  const takenPending = new Set<string>()
  const takenActive = new Set<string>()
  if (keys.length > 0) {
    const holders = await context.collection
      .find(dedupePrecheckQuery(keys).filter, {
        projection: { dedupe: 1 },
        session,
        comment: commandComment('enqueueJobs'),
      })
      .toArray()
    for (const holder of holders) {
      if (typeof holder.dedupe?.pendingKey === 'string') takenPending.add(holder.dedupe.pendingKey)
      if (typeof holder.dedupe?.activeKey === 'string') takenActive.add(holder.dedupe.activeKey)
    }
  }
  return documents.map((document) => {
    const slots = document.dedupe
    if (!slots) return document
    const pending = typeof slots.pendingKey === 'string' ? slots.pendingKey : null
    const active = typeof slots.activeKey === 'string' ? slots.activeKey : null
    if ((pending !== null && takenPending.has(pending)) || (active !== null && takenActive.has(active)))
      return null
    if (pending !== null) takenPending.add(pending)
    if (active !== null) takenActive.add(active)
    return document
  })
}
