import { Worker } from 'bullmq'
import { sharedClockMs, type WorkerSpec } from '../ipc.js'
import type { BenchJobData, WorkerCallbacks, WorkerSystem } from './worker-system.js'

/** A BullMQ Worker on the harness's Redis, with BullMQ's defaults but for concurrency. */
export async function startBullmqWorker(spec: WorkerSpec, callbacks: WorkerCallbacks): Promise<WorkerSystem> {
  if (spec.redis === undefined) throw new Error('the BullMQ worker needs spec.redis')
  const queueName = spec.types[0] ?? 'bench'
  const worker = new Worker<BenchJobData>(
    queueName,
    async (job) => {
      if (spec.mode === 'latency') callbacks.started(sharedClockMs() - job.data.sentAtMs)
    },
    {
      connection: { host: spec.redis.host, port: spec.redis.port, maxRetriesPerRequest: null },
      concurrency: spec.concurrency,
      autorun: false,
    },
  )
  worker.on('completed', () => callbacks.completed())
  worker.on('error', (error) => process.stderr.write(`[bullmq worker] error: ${error.message}\n`))
  await worker.waitUntilReady()
  const run = () => {
    void worker.run().catch((error: Error) => process.stderr.write(`[bullmq worker] ${error.message}\n`))
  }
  if (spec.mode !== 'count') run()
  return {
    go: async () => {
      if (spec.mode === 'count') run()
    },
    commands: () => null,
    stop: async () => {
      await worker.close()
    },
  }
}
