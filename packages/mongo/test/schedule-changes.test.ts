import { JobQueue, type PushStatus, type ScheduleChange } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import type { CommandStartedEvent } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { durablOperationOf } from './support/classify-command.js'
import { newJob } from './support/new-job.js'
import { occurrenceJob, scheduleDefinition, upsertParams } from './support/schedule-fixtures.js'
import { waitUntil } from './support/wait-until.js'

// mongod behaviour relied on (manual, "Change Streams", "Change Events", "db.watch()"):
// - a stream opened on a database reports changes to all its non-system collections, each event
//   naming its collection in `ns.coll`;
// - insert and replace events carry `fullDocument`; update events carry
//   `updateDescription.updatedFields` with the fields the update changed; delete events carry
//   `documentKey` only;
// - dropping or renaming a collection gives a database stream a `drop` / `rename` event, and the
//   stream goes on: only `dropDatabase` invalidates it.
const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)

async function subscribed(types: string[] = []) {
  const db = await mongo.db()
  const client = await mongo.newClient({ monitorCommands: true })
  const backend = new MongoBackend({ db: client.db(db.databaseName), useChangeStreams: true })
  await backend.startup()
  const statuses: PushStatus[] = []
  const changes: ScheduleChange[] = []
  const wakes: Array<string | undefined> = []
  const commands: CommandStartedEvent[] = []
  client.on('commandStarted', (event) => {
    if (durablOperationOf(event) !== null) commands.push(event)
  })
  const subscription = await backend.subscribe!({
    types,
    onWake: (wake) => wakes.push(wake.type),
    onStatus: (status) => statuses.push(status),
    onScheduleChange: (change) => changes.push(change),
  })
  await waitUntil(() => statuses.some((status) => status.state === 'connected'), 'the stream to connect')
  // Another process writes: only the stream's client is watched for commands.
  const writer = new MongoBackend({ db, useChangeStreams: false })
  await writer.startup()
  return { db, backend, writer, statuses, changes, wakes, commands, subscription }
}

describe('schedule changes through the database-level stream', () => {
  it('reports insert, update and delete of schedules to a subscriber of no job type, with no extra command', async (context) => {
    mongo.require(context, 'changeStreams')
    const { writer, changes, commands, subscription } = await subscribed([])
    try {
      commands.length = 0
      const { schedule } = await writer.schedules.upsertSchedule(upsertParams({ nextRunAt: at(300_000) }))
      await waitUntil(() => changes.length >= 1, 'the insert')
      expect(changes[0]).toEqual({
        id: 'nightly',
        deleted: false,
        definitionChanged: true,
        nextRunAt: at(300_000),
        rev: 1,
        owner: null,
        paused: false,
      })

      const fired = await writer.schedules.fireSchedule({
        id: 'nightly',
        expected: { nextRunAt: at(300_000), rev: schedule.rev },
        jobs: [occurrenceJob('nightly', at(300_000))],
        advance: { nextRunAt: at(600_000), lastRunAt: at(300_000), missed: 0, owner: 'worker-1' },
        now: at(300_100),
      })
      await waitUntil(() => changes.length >= 2, 'the fire')
      expect(changes[1]).toEqual({
        id: 'nightly',
        deleted: false,
        definitionChanged: false,
        nextRunAt: at(600_000),
        rev: 2,
        owner: 'worker-1',
      })

      await writer.schedules.patchSchedule({ id: 'nightly', set: { paused: true }, now: at(300_200) })
      await waitUntil(() => changes.length >= 3, 'the pause')
      expect(changes[2]).toEqual({
        id: 'nightly',
        deleted: false,
        definitionChanged: false,
        paused: true,
        rev: 3,
      })

      await writer.schedules.upsertSchedule(
        upsertParams({
          definition: scheduleDefinition({ data: { kind: 'weekly' } }),
          definitionHash: 'def-2',
          now: at(300_300),
        }),
      )
      await waitUntil(() => changes.length >= 4, 'the new definition')
      expect(changes[3]).toEqual({ id: 'nightly', deleted: false, definitionChanged: true, rev: 4 })

      await writer.schedules.removeSchedule({ id: 'nightly' })
      await waitUntil(() => changes.length >= 5, 'the delete')
      expect(changes[4]).toEqual({ id: 'nightly', deleted: true, definitionChanged: false })
      expect(fired.advanced).toBe(true)

      // The stream's client sent nothing but the stream's own getMores meanwhile.
      expect(commands.map((event) => `${event.commandName}:${durablOperationOf(event)}`)).toEqual(
        commands.map(() => 'getMore:changeStream'),
      )
    } finally {
      await subscription.close()
    }
  })

  it('keeps job wakes to the jobs collection: a collection with the same documents elsewhere wakes nothing', async (context) => {
    mongo.require(context, 'changeStreams')
    const { db, writer, wakes, changes, subscription } = await subscribed(['job'])
    try {
      await db.collection('other').insertOne({ state: 'pending', type: 'job', runAt: at(0) })
      await db.collection('other').insertOne({ _id: 'nightly' as never, nextRunAt: at(0) })
      await writer.enqueueJobs({ jobs: [newJob()], now: at(0) })
      await waitUntil(() => wakes.length >= 1, 'the wake of the job')
      await writer.schedules.upsertSchedule(upsertParams())
      await waitUntil(() => changes.length >= 1, 'the schedule change')
      expect(wakes).toEqual(['job'])
      expect(changes.map((change) => change.id)).toEqual(['nightly'])
    } finally {
      await subscription.close()
    }
  })

  it('reports reconnected when the jobs collection is renamed, without reopening the stream', async (context) => {
    mongo.require(context, 'changeStreams')
    const { db, writer, statuses, wakes, commands, subscription } = await subscribed(['job'])
    try {
      await writer.enqueueJobs({ jobs: [newJob()], now: at(0) })
      commands.length = 0
      await db.collection('durabl_jobs').rename('durabl_jobs_old')
      await waitUntil(() => statuses.some((status) => status.state === 'reconnected'), 'reconnected')
      await writer.enqueueJobs({ jobs: [newJob()], now: at(0) })
      await waitUntil(() => wakes.length >= 2, 'a wake for a job of the new collection')
      // A database stream is not invalidated by a rename: the same cursor goes on.
      expect(commands.filter((event) => event.commandName === 'aggregate')).toEqual([])
    } finally {
      await subscription.close()
    }
  })
})

describe('the runtime catches up after the jobs collection changed under the stream', () => {
  it('runs jobs that arrived by a rename onto the jobs collection, which no insert event announced', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    const backend = new MongoBackend({ db, useChangeStreams: true })
    const queue = new JobQueue(backend, { recoverIntervalMs: 600_000 })
    const ran: number[] = []
    const events: string[] = []
    queue.on('push:connected', () => events.push('connected'))
    queue.on('push:reconnected', () => events.push('reconnected'))
    queue.process<{ n: number }>('restored', (job) => void ran.push(job.data.n), { pollIntervalMs: 600_000 })
    await queue.startup()
    try {
      await waitUntil(() => events.includes('connected'), 'the stream to connect')
      // Jobs staged in another collection (their insert events name that one), then renamed onto
      // the jobs collection: only the catch-up claim after `reconnected` can find them.
      const staging = new MongoBackend({ db, collectionName: 'staging', useChangeStreams: false })
      await staging.startup()
      await staging.enqueueJobs({ jobs: [newJob({ type: 'restored', data: { n: 1 } })], now: new Date() })
      await db.admin().command({
        renameCollection: `${db.databaseName}.staging`,
        to: `${db.databaseName}.durabl_jobs`,
        dropTarget: true,
      })
      await waitUntil(() => ran.includes(1), 'the restored job to run')
      expect(events).toContain('reconnected')
    } finally {
      await queue.shutdown(5_000)
    }
  })

  it('reports reconnected to the runtime when the jobs collection is dropped', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    const backend = new MongoBackend({ db, useChangeStreams: true })
    const queue = new JobQueue(backend, { recoverIntervalMs: 600_000 })
    const ran: number[] = []
    const events: string[] = []
    queue.on('push:connected', () => events.push('connected'))
    queue.on('push:reconnected', () => events.push('reconnected'))
    queue.process<{ n: number }>('wake', (job) => void ran.push(job.data.n), { pollIntervalMs: 600_000 })
    await queue.startup()
    try {
      await waitUntil(() => events.includes('connected'), 'the stream to connect')
      await db.collection('durabl_jobs').drop()
      await waitUntil(() => events.includes('reconnected'), 'reconnected after the drop')
      await queue.enqueue('wake', { n: 2 })
      await waitUntil(() => ran.includes(2), 'a job of the recreated collection')
    } finally {
      await queue.shutdown(5_000)
    }
  })
})
