import {
  BackendError,
  type FireScheduleParams,
  type Schedule,
  scheduleDedupeKey,
  ValidationError,
} from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import type { CommandStartedEvent, Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend, OCCURRENCE_INDEX_NAME, occurrenceKeysQuery } from '../src/index.js'
import { durablOperationOf } from './support/classify-command.js'
import { occurrenceJob, upsertParams } from './support/schedule-fixtures.js'

// mongod behaviour relied on:
// - a unique partial index refuses a second document whose key matches its filter, whatever the
//   first one's state, and ignores documents outside the filter (manual, "Partial Indexes: Partial
//   Index with Unique Constraint");
// - an unordered insert writes every document it can and reports one write error per refused
//   document, E11000 naming the index: "E11000 duplicate key error collection: <ns> index: <name>
//   dup key: …" (manual, "db.collection.insertMany(): Unordered Inserts"; the message is built by
//   buildDupKeyErrorStatus in src/mongo/db/storage/index_entry_comparison.cpp);
// - findAndModify matches and modifies one document atomically, returning it as written with
//   `new: true` (manual, "findAndModify").
const mongo = await useMongo()
const OCCURRENCE_1 = new Date('2040-01-01T00:05:00Z')
const OCCURRENCE_2 = new Date('2040-01-01T00:10:00Z')
const OCCURRENCE_3 = new Date('2040-01-01T00:15:00Z')
const at = (occurrence: Date, offsetMs = 0) => new Date(occurrence.getTime() + offsetMs)

async function setup() {
  const client = await mongo.newClient({ monitorCommands: true })
  const db = client.db((await mongo.db()).databaseName)
  const backend = new MongoBackend({ db, useChangeStreams: false })
  await backend.startup()
  const { schedule } = await backend.schedules.upsertSchedule(upsertParams({ nextRunAt: OCCURRENCE_1 }))
  const commands: CommandStartedEvent[] = []
  client.on('commandStarted', (event) => {
    if (durablOperationOf(event) !== null) commands.push(event)
  })
  return { db, backend, schedules: backend.schedules, schedule, commands }
}

/** Fires `occurrence` of the schedule as read, advancing it to `next`. */
function fire(
  schedule: Schedule,
  occurrence: Date,
  next: Date | null,
  jobs = [occurrenceJob('nightly', occurrence)],
) {
  return {
    id: schedule.id,
    expected: { nextRunAt: schedule.nextRunAt as Date, rev: schedule.rev },
    jobs,
    advance: { nextRunAt: next, lastRunAt: occurrence, missed: 0, owner: 'worker-1' },
    now: at(occurrence, 250),
  } satisfies FireScheduleParams
}

function withKey(occurrence: Date, scope: 'pending' | 'pending+active') {
  return occurrenceJob('nightly', occurrence, { dedupeKey: scheduleDedupeKey('nightly'), dedupeScope: scope })
}

describe('fireSchedule', () => {
  it('writes the job with its occurrence key and advances the schedule: 2 commands', async () => {
    const { db, schedules, schedule, commands } = await setup()
    commands.length = 0
    const result = await schedules.fireSchedule(fire(schedule, OCCURRENCE_1, OCCURRENCE_2))
    const sent = commands.map((event) => `${event.commandName}:${durablOperationOf(event)}`)
    expect(sent).toEqual(['insert:fireSchedule', 'findAndModify:fireSchedule'])
    console.log(`fireSchedule, normal path: ${sent.length} commands (${sent.join(', ')})`)

    expect(result.advanced).toBe(true)
    const [job] = result.jobs
    expect(job?.outcome).toBe('enqueued')
    const id = job?.outcome === 'enqueued' ? job.id : ''
    expect(result.schedule).toMatchObject({
      nextRunAt: OCCURRENCE_2,
      lastRunAt: OCCURRENCE_1,
      lastEnqueuedAt: at(OCCURRENCE_1, 250),
      lastJobId: id,
      owner: 'worker-1',
      runs: 1,
      skipped: 0,
      missed: 0,
      rev: schedule.rev + 1,
    })
    const stored = await db.collection('durabl_jobs').findOne({})
    expect(stored?.occurrenceKey).toBe('nightly@2040-01-01T00:05:00.000Z')
    expect(stored?._id.toHexString()).toBe(id)
    expect(stored?.state).toBe('pending')
  })

  it('an occurrence written twice with the same guard: the second finds it and does not advance', async () => {
    const { db, schedules, schedule } = await setup()
    const params = fire(schedule, OCCURRENCE_1, OCCURRENCE_2)
    await schedules.fireSchedule(params)
    const second = await schedules.fireSchedule(params)
    expect(second.jobs).toEqual([{ outcome: 'exists' }])
    expect(second.advanced).toBe(false)
    expect(second.schedule).toMatchObject({ nextRunAt: OCCURRENCE_2, runs: 1, rev: schedule.rev + 1 })
    expect(await db.collection('durabl_jobs').countDocuments()).toBe(1)
  })

  it('after a crash between the insert and the advance, the next fire finds the job and advances', async () => {
    const { db, schedules, schedule } = await setup()
    // A crash between the two steps leaves the job written and the schedule as it was: the same
    // state as a fire whose guard did not match.
    const stale = await schedules.fireSchedule({
      ...fire(schedule, OCCURRENCE_1, OCCURRENCE_2),
      expected: { nextRunAt: OCCURRENCE_1, rev: 99 },
    })
    expect(stale.advanced).toBe(false)
    expect(stale.schedule).toEqual(schedule)
    const retry = await schedules.fireSchedule(fire(schedule, OCCURRENCE_1, OCCURRENCE_2))
    expect(retry.jobs).toEqual([{ outcome: 'exists' }])
    expect(retry.advanced).toBe(true)
    expect(retry.schedule).toMatchObject({
      nextRunAt: OCCURRENCE_2,
      runs: 1,
      lastJobId: null,
      lastEnqueuedAt: null,
    })
    expect(await db.collection('durabl_jobs').countDocuments()).toBe(1)
  })

  it('a finished job still blocks its occurrence', async () => {
    const { db, backend, schedules, schedule } = await setup()
    const first = await schedules.fireSchedule(fire(schedule, OCCURRENCE_1, OCCURRENCE_2))
    const [claimed] = await backend.claimJobs({
      types: [{ type: 'report', limit: 1, leaseMs: 10_000 }],
      limit: 1,
      workerId: 'w',
      now: at(OCCURRENCE_1, 500),
    })
    await backend.completeJobs({
      jobs: [{ id: claimed!.id, leaseToken: claimed!.leaseToken! }],
      now: at(OCCURRENCE_1, 600),
    })
    expect((await backend.getJob({ id: claimed!.id }))?.state).toBe('completed')
    const again = await schedules.fireSchedule({
      ...fire(first.schedule!, OCCURRENCE_1, OCCURRENCE_2),
      expected: { nextRunAt: OCCURRENCE_2, rev: first.schedule!.rev },
    })
    expect(again.jobs).toEqual([{ outcome: 'exists' }])
    expect(await db.collection('durabl_jobs').countDocuments()).toBe(1)
  })

  it.each(['pending+active', 'pending'] as const)(
    "reports 'overlap' when the previous run holds the dedupe key (scope %s) and counts it skipped",
    async (scope) => {
      const { schedules, schedule } = await setup()
      const first = await schedules.fireSchedule(
        fire(schedule, OCCURRENCE_1, OCCURRENCE_2, [withKey(OCCURRENCE_1, scope)]),
      )
      expect(first.jobs[0]?.outcome).toBe('enqueued')
      const second = await schedules.fireSchedule(
        fire(first.schedule!, OCCURRENCE_2, OCCURRENCE_3, [withKey(OCCURRENCE_2, scope)]),
      )
      expect(second.jobs).toEqual([{ outcome: 'overlap' }])
      expect(second.advanced).toBe(true)
      expect(second.schedule).toMatchObject({
        runs: 1,
        skipped: 1,
        nextRunAt: OCCURRENCE_3,
        lastJobId: first.schedule!.lastJobId,
      })
    },
  )

  it("a re-fired occurrence whose job still holds the dedupe key is 'exists', not 'overlap'", async () => {
    // The job breaks two unique indexes; mongod reports one of them (which one first is not
    // documented), so a dedupe refusal is confirmed by one read of the occurrence keys.
    const { db, schedules, schedule, commands } = await setup()
    const params = fire(schedule, OCCURRENCE_1, OCCURRENCE_2, [withKey(OCCURRENCE_1, 'pending+active')])
    await schedules.fireSchedule({ ...params, expected: { nextRunAt: OCCURRENCE_1, rev: 99 } })
    commands.length = 0
    const retry = await schedules.fireSchedule(params)
    expect(retry.jobs).toEqual([{ outcome: 'exists' }])
    expect(retry.schedule).toMatchObject({ runs: 1, skipped: 0 })
    expect(commands.map((event) => event.commandName)).toEqual(['insert', 'find', 'findAndModify'])
    expect(await db.collection('durabl_jobs').countDocuments()).toBe(1)
  })

  it('writes each job of a pass independently, oldest first', async () => {
    const { schedules, schedule } = await setup()
    const result = await schedules.fireSchedule(
      fire(schedule, OCCURRENCE_3, null, [
        withKey(OCCURRENCE_1, 'pending'),
        withKey(OCCURRENCE_2, 'pending'),
        withKey(OCCURRENCE_3, 'pending'),
      ]),
    )
    expect(result.jobs.map((job) => job.outcome)).toEqual(['enqueued', 'overlap', 'overlap'])
    expect(result.schedule).toMatchObject({ runs: 1, skipped: 2, nextRunAt: null, lastRunAt: OCCURRENCE_3 })
  })

  it('refuses to advance a paused schedule, or one whose rev moved, and returns it as stored', async () => {
    const { schedules, schedule, commands } = await setup()
    const paused = await schedules.patchSchedule({
      id: 'nightly',
      set: { paused: true },
      now: at(OCCURRENCE_1),
    })
    const whilePaused = await schedules.fireSchedule(fire(paused!, OCCURRENCE_1, OCCURRENCE_2))
    expect(whilePaused.advanced).toBe(false)
    expect(whilePaused.schedule).toEqual(paused)

    const resumed = await schedules.patchSchedule({
      id: 'nightly',
      set: { paused: false },
      now: at(OCCURRENCE_1),
    })
    commands.length = 0
    const staleRev = await schedules.fireSchedule(fire(schedule, OCCURRENCE_2, OCCURRENCE_3))
    expect(staleRev.advanced).toBe(false)
    expect(staleRev.schedule).toEqual(resumed)
    expect(commands.map((event) => event.commandName)).toEqual(['insert', 'findAndModify', 'find'])
  })

  it('advances a pass with no job (all missed) in one command, and answers null once removed', async () => {
    const { schedules, schedule, commands } = await setup()
    commands.length = 0
    const missed = await schedules.fireSchedule({
      ...fire(schedule, OCCURRENCE_3, at(OCCURRENCE_3, 300_000), []),
      advance: {
        nextRunAt: at(OCCURRENCE_3, 300_000),
        lastRunAt: OCCURRENCE_3,
        missed: 3,
        owner: 'worker-2',
      },
    })
    expect(commands.map((event) => event.commandName)).toEqual(['findAndModify'])
    expect(missed).toMatchObject({ jobs: [], advanced: true })
    expect(missed.schedule).toMatchObject({
      missed: 3,
      runs: 0,
      owner: 'worker-2',
      lastJobId: null,
      lastEnqueuedAt: null,
    })
    await schedules.removeSchedule({ id: 'nightly' })
    const gone = await schedules.fireSchedule(fire(missed.schedule!, at(OCCURRENCE_3, 300_000), null, []))
    expect(gone).toEqual({ jobs: [], advanced: false, schedule: null })
  })

  it('throws on a duplicate key it cannot place, after writing the other jobs', async () => {
    const { db, schedules, schedule } = await setup()
    await db.collection('durabl_jobs').createIndex({ 'data.slot': 1 }, { unique: true, name: 'app_slot' })
    const jobs = [
      occurrenceJob('nightly', OCCURRENCE_1, { data: { slot: 1 } }),
      occurrenceJob('nightly', OCCURRENCE_2, { data: { slot: 1 } }),
    ]
    const error = await schedules
      .fireSchedule(fire(schedule, OCCURRENCE_2, OCCURRENCE_3, jobs))
      .catch((caught: unknown) => caught)
    expect(BackendError.isInstance(error)).toBe(true)
    expect(await db.collection('durabl_jobs').countDocuments()).toBe(1)
    expect((await schedules.getSchedule({ id: 'nightly' }))?.rev).toBe(schedule.rev)
  })

  it('refuses a job without an occurrence key, naming the field', async () => {
    const { schedules, schedule } = await setup()
    const job = { ...occurrenceJob('nightly', OCCURRENCE_1), occurrenceKey: undefined as never }
    const error = await schedules
      .fireSchedule(fire(schedule, OCCURRENCE_1, OCCURRENCE_2, [job]))
      .catch((caught: unknown) => caught)
    expect(ValidationError.isInstance(error)).toBe(true)
    expect((error as ValidationError).field).toBe('jobs[0].occurrenceKey')
  })
})

describe('the durabl_occurrence index', () => {
  it('is unique, partial on string keys, and answers the occurrence-key read', async () => {
    // mongod answers a query from a partial index only when the query implies its filter (manual,
    // "Partial Indexes: Query Coverage"), so the read states `$type: 'string'` itself.
    const { db, backend, schedules, schedule } = await setup()
    const indexes = await db.collection('durabl_jobs').listIndexes().toArray()
    expect(indexes.find((index) => index.name === OCCURRENCE_INDEX_NAME)).toMatchObject({
      key: { occurrenceKey: 1 },
      unique: true,
      partialFilterExpression: { occurrenceKey: { $type: 'string' } },
    })
    await schedules.fireSchedule(fire(schedule, OCCURRENCE_1, OCCURRENCE_2))
    // Jobs without a key take no room in it: many plain jobs coexist.
    await backend.enqueueJobs({
      jobs: [occurrenceJob('x', OCCURRENCE_1), occurrenceJob('x', OCCURRENCE_2)],
      now: OCCURRENCE_1,
    })
    const explain = await backend.collection
      .find(occurrenceKeysQuery(['nightly@2040-01-01T00:05:00.000Z']).filter)
      .explain('queryPlanner')
    const plan = JSON.stringify((explain.queryPlanner as Document).winningPlan)
    expect(plan).toContain(OCCURRENCE_INDEX_NAME)
    expect(plan).toContain('IXSCAN')
    expect(plan).not.toContain('COLLSCAN')
  })
})
