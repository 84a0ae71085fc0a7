import { JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import type { CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { type CommandPurpose, classifyCommand } from './support/classify-command.js'
import { waitUntil } from './support/wait-until.js'

/**
 * Measures the MongoDB commands the workers send per job in steady state, split by purpose, with
 * driver command monitoring. Prints a table; run alone with
 * `npx vitest run test/commands-per-job.test.ts` (MONGO_URL=… for a real replica set).
 */
const mongo = await useMongo()

const JOBS = 1_000
const CONCURRENCY = 16
/** Fewer jobs at concurrency 1: one job at a time, so the run is sequential. */
const C1_JOBS = 200
const HANDLER_MS = 5

interface Tally {
  counts: Record<CommandPurpose, number>
  claimWrites: number
  claimWritesLost: number
  /** Claims answered with no job: what a worker spends learning that the queue ran dry. */
  emptyClaims: number
}

function tally(client: MongoClient, into: Tally): () => void {
  const claimWrites = new Map<number, number>()
  const claimReads = new Set<number>()
  const started = (event: CommandStartedEvent) => {
    const purpose = classifyCommand(event)
    into.counts[purpose] += 1
    if (purpose === 'claim' && event.commandName === 'update')
      claimWrites.set(event.requestId, event.command.updates.length)
    if (purpose === 'claim' && event.commandName !== 'update') claimReads.add(event.requestId)
  }
  // A claim's guarded writes that matched nothing lost their document to another claimer.
  const succeeded = (event: CommandSucceededEvent) => {
    if (claimReads.delete(event.requestId)) {
      // findAndModify answers `value: null`, a find an empty first batch, when nothing was due.
      const reply = event.reply as { value?: unknown; cursor?: { firstBatch?: unknown[] } }
      const empty =
        event.commandName === 'findAndModify' ? reply.value == null : reply.cursor?.firstBatch?.length === 0
      if (empty) into.emptyClaims += 1
      return
    }
    const attempted = claimWrites.get(event.requestId)
    if (attempted === undefined) return
    claimWrites.delete(event.requestId)
    into.claimWrites += attempted
    const reply = event.reply as { n?: number; writeErrors?: unknown[] }
    into.claimWritesLost += attempted - Number(reply.n ?? 0) - (reply.writeErrors?.length ?? 0)
  }
  client.on('commandStarted', started)
  client.on('commandSucceeded', succeeded)
  return () => {
    client.off('commandStarted', started)
    client.off('commandSucceeded', succeeded)
  }
}

function emptyTally(): Tally {
  return {
    counts: {
      enqueue: 0,
      claim: 0,
      claimConfirm: 0,
      nextDue: 0,
      ack: 0,
      heartbeat: 0,
      recovery: 0,
      push: 0,
      other: 0,
    },
    claimWrites: 0,
    claimWritesLost: 0,
    emptyClaims: 0,
  }
}

async function measure(queueCount: number, claimSpreadMax = 8, concurrency = CONCURRENCY, jobs = JOBS) {
  const db = await mongo.db()
  const producerClient = await mongo.newClient({ monitorCommands: true })
  const producer = new MongoBackend({ db: producerClient.db(db.databaseName) })
  await producer.startup()
  const enqueueTally = emptyTally()
  const stopProducerTally = tally(producerClient, enqueueTally)
  const producerQueue = new JobQueue(producer)
  for (let start = 0; start < jobs; start += 250) {
    await producerQueue.enqueueMany(
      Array.from({ length: Math.min(250, jobs - start) }, (_, offset) => ({
        type: 'work',
        data: { n: start + offset },
      })),
    )
  }
  stopProducerTally()

  const workerTally = emptyTally()
  const queues: JobQueue[] = []
  const stops: Array<() => void> = []
  let done = 0
  for (let index = 0; index < queueCount; index++) {
    const client = await mongo.newClient({ monitorCommands: true })
    const backend = new MongoBackend({ db: client.db(db.databaseName), claimSpreadMax })
    await backend.startup()
    stops.push(tally(client, workerTally))
    const queue = new JobQueue(backend, { workerId: `w${index}` })
    queue.process(
      'work',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, HANDLER_MS))
        done += 1
      },
      { concurrency },
    )
    queues.push(queue)
  }
  const started = Date.now()
  await Promise.all(queues.map((queue) => queue.startup()))
  try {
    await waitUntil(
      async () => done >= jobs && (await producer.getStats({ now: new Date() })).total.completed === jobs,
      'all jobs completed',
      60_000,
      50,
    )
  } finally {
    for (const stop of stops) stop()
    await Promise.all(queues.map((queue) => queue.shutdown(5_000)))
  }
  const elapsedMs = Date.now() - started
  const per = (count: number) => Number((count / jobs).toFixed(3))
  const worker = workerTally.counts
  const workerCommands = worker.claim + worker.claimConfirm + worker.nextDue + worker.ack + worker.heartbeat
  // Going idle costs a fixed few commands per run, not per job: the claim that found nothing and
  // the nextDueAt read after it. The steady state leaves them out.
  const idleCommands = workerTally.emptyClaims + worker.nextDue
  return {
    queues: queueCount,
    claimSpreadMax,
    concurrency,
    jobs,
    elapsedMs,
    enqueuePerJob: per(enqueueTally.counts.enqueue),
    claimPerJob: per(worker.claim + worker.claimConfirm),
    nextDuePerJob: per(worker.nextDue),
    claimWritesLost: `${workerTally.claimWritesLost}/${workerTally.claimWrites}`,
    ackPerJob: per(worker.ack),
    heartbeatPerJob: per(worker.heartbeat),
    workerPerJob: per(workerCommands),
    idleCommands,
    steadyPerJob: per(workerCommands - idleCommands),
    pushCommands: worker.push,
    recoveryCommands: worker.recovery,
    otherCommands: worker.other,
  }
}

describe('commands per job (steady state, command monitoring)', () => {
  it('stays within 1.0 worker command per job at concurrency 16, with 1 and with 4 queues', async () => {
    // The last row turns the contention spread off, for comparison (docs/decisions/0003-claiming.md).
    const results = [await measure(1), await measure(4), await measure(4, 1)]
    console.log(`[commands-per-job] target=${mongo.target.kind} handler=${HANDLER_MS}ms`)
    console.table(results)
    for (const result of results) expect(result.workerPerJob).toBeLessThanOrEqual(1.0)
  }, 120_000)

  it('stays within 2.0 worker commands per job at concurrency 1 (one claim command, one ack)', async () => {
    const results = [await measure(1, 8, 1, C1_JOBS)]
    console.log(`[commands-per-job] target=${mongo.target.kind} handler=${HANDLER_MS}ms concurrency=1`)
    console.table(results)
    for (const result of results) {
      expect(result.steadyPerJob).toBeLessThanOrEqual(2.0)
      // The idle tail of one queue: one empty claim and one nextDueAt read (a few more if a wake
      // or a poll lands meanwhile), whatever the number of jobs.
      expect(result.idleCommands).toBeLessThanOrEqual(6)
    }
  }, 120_000)
})
