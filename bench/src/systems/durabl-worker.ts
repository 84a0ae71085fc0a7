import { JobQueue } from '@durabl/core'
import { MongoBackend } from '@durabl/mongo'
import { MongoClient } from 'mongodb'
import { CommandMeter } from '../command-meter.js'
import { sharedClockMs, type WorkerSpec } from '../ipc.js'
import type { BenchJobData, WorkerCallbacks, WorkerSystem } from './worker-system.js'

/** Waits for push to be live (or to report a fallback), at most `timeoutMs`. */
function pushSettled(queue: JobQueue, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs)
    queue.once('push:connected', () => {
      clearTimeout(timer)
      resolve('connected')
    })
    queue.once('push:fallback', ({ reason }) => {
      clearTimeout(timer)
      resolve(`fallback: ${reason}`)
    })
  })
}

export async function startDurablWorker(
  spec: WorkerSpec,
  uri: string,
  callbacks: WorkerCallbacks,
): Promise<WorkerSystem> {
  const client = new MongoClient(uri, { monitorCommands: true })
  const meter = new CommandMeter(client, 'durabl')
  await client.connect()
  const db = client.db(spec.dbName)
  const backend = new MongoBackend({ db, useChangeStreams: spec.push ? 'auto' : false })
  const queue = new JobQueue(backend, {
    instanceConcurrency: Math.max(100, spec.concurrency * spec.types.length),
    ...(spec.limits === undefined ? {} : { limitsFor: () => spec.limits ?? null }),
  })
  queue.on('job:completed', () => callbacks.completed())
  queue.on('schedule:enqueued', ({ scheduleId, occurrence, lagMs, caughtUp }) =>
    callbacks.scheduleEnqueued({ scheduleId, occurrenceMs: occurrence.getTime(), lagMs, caughtUp }),
  )
  queue.on('queue:error', ({ error, operation }) => {
    process.stderr.write(`[durabl worker] queue:error in ${operation}: ${error.message}\n`)
  })
  const handler = async (job: { data: BenchJobData }) => {
    if (spec.mode === 'latency') callbacks.started(sharedClockMs() - job.data.sentAtMs)
  }
  const register = () => {
    for (const type of spec.types) {
      queue.process<BenchJobData>(type, handler, {
        concurrency: spec.concurrency,
        ...(spec.pollIntervalMs === undefined ? {} : { pollIntervalMs: spec.pollIntervalMs }),
      })
    }
  }

  // Count mode registers at go, so index creation and connection set-up are not timed; the
  // other modes must be live (push connected) before the harness starts measuring.
  await queue.startup()
  if (spec.mode !== 'count') {
    const settled = spec.push ? pushSettled(queue, 10_000) : Promise.resolve('off')
    register()
    const push = await settled
    if (spec.push && push !== 'connected') process.stderr.write(`[durabl worker] push ${push}\n`)
  }
  return {
    go: async () => {
      meter.reset()
      if (spec.mode === 'count') register()
    },
    commands: () => meter.snapshot(),
    stop: async () => {
      await queue.shutdown(5_000)
      await client.close()
    },
  }
}
