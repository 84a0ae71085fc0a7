import { performance } from 'node:perf_hooks'
import { JobCancelledError, JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

/**
 * Flow control across a fleet: four JobQueues, each with its own MongoClient and MongoBackend on
 * one database, as four processes would be. Real time; every wait is a poll with a deadline.
 *
 * mongod behaviour relied on:
 * - A change stream opened with `db.watch()` reports the changes of every collection of the
 *   database (manual, "Change Streams": "Watch a Database"); an update made with `$set` is an
 *   `update` event whose `updateDescription.updatedFields` holds each field the update changed,
 *   with its new value, and `documentKey` holds the `_id` (manual, "Change Events": "update").
 *   So a cancel request (`$set: { cancelRequestedAt }` on a job) and a pause (an upsert of the
 *   type's control document) reach every subscribed process without a read.
 * - A `findAndModify` with `upsert: true` and an equality on `_id` creates the document once
 *   (manual, "findAndModify": "Upsert with Unique Index").
 * - Claims sort by priority, then due time, then insertion order through the claim index; a job
 *   of a type a claim does not name is never returned (manual, "$in").
 */
const mongo = await useMongo()

const HELD = 'flow-held'
const FREE = 'flow-free'
const SLOW = 'flow-slow'
/** A poll this short makes the test pass without change streams too (a standalone MONGO_URL). */
const POLL_MS = 200
/** Heartbeats every lease / 3 = 40 s: far past any wait here, so a cancel can only arrive by push. */
const LEASE_MS = 120_000

interface Started {
  id: string
  type: string
  queue: number
}

async function startFleet(size: number) {
  const db = await mongo.db()
  const started: Started[] = []
  const paused: Array<Set<string>> = []
  const aborts = new Map<string, unknown>()
  const queues: JobQueue[] = []
  for (let index = 0; index < size; index++) {
    const client = await mongo.newClient()
    const queue = new JobQueue(new MongoBackend({ db: client.db(db.databaseName) }), {
      workerId: `fleet-${index}`,
    })
    const seen = new Set<string>()
    paused.push(seen)
    queue.on('queue:paused', ({ type }) => seen.add(type))
    queue.on('queue:resumed', ({ type }) => seen.delete(type))
    for (const type of [HELD, FREE]) {
      queue.process(type, (job) => void started.push({ id: job.id, type, queue: index }), {
        concurrency: 2,
        pollIntervalMs: POLL_MS,
      })
    }
    queue.process(
      SLOW,
      async (job, ctx) => {
        started.push({ id: job.id, type: SLOW, queue: index })
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()))
        aborts.set(job.id, ctx.signal.reason)
      },
      { leaseMs: LEASE_MS, pollIntervalMs: POLL_MS },
    )
    queues.push(queue)
  }
  await Promise.all(queues.map((queue) => queue.startup()))
  const stateOf = async (id: string) => (await queues[0]!.backend.getJob({ id }))?.state
  const stop = () => Promise.all(queues.map((queue) => queue.shutdown(5_000)))
  return { queues, started, paused, aborts, stateOf, stop }
}

describe('flow control across 4 queues on one database', () => {
  it('a pause from one queue holds the type on all four while other types run; resume picks it up', async () => {
    const fleet = await startFleet(4)
    const { queues, started } = fleet
    try {
      await queues[0]!.pause(HELD)
      await waitUntil(() => fleet.paused.every((seen) => seen.has(HELD)), 'every queue to hear of the pause')
      // The held jobs come first in claim order (lower priority value, written first): a claim
      // that named the held type would take them before any free job.
      const held = (await queues[1]!.enqueueMany(
        Array.from({ length: 20 }, (_, n) => ({ type: HELD, data: { n }, options: { priority: -10 } })),
      )) as string[]
      const free = (await queues[1]!.enqueueMany(
        Array.from({ length: 20 }, (_, n) => ({ type: FREE, data: { n } })),
      )) as string[]
      await waitUntil(
        () => free.every((id) => started.some((job) => job.id === id)),
        'every free job to start while the other type is paused',
      )
      const freeQueues = new Set(started.filter((job) => job.type === FREE).map((job) => job.queue))
      expect(started.filter((job) => job.type === HELD)).toEqual([])
      const stats = await queues[2]!.getStats(HELD)
      expect(stats.types).toMatchObject([{ type: HELD, paused: true, pending: 20, active: 0 }])
      console.log(
        `[flow-control] free jobs ran on queues ${[...freeQueues].sort().join(',')}; 0 of 20 held ran`,
      )

      await queues[3]!.resume(HELD)
      await waitUntil(
        () => held.every((id) => started.some((job) => job.id === id)),
        'every held job to start after resume',
      )
      expect(fleet.paused.every((seen) => !seen.has(HELD))).toBe(true)
    } finally {
      await fleet.stop()
    }
  }, 60_000)

  it('a running job cancelled from another queue sees its signal abort and ends cancelled', async (context) => {
    mongo.require(context, 'changeStreams')
    const fleet = await startFleet(4)
    const { queues, started } = fleet
    try {
      const [id] = (await queues[0]!.enqueueMany([{ type: SLOW, data: {} }])) as string[]
      await waitUntil(() => started.some((job) => job.id === id), 'the slow job to start')
      const runner = started.find((job) => job.id === id)!.queue
      const canceller = (runner + 1) % queues.length
      expect(await queues[canceller]!.cancelJob(id!)).toBe(true)
      await waitUntil(() => fleet.aborts.has(id!), "the runner's signal to abort")
      expect(JobCancelledError.isInstance(fleet.aborts.get(id!))).toBe(true)
      await waitUntil(async () => (await fleet.stateOf(id!)) === 'cancelled', 'the job to end cancelled')
    } finally {
      await fleet.stop()
    }
  }, 60_000)

  it('reports the latency of 20 pushed cancels (printed, not asserted)', async (context) => {
    mongo.require(context, 'changeStreams')
    const fleet = await startFleet(2)
    const { queues, started } = fleet
    const latenciesMs: number[] = []
    try {
      for (let round = 0; round < 20; round++) {
        const [id] = (await queues[0]!.enqueueMany([{ type: SLOW, data: { round } }])) as string[]
        await waitUntil(() => started.some((job) => job.id === id), `slow job ${round} to start`)
        const runner = started.find((job) => job.id === id)!.queue
        const startMs = performance.now()
        await queues[1 - runner]!.cancelJob(id!)
        await waitUntil(() => fleet.aborts.has(id!), `the abort of job ${round}`, 20_000, 1)
        latenciesMs.push(performance.now() - startMs)
        await waitUntil(
          async () => (await fleet.stateOf(id!)) === 'cancelled',
          `job ${round} to end cancelled`,
        )
      }
      const sorted = [...latenciesMs].sort((first, second) => first - second)
      const percentile = (p: number) =>
        sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
      console.log(
        `[flow-control] cancel latency over ${sorted.length} cancels (cancelJob call to the runner's signal abort, ${mongo.target.kind}): p50 ${percentile(50).toFixed(1)} ms, p99 ${percentile(99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
      )
      expect(latenciesMs).toHaveLength(20)
    } finally {
      await fleet.stop()
    }
  }, 120_000)
})
