import { BackendError, type UpsertScheduleParams, type UpsertScheduleResult } from '@durabl/core'
import { MongoServerError, type UpdateFilter } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { DUPLICATE_KEY } from '../operations/run-bulk-write.js'
import { assertDate, assertNonEmptyString } from '../validate.js'
import {
  newScheduleDocument,
  type ScheduleContext,
  type ScheduleDocument,
  toSchedule,
} from './schedule-document.js'
import { assertBoolean, assertDateOrNull, assertObject, assertScheduleId } from './validate-schedule.js'

const COMMENT = commandComment('upsertSchedule')

/**
 * Rounds of read-then-compare-and-set before giving up. A round is lost only when another write
 * (a fire, a patch, a concurrent upsert) changed the schedule between the read and the write, so
 * each lost round means someone else made progress.
 */
export const UPSERT_MAX_ROUNDS = 10

export function validateUpsertScheduleParams(params: UpsertScheduleParams): void {
  assertObject(params, 'params')
  assertScheduleId(params.id)
  assertObject(params.definition, 'definition')
  assertNonEmptyString(params.definitionHash, 'definitionHash')
  assertNonEmptyString(params.timingHash, 'timingHash')
  assertDateOrNull(params.nextRunAt, 'nextRunAt')
  assertBoolean(params.managed, 'managed')
  assertDate(params.now, 'now')
}

/**
 * Reads the schedule by id (one `find`) and decides in memory, so the usual call, `sync()` at a
 * process start finding the definition unchanged, costs that one read and writes nothing. Then:
 * - none stored: one `insert`; a concurrent upsert that inserted first makes it fail with E11000,
 *   and the round starts over as an update (concurrent upserts of one id create it once);
 * - another `definitionHash`, or a managed mark to set: one `findAndModify` guarded on the `rev`
 *   read, so nothing written meanwhile is overwritten; a lost guard starts the round over.
 */
export async function upsertSchedule(
  context: ScheduleContext,
  params: UpsertScheduleParams,
): Promise<UpsertScheduleResult> {
  validateUpsertScheduleParams(params)
  for (let round = 0; round < UPSERT_MAX_ROUNDS; round++) {
    const stored = await context.schedules.findOne({ _id: params.id }, { comment: COMMENT })
    if (stored === null) {
      const document = newScheduleDocument(params)
      try {
        await context.schedules.insertOne(document, { comment: COMMENT })
        return { outcome: 'created', schedule: toSchedule(document) }
      } catch (error) {
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) continue
        throw error
      }
    }
    const change = changeFor(stored, params)
    if (change.update === null) return { outcome: change.outcome, schedule: toSchedule(stored) }
    const written = await context.schedules.findOneAndUpdate(
      { _id: params.id, rev: stored.rev },
      change.update,
      {
        returnDocument: 'after',
        comment: COMMENT,
      },
    )
    if (written !== null) return { outcome: change.outcome, schedule: toSchedule(written) }
  }
  throw new BackendError(
    'upsertSchedule',
    `schedule "${params.id}" changed under ${UPSERT_MAX_ROUNDS} upserts in a row; try again`,
    { transient: true },
  )
}

/** What an upsert writes over a stored schedule, or `update: null` when it writes nothing. */
function changeFor(
  stored: ScheduleDocument,
  params: UpsertScheduleParams,
): { outcome: 'updated' | 'unchanged'; update: UpdateFilter<ScheduleDocument> | null } {
  // `managed: true` (sync) marks it managed and declared; a plain upsert leaves both alone.
  const mark = params.managed && (stored.managed !== true || (stored.undeclaredSince ?? null) !== null)
  const managedFields = params.managed ? { managed: true, undeclaredSince: null } : {}
  if (stored.definitionHash === params.definitionHash) {
    if (!mark) return { outcome: 'unchanged', update: null }
    return {
      outcome: 'unchanged',
      update: { $set: { ...managedFields, updatedAt: params.now }, $inc: { rev: 1 } },
    }
  }
  return {
    outcome: 'updated',
    update: {
      $set: {
        definition: params.definition,
        definitionHash: params.definitionHash,
        timingHash: params.timingHash,
        // A new payload keeps the next run; a new timing recomputes it.
        ...(stored.timingHash === params.timingHash ? {} : { nextRunAt: params.nextRunAt }),
        ...managedFields,
        updatedAt: params.now,
      },
      $inc: { rev: 1 },
    },
  }
}
