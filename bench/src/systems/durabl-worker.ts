import { JobQueue } from '@durabl/core'
import { MongoBackend } from '@durabl/mongo'
import { type ChangeStreamOptions, type Collection, type Db, type Document, MongoClient } from 'mongodb'
import { CommandMeter } from '../command-meter.js'
import { sharedClockMs, type WorkerSpec } from '../ipc.js'
import type { BenchJobData, WorkerCallbacks, WorkerSystem } from './worker-system.js'

/**
 * A what-if for the report: a Db whose collections open change streams with `maxAwaitTimeMS`, to
 * show what an idle stream would cost if the backend set it. Everything else passes through.
 */
function withChangeStreamAwait(db: Db, awaitMs: number): Db {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'collection') {
        const value = Reflect.get(target, property, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      }
      return (name: string) => {
        const collection = target.collection(name)
        return new Proxy(collection, {
          get(inner, innerProperty, innerReceiver) {
            if (innerProperty === 'watch') {
              return (pipeline: Document[], options: ChangeStreamOptions = {}) =>
                (inner as Collection).watch(pipeline, { ...options, maxAwaitTimeMS: awaitMs })
            }
            const value = Reflect.get(inner, innerProperty, innerReceiver)
            return typeof value === 'function' ? value.bind(inner) : value
          },
        })
      }
    },
  })
}

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
  let db = client.db(spec.dbName)
  if (spec.changeStreamAwaitMs !== undefined) db = withChangeStreamAwait(db, spec.changeStreamAwaitMs)
  const backend = new MongoBackend({ db, useChangeStreams: spec.push ? 'auto' : false })
  const queue = new JobQueue(backend, {
    instanceConcurrency: Math.max(100, spec.concurrency * spec.types.length),
  })
  queue.on('job:completed', () => callbacks.completed())
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
