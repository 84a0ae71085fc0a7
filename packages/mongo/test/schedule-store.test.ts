import { ValidationError } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { durablOperationOf } from './support/classify-command.js'
import { commandName, recordCommands } from './support/command-log.js'
import { scheduleDefinition, upsertParams } from './support/schedule-fixtures.js'

// mongod behaviour relied on: `_id` is unique in every collection (manual, "The _id Field"), so of
// concurrent inserts of one `_id` one succeeds and the others fail with E11000; `findAndModify`
// matches, modifies and returns one document atomically (manual, "findAndModify: Behavior").
const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)

async function backendOn() {
  const client = await mongo.newClient({ monitorCommands: true })
  const db = client.db((await mongo.db()).databaseName)
  const backend = new MongoBackend({ db, useChangeStreams: false })
  await backend.startup()
  return { client, db, backend, schedules: backend.schedules }
}

describe('MongoBackend.schedules', () => {
  it('declares the capability and stores schedules in their own collection', async () => {
    const { db, backend, schedules } = await backendOn()
    expect(backend.capabilities.schedules).toBe(true)
    const created = await schedules.upsertSchedule(upsertParams())
    expect(created.outcome).toBe('created')
    expect(created.schedule).toMatchObject({
      id: 'nightly',
      definition: scheduleDefinition(),
      definitionHash: 'def-1',
      timingHash: 'timing-1',
      nextRunAt: new Date('2040-01-01T00:05:00Z'),
      paused: false,
      runs: 0,
      skipped: 0,
      missed: 0,
      lastRunAt: null,
      lastEnqueuedAt: null,
      lastJobId: null,
      owner: null,
      managed: false,
      undeclaredSince: null,
      rev: 1,
    })
    expect(await schedules.getSchedule({ id: 'nightly' })).toEqual(created.schedule)
    const stored = await db.collection('durabl_schedules').findOne({})
    expect(stored?._id).toBe('nightly')
    expect(await db.collection('durabl_jobs').countDocuments()).toBe(0)
  })

  it('honours schedulesCollectionName', async () => {
    const db = await mongo.db()
    const backend = new MongoBackend({ db, schedulesCollectionName: 'crons', useChangeStreams: false })
    await backend.schedules.upsertSchedule(upsertParams())
    expect(await db.collection('crons').countDocuments()).toBe(1)
  })

  it('lists every schedule sorted by id', async () => {
    const { schedules } = await backendOn()
    for (const id of ['b', 'c', 'a']) await schedules.upsertSchedule(upsertParams({ id }))
    expect((await schedules.listSchedules({})).map((schedule) => schedule.id)).toEqual(['a', 'b', 'c'])
  })

  it('an unchanged definition costs one read and writes nothing', async () => {
    const { client, schedules } = await backendOn()
    const created = await schedules.upsertSchedule(upsertParams())
    const log = recordCommands(client)
    const again = await schedules.upsertSchedule(upsertParams({ now: at(1_000) }))
    log.stop()
    expect(again).toEqual({ outcome: 'unchanged', schedule: created.schedule })
    expect(log.commands.map(commandName)).toEqual(['find'])
    expect(log.commands[0]?.comment).toBe('durabl:upsertSchedule')
  })

  it('managed: true marks a schedule managed and declared, once; a plain upsert leaves it managed', async () => {
    const { schedules } = await backendOn()
    await schedules.upsertSchedule(upsertParams())
    const marked = await schedules.upsertSchedule(upsertParams({ managed: true, now: at(1_000) }))
    expect(marked.outcome).toBe('unchanged')
    expect(marked.schedule).toMatchObject({
      managed: true,
      undeclaredSince: null,
      rev: 2,
      updatedAt: at(1_000),
    })
    await schedules.patchSchedule({ id: 'nightly', set: { undeclaredSince: at(2_000) }, now: at(2_000) })
    const declared = await schedules.upsertSchedule(upsertParams({ managed: true, now: at(3_000) }))
    expect(declared.schedule).toMatchObject({ managed: true, undeclaredSince: null, rev: 4 })
    const plain = await schedules.upsertSchedule(
      upsertParams({ managed: false, definitionHash: 'def-2', now: at(4_000) }),
    )
    expect(plain.outcome).toBe('updated')
    expect(plain.schedule.managed).toBe(true)
  })

  it('a new definition keeps nextRunAt unless the timing changed', async () => {
    const { schedules } = await backendOn()
    await schedules.upsertSchedule(upsertParams())
    const payload = await schedules.upsertSchedule(
      upsertParams({
        definition: scheduleDefinition({ data: { kind: 'weekly' } }),
        definitionHash: 'def-2',
        nextRunAt: at(999_000),
        now: at(1_000),
      }),
    )
    expect(payload.outcome).toBe('updated')
    expect(payload.schedule).toMatchObject({
      definitionHash: 'def-2',
      nextRunAt: new Date('2040-01-01T00:05:00Z'),
      rev: 2,
      updatedAt: at(1_000),
    })
    expect(payload.schedule.definition.data).toEqual({ kind: 'weekly' })
    const timing = await schedules.upsertSchedule(
      upsertParams({
        definition: scheduleDefinition({ cron: '0 * * * *' }),
        definitionHash: 'def-3',
        timingHash: 'timing-2',
        nextRunAt: at(3_600_000),
        now: at(2_000),
      }),
    )
    expect(timing.schedule).toMatchObject({ timingHash: 'timing-2', nextRunAt: at(3_600_000), rev: 3 })
  })

  it('concurrent upserts of one id create it once', async () => {
    const db = await mongo.db()
    const backends = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const client = await mongo.newClient()
        return new MongoBackend({ db: client.db(db.databaseName), useChangeStreams: false })
      }),
    )
    const results = await Promise.all(
      backends.map((backend) => backend.schedules.upsertSchedule(upsertParams({ managed: true }))),
    )
    expect(results.filter((result) => result.outcome === 'created')).toHaveLength(1)
    expect(results.filter((result) => result.outcome === 'unchanged')).toHaveLength(4)
    expect(await db.collection('durabl_schedules').countDocuments()).toBe(1)
  })

  it('an insert that loses to a concurrent create is retried as an update', async () => {
    const { backend, schedules } = await backendOn()
    await schedules.upsertSchedule(upsertParams())
    // The read of a process that looked just before another created it: the insert then fails
    // with E11000 on _id, and the upsert starts over from a fresh read.
    const collection = backend.schedulesCollection
    const findOne = collection.findOne.bind(collection)
    let staleReads = 1
    Object.assign(collection, {
      findOne: (...args: Parameters<typeof findOne>) =>
        staleReads-- > 0 ? Promise.resolve(null) : findOne(...args),
    })
    const result = await schedules.upsertSchedule(upsertParams({ definitionHash: 'def-2' }))
    expect(result.outcome).toBe('updated')
    expect(result.schedule).toMatchObject({ definitionHash: 'def-2', rev: 2 })
  })

  it('patch sets the fields and bumps rev, guarded by expectedRev', async () => {
    const { schedules } = await backendOn()
    await schedules.upsertSchedule(upsertParams())
    const paused = await schedules.patchSchedule({ id: 'nightly', set: { paused: true }, now: at(1_000) })
    expect(paused).toMatchObject({ paused: true, rev: 2, updatedAt: at(1_000) })
    expect(
      await schedules.patchSchedule({
        id: 'nightly',
        expectedRev: 1, // the rev before the pause
        set: { paused: false },
        now: at(2_000),
      }),
    ).toBeNull()
    const resumed = await schedules.patchSchedule({
      id: 'nightly',
      expectedRev: 2,
      set: { paused: false, nextRunAt: at(60_000), lastJobId: 'job-1' },
      now: at(2_000),
    })
    expect(resumed).toMatchObject({ paused: false, nextRunAt: at(60_000), lastJobId: 'job-1', rev: 3 })
    expect(await schedules.patchSchedule({ id: 'missing', set: { paused: true }, now: at(3_000) })).toBeNull()
  })

  it('remove deletes the schedule and says whether it existed', async () => {
    const { schedules } = await backendOn()
    await schedules.upsertSchedule(upsertParams())
    expect(await schedules.removeSchedule({ id: 'nightly' })).toBe(true)
    expect(await schedules.removeSchedule({ id: 'nightly' })).toBe(false)
    expect(await schedules.getSchedule({ id: 'nightly' })).toBeNull()
  })

  it('refuses values that would become operators or fields, naming the field', async () => {
    const { schedules } = await backendOn()
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => schedules.getSchedule({ id: { $ne: null } as never }), 'id'],
      [() => schedules.removeSchedule({ id: '' }), 'id'],
      [() => schedules.upsertSchedule(upsertParams({ id: { $gt: '' } as never })), 'id'],
      [() => schedules.upsertSchedule(upsertParams({ nextRunAt: 'soon' as never })), 'nextRunAt'],
      [() => schedules.patchSchedule({ id: 'nightly', set: { $set: 1 } as never, now: at(0) }), 'set.$set'],
      [
        () => schedules.patchSchedule({ id: 'nightly', set: { paused: 'yes' as never }, now: at(0) }),
        'set.paused',
      ],
    ]
    for (const [call, field] of cases) {
      const error = await call().catch((caught: unknown) => caught)
      expect(ValidationError.isInstance(error), field).toBe(true)
      expect((error as ValidationError).field).toBe(field)
    }
  })

  it('names every command it sends', async () => {
    const { client, schedules } = await backendOn()
    const log = recordCommands(client)
    await schedules.upsertSchedule(upsertParams())
    await schedules.upsertSchedule(upsertParams({ definitionHash: 'def-2' }))
    await schedules.getSchedule({ id: 'nightly' })
    await schedules.listSchedules({})
    await schedules.patchSchedule({ id: 'nightly', set: { paused: true }, now: at(0) })
    await schedules.removeSchedule({ id: 'nightly' })
    log.stop()
    expect(
      log.commands.map((command) => `${commandName(command)}:${durablOperationOf({ command } as never)}`),
    ).toEqual([
      'find:upsertSchedule',
      'insert:upsertSchedule',
      'find:upsertSchedule',
      'findAndModify:upsertSchedule',
      'find:getSchedule',
      'find:listSchedules',
      'findAndModify:patchSchedule',
      'delete:removeSchedule',
    ])
  })
})
