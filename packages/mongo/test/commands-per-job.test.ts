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
const HANDLER_MS = 5

interface Tally {
  counts: Record<CommandPurpose, number>
  claimWrites: number
  claimWritesLost: number
}

function tally(client: MongoClient, into: Tally): () => void {
  const claimWrites = new Map<number, number>()
  const started = (event: CommandStartedEvent) => {
    const purpose = classifyCommand(event)
    into.counts[purpose] += 1
    if (purpose === 'claim' && event.commandName === 'update')
      claimWrites.set(event.requestId, event.command.updates.length)
  }
  // A claim's guarded writes that matched nothing lost their document to another claimer.
  const succeeded = (event: CommandSucceededEvent) => {
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
    counts: { enqueue: 0, claim: 0, claimConfirm: 0, ack: 0, heartbeat: 0, recovery: 0, push: 0, other: 0 },
    claimWrites: 0,
    claimWritesLost: 0,
  }
}

async function measure(queueCount: number, claimSpreadMax = 8) {
  const db = await mongo.db()
  const producerClient = await mongo.newClient({ monitorCommands: true })
  const producer = new MongoBackend({ db: producerClient.db(db.databaseName) })
  await producer.startup()
  const enqueueTally = emptyTally()
  const stopProducerTally = tally(producerClient, enqueueTally)
  const producerQueue = new JobQueue(producer)
  for (let start = 0; start < JOBS; start += 250) {
    await producerQueue.enqueueMany(
      Array.from({ length: 250 }, (_, offset) => ({ type: 'work', data: { n: start + offset } })),
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
      { concurrency: CONCURRENCY },
    )
    queues.push(queue)
  }
  const started = Date.now()
  await Promise.all(queues.map((queue) => queue.startup()))
  try {
    await waitUntil(
      async () => done >= JOBS && (await producer.getStats({ now: new Date() })).total.completed === JOBS,
      'all jobs completed',
      60_000,
      50,
    )
  } finally {
    for (const stop of stops) stop()
    await Promise.all(queues.map((queue) => queue.shutdown(5_000)))
  }
  const elapsedMs = Date.now() - started
  const per = (count: number) => Number((count / JOBS).toFixed(3))
  const worker = workerTally.counts
  return {
    queues: queueCount,
    claimSpreadMax,
    concurrency: CONCURRENCY,
    jobs: JOBS,
    elapsedMs,
    enqueuePerJob: per(enqueueTally.counts.enqueue),
    claimPerJob: per(worker.claim + worker.claimConfirm),
    claimWritesLost: `${workerTally.claimWritesLost}/${workerTally.claimWrites}`,
    ackPerJob: per(worker.ack),
    heartbeatPerJob: per(worker.heartbeat),
    workerPerJob: per(worker.claim + worker.claimConfirm + worker.ack + worker.heartbeat),
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
})
