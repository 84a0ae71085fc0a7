import type { Job, JobError } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import type { CommandStartedEvent } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { durablOperationOf } from './support/classify-command.js'
import { newJob } from './support/new-job.js'
import { waitUntil } from './support/wait-until.js'

/**
 * Every command durabl sends names its operation in `comment: 'durabl:<operation>'`.
 *
 * mongod behaviour relied on: since MongoDB 4.4 every database command accepts a `comment` field
 * of any BSON type and copies it into the profiler (`system.profile`, `command.comment`), the log
 * and `currentOp`; a cursor's getMore commands carry the comment of the command that opened it
 * (MongoDB manual, "cursor.comment()" and the `comment` field of find, aggregate, update, insert,
 * delete, findAndModify and createIndexes). So a command with a comment must not be refused, on
 * any of the command kinds durabl sends.
 */
const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)
const error: JobError = {
  attempt: 1,
  name: 'Error',
  message: 'boom',
  code: null,
  stack: null,
  fatal: false,
  at: at(0),
}
const ref = (job: Job) => ({
  id: job.id,
  leaseToken: job.leaseToken as string,
  dedupeKey: job.dedupeKey,
  dedupeScope: job.dedupeScope,
})

/** Commands the driver sends on its own (handshakes, sessions, closing cursors), not durabl's. */
const DRIVER_COMMANDS = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'killCursors'])

describe('command comments', () => {
  it('names its operation on every command durabl sends', async () => {
    const db = await mongo.db()
    const client = await mongo.newClient({ monitorCommands: true })
    const seen: CommandStartedEvent[] = []
    client.on('commandStarted', (event) => seen.push(event))
    const backend = new MongoBackend({ db: client.db(db.databaseName) })
    await backend.startup()
    const wakes: unknown[] = []
    if (backend.subscribe === undefined) throw new Error('MongoBackend subscribes with change streams')
    const subscription = await backend.subscribe({
      types: ['job'],
      onWake: (wake) => wakes.push(wake),
      onStatus: () => {},
    })
    try {
      await backend.enqueueJobs({ jobs: [newJob(), newJob(), newJob(), newJob()], now: at(0) })
      await waitUntil(() => wakes.length > 0, 'a wake from the change stream')
      const leases = [{ type: 'job', limit: 4, leaseMs: 10_000 }]
      const [single] = await backend.claimJobs({ types: leases, limit: 1, workerId: 'w', now: at(1) })
      const batch = await backend.claimJobs({ types: leases, limit: 3, workerId: 'w', now: at(1) })
      const [toComplete, toFail, toRelease] = batch
      await backend.heartbeatJobs({ jobs: [{ ...ref(single!), leaseMs: 10_000 }], now: at(2) })
      await backend.acknowledgeJobs({
        complete: [ref(toComplete!)],
        fail: [{ ...ref(toFail!), error, retryAt: at(5) }],
        release: [ref(toRelease!)],
        now: at(3),
      })
      await backend.completeJobs({ jobs: [{ ...ref(single!), leaseToken: 'stale' }], now: at(3) })
      await backend.nextDueAt({ types: ['job'], now: at(3) })
      await backend.recoverExpiredLeases({ now: at(60_000), error })
      await backend.getStats({ now: at(4) })
      await backend.listJobs({ limit: 2 })
      await backend.getJob({ id: single!.id })
      await backend.cancelJobs({ filter: { state: 'pending' }, now: at(5) })
      await backend.retryJobs({ filter: { state: 'cancelled' }, now: at(6) })
      await backend.removeJobs({ filter: { state: 'completed' }, now: at(7) })
      await backend.claimOrEnqueue({
        job: { ...newJob(), dedupeKey: 'k', dedupeScope: 'pending' },
        leaseMs: 10_000,
        workerId: 'w',
        now: at(8),
      })
      const worker = {
        workerId: 'w',
        host: 'h',
        pid: 1,
        types: [],
        instanceConcurrency: 1,
        version: '0',
        runsSchedules: false,
        startedAt: at(0),
      }
      await backend.workers.registerWorker({ worker, expiresAt: at(9_000), now: at(9) })
      await backend.workers.listWorkers({ now: at(9) })
      await backend.workers.removeWorker({ workerId: 'w' })
      await backend.controls.setTypeControl({ type: 'job', set: { paused: true }, now: at(10) })
      await backend.controls.listTypeControls({})
    } finally {
      await subscription.close()
      await backend.shutdown()
    }
    const durabl = seen.filter((event) => !DRIVER_COMMANDS.has(event.commandName))
    const unnamed = durabl.filter((event) => durablOperationOf(event) === null)
    expect(unnamed.map((event) => event.commandName)).toEqual([])
    const operations = new Set(durabl.map((event) => `${event.commandName}:${durablOperationOf(event)}`))
    for (const expected of [
      'createIndexes:startup',
      'insert:enqueueJobs',
      'aggregate:changeStream',
      'getMore:changeStream',
      'findAndModify:claimOneJob',
      'find:claimJobs',
      'update:claimJobs',
      'update:heartbeatJobs',
      'update:acknowledgeJobs',
      'update:completeJobs',
      'find:nextDueAt',
      'aggregate:getStats',
      'find:listJobs',
      'find:getJob',
      'update:cancelJobs',
      'insert:claimOrEnqueue',
      'update:registerWorker',
      'find:listWorkers',
      'delete:removeWorker',
      'findAndModify:setTypeControl',
      'find:listTypeControls',
    ])
      expect(operations).toContain(expected)
  })
})
