import { type FireScheduleParams, type FireScheduleResult, ValidationError } from '@durabl/core'
import { commandComment } from '../command-comment.js'
import { buildJobDocument } from '../operations/enqueue-jobs.js'
import { assertArray, assertDate, assertNonEmptyString, assertNonNegativeInteger } from '../validate.js'
import { insertOccurrenceJobs } from './insert-occurrence-jobs.js'
import { type ScheduleContext, type ScheduleDocument, toSchedule } from './schedule-document.js'
import { assertDateOrNull, assertObject, assertScheduleId } from './validate-schedule.js'

const COMMENT = commandComment('fireSchedule')

/**
 * Enqueues an occurrence's jobs, then advances the schedule. Two commands in the usual case:
 * 1. one unordered `insert` of the jobs, each carrying its `occurrenceKey` under the unique
 *    `durabl_occurrence` index (see `insertOccurrenceJobs`; one more indexed read only when a
 *    dedupe index refused a job), never inside a transaction, so a job written stays written;
 * 2. one `findAndModify` compare-and-set on `{ _id, nextRunAt, rev, paused: false }` as the
 *    caller read them, returning the schedule as written. When it does not match, one more `find`
 *    returns the schedule as it stands (or null).
 * A crash between the two leaves the jobs written and the schedule behind; whoever fires the
 * occurrence next gets `'exists'` for them and advances the schedule.
 */
export async function fireSchedule(
  context: ScheduleContext,
  params: FireScheduleParams,
): Promise<FireScheduleResult> {
  validateFireScheduleParams(params)
  const documents = params.jobs.map((job, index) =>
    buildJobDocument(context, job, params.now, `jobs[${index}]`, job.occurrenceKey),
  )
  const jobs = await insertOccurrenceJobs(context, documents)

  let enqueued = 0
  let exists = 0
  let overlap = 0
  let lastJobId: string | null = null
  for (const job of jobs) {
    if (job.outcome === 'enqueued') {
      enqueued += 1
      lastJobId = job.id
    } else if (job.outcome === 'exists') exists += 1
    else overlap += 1
  }
  const { advance, expected } = params
  const set: Partial<ScheduleDocument> = {
    nextRunAt: advance.nextRunAt,
    owner: advance.owner,
    lastRunAt: advance.lastRunAt,
    updatedAt: params.now,
  }
  // `lastEnqueuedAt` is when the newest run was enqueued: a pass that enqueued nothing (every
  // occurrence skipped, missed or already written) leaves it, and `lastJobId`, as they were.
  if (lastJobId !== null) {
    set.lastJobId = lastJobId
    set.lastEnqueuedAt = params.now
  }
  const written = await context.schedules.findOneAndUpdate(
    { _id: params.id, nextRunAt: expected.nextRunAt, rev: expected.rev, paused: false },
    { $set: set, $inc: { runs: enqueued + exists, skipped: overlap, missed: advance.missed, rev: 1 } },
    { returnDocument: 'after', comment: COMMENT },
  )
  if (written !== null) return { jobs, advanced: true, schedule: toSchedule(written) }
  const current = await context.schedules.findOne({ _id: params.id }, { comment: COMMENT })
  return { jobs, advanced: false, schedule: current === null ? null : toSchedule(current) }
}

function validateFireScheduleParams(params: FireScheduleParams): void {
  assertObject(params, 'params')
  assertScheduleId(params.id)
  assertDate(params.now, 'now')
  assertObject(params.expected, 'expected')
  assertDate(params.expected.nextRunAt, 'expected.nextRunAt')
  assertNonNegativeInteger(params.expected.rev, 'expected.rev')
  assertArray(params.jobs, 'jobs')
  params.jobs.forEach((job, index) => {
    assertObject(job, `jobs[${index}]`)
    assertNonEmptyString(job.occurrenceKey, `jobs[${index}].occurrenceKey`)
  })
  const keys = new Set<string>()
  params.jobs.forEach((job, index) => {
    if (keys.has(job.occurrenceKey)) {
      throw new ValidationError(
        `jobs[${index}].occurrenceKey`,
        'repeats the key of an earlier job',
        job.occurrenceKey,
      )
    }
    keys.add(job.occurrenceKey)
  })
  assertObject(params.advance, 'advance')
  assertDateOrNull(params.advance.nextRunAt, 'advance.nextRunAt')
  assertDate(params.advance.lastRunAt, 'advance.lastRunAt')
  assertNonNegativeInteger(params.advance.missed, 'advance.missed')
  assertNonEmptyString(params.advance.owner, 'advance.owner')
}
