import type { Job } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import type { CommandStartedEvent } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { newJob } from './support/new-job.js'

const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)
const HOUSEKEEPING = ['hello', 'ismaster', 'isMaster', 'endSessions']

/** A backend on a monitored client, and the names of the commands it sends from now on. */
async function monitored() {
  const db = await mongo.db()
  const client = await mongo.newClient({ monitorCommands: true })
  const backend = new MongoBackend({ db: client.db(db.databaseName), useChangeStreams: false })
  await backend.startup()
  let commands: string[] = []
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (!HOUSEKEEPING.includes(event.commandName)) commands.push(event.commandName)
  })
  const claimAll = async (count: number): Promise<Job[]> => {
    await backend.enqueueJobs({ jobs: Array.from({ length: count }, () => newJob()), now: at(0) })
    return backend.claimJobs({
      types: [{ type: 'job', limit: count, leaseMs: 30_000 }],
      limit: count,
      workerId: 'w',
      now: at(0),
    })
  }
  return {
    db,
    backend,
    claimAll,
    /** The commands sent while `run` ran. */
    async commandsOf(run: () => Promise<unknown>): Promise<string[]> {
      commands = []
      await run()
      return commands
    },
  }
}

const heartbeatsOf = (jobs: Job[]) =>
  jobs.map((job) => ({ id: job.id, leaseToken: job.leaseToken as string, leaseMs: 30_000 }))

describe('cancelling a running job on MongoDB', () => {
  it('a heartbeat learns of a cancel request without an extra command when none was made', async () => {
    // An unordered bulkWrite reports only how many of its updates matched (manual,
    // "db.collection.bulkWrite()": the result's matchedCount), so a batch whose filters exclude
    // cancel-requested jobs matches fully exactly when none has a request: one command. A short
    // count costs one read, which tells held, lost and cancel-requested leases apart.
    const { backend, claimAll, commandsOf } = await monitored()
    const jobs = await claimAll(3)
    expect(await commandsOf(() => backend.heartbeatJobs({ jobs: heartbeatsOf(jobs), now: at(1) }))).toEqual([
      'update',
    ])
    await backend.cancelJobs({ ids: [jobs[1]!.id], now: at(2) })
    let result: unknown
    const sent = await commandsOf(async () => {
      result = await backend.heartbeatJobs({ jobs: heartbeatsOf(jobs), now: at(3) })
    })
    expect(sent).toEqual(['update', 'find'])
    expect(result).toEqual({
      applied: [jobs[0]!.id, jobs[2]!.id],
      lost: [],
      cancelRequested: [jobs[1]!.id],
    })
  })

  it('writes a cancel in the same single bulkWrite as the other acknowledgements', async () => {
    const { backend, claimAll, commandsOf } = await monitored()
    const [toComplete, toCancel] = await claimAll(2)
    await backend.cancelJobs({ ids: [toCancel!.id], now: at(1) })
    let result: Awaited<ReturnType<MongoBackend['acknowledgeJobs']>> | undefined
    const sent = await commandsOf(async () => {
      result = await backend.acknowledgeJobs({
        complete: [{ id: toComplete!.id, leaseToken: toComplete!.leaseToken as string, result: 1 }],
        fail: [],
        release: [],
        cancel: [
          {
            id: toCancel!.id,
            leaseToken: toCancel!.leaseToken as string,
            error: {
              attempt: 1,
              name: 'JobCancelledError',
              message: 'cancelled',
              code: 'JOB_CANCELLED',
              stack: null,
              fatal: true,
              at: at(2),
            },
          },
        ],
        now: at(2),
      })
    })
    expect(sent).toEqual(['update'])
    expect(result?.complete.applied).toEqual([toComplete!.id])
    expect(result?.cancel).toEqual({ applied: [toCancel!.id], lost: [] })
    const cancelled = await backend.getJob({ id: toCancel!.id })
    expect(cancelled).toMatchObject({ state: 'cancelled', leaseToken: null })
    expect(cancelled?.finishedAt?.getTime()).toBe(at(2).getTime())
  })

  it('treats a job stored before cancel requests existed (no cancelRequestedAt field) as not requested', async () => {
    // `{ field: null }` matches documents whose field is null or missing (manual, "Query for Null
    // or Missing Fields"), so heartbeats, retries and releases of such a job still apply, and a
    // cancel request reaches it.
    const { db, backend, claimAll } = await monitored()
    const [job] = await claimAll(1)
    await db.collection(backend.options.collectionName).updateOne({}, { $unset: { cancelRequestedAt: '' } })
    expect(await backend.heartbeatJobs({ jobs: heartbeatsOf([job!]), now: at(1) })).toEqual({
      applied: [job!.id],
      lost: [],
      cancelRequested: [],
    })
    expect((await backend.getJob({ id: job!.id }))?.cancelRequestedAt).toBeNull()
    expect(await backend.cancelJobs({ ids: [job!.id], now: at(2) })).toEqual([job!.id])
    expect(await backend.heartbeatJobs({ jobs: heartbeatsOf([job!]), now: at(3) })).toEqual({
      applied: [],
      lost: [],
      cancelRequested: [job!.id],
    })
  })
})
