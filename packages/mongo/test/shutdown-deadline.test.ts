import { BackendError, JobQueue, type ShutdownReport } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

/**
 * `shutdown(timeoutMs)` resolves by its deadline even when the database stops answering.
 *
 * mongod behaviour modelled: a server that accepts commands and never replies (a hung primary, a
 * network partition that drops packets silently). The driver then waits for the reply as long as
 * its own timeouts allow, forever by default (driver docs, connection options: `socketTimeoutMS`
 * defaults to 0, no timeout, and `timeoutMS` is unset). A real replica set cannot be made to hang on
 * demand, so this test needs the in-process server's `hangReplies()` and is skipped elsewhere.
 */
const mongo = await useMongo()

const KNOWN_OPERATIONS = [
  'claimJobs',
  'nextDueAt',
  'heartbeatJobs',
  'recoverExpiredLeases',
  'subscription.close',
  'startup',
  'shutdown',
  'workers',
]

describe('shutdown against an unresponsive MongoDB', () => {
  it('resolves at its deadline, reporting the completion it could not write', async (context) => {
    mongo.require(context, 'inProcessServer')
    const server = mongo.server!
    const db = await mongo.db()
    const client = await mongo.newClient()
    const queue = new JobQueue(
      new MongoBackend({ db: client.db(db.databaseName), useChangeStreams: false }),
      {
        workerId: 'hung',
      },
    )
    let finish!: () => void
    const finished = new Promise<void>((resolve) => {
      finish = resolve
    })
    const started: string[] = []
    queue.process('work', async (job) => {
      started.push(job.id)
      await finished
    })
    const abandoned: unknown[] = []
    queue.on('queue:abandoned', (payload) => abandoned.push(payload))
    await queue.startup()
    const id = (await queue.enqueue('work', {}))!
    await waitUntil(() => started.length === 1, 'the job to start')

    server.faults.hangReplies()
    let report: ShutdownReport | null = null
    try {
      finish() // the completion is written to a server that never answers
      void queue.shutdown(2_000).then((value) => {
        report = value
      })
      await waitUntil(() => report !== null, 'shutdown to resolve at its deadline', 15_000)
    } finally {
      server.faults.clear()
    }
    const resolved = report as unknown as ShutdownReport
    expect(resolved.timedOut).toBe(true)
    expect(resolved.abandonedJobs).toEqual([{ id, type: 'work', write: 'complete' }])
    for (const operation of resolved.abandonedOperations) expect(KNOWN_OPERATIONS).toContain(operation)
    expect(abandoned).toEqual([{ jobs: resolved.abandonedJobs, operations: resolved.abandonedOperations }])
    expect(queue.state).toBe('stopped')
  })

  it('with socketTimeoutMS set, an operation against the silent server fails as a transient BackendError', async (context) => {
    // Driver docs, connection options: socketTimeoutMS is how long a send or receive on a socket
    // may take before the attempt times out (default 0: never). The README recommends it.
    mongo.require(context, 'inProcessServer')
    const server = mongo.server!
    const db = await mongo.db()
    const client = await mongo.newClient({ socketTimeoutMS: 500 })
    const backend = new MongoBackend({ db: client.db(db.databaseName), useChangeStreams: false })
    await backend.startup()
    server.faults.hangReplies()
    try {
      const failure = await backend.getStats({ now: new Date() }).then(
        () => null,
        (error: unknown) => error,
      )
      expect(BackendError.isInstance(failure)).toBe(true)
      expect((failure as BackendError).transient).toBe(true)
    } finally {
      server.faults.clear()
    }
  })
})
