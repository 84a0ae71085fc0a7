/**
 * The worker process the harness forks for every processing scenario: one queue instance with its
 * own connection. It talks to the parent over the fork IPC channel (see ipc.ts).
 */
import type { ParentMessage, WorkerMessage, WorkerSpec } from './ipc.js'
import { startAgendaWorker } from './systems/agenda-worker.js'
import { startBullmqWorker } from './systems/bullmq-worker.js'
import { startDurablWorker } from './systems/durabl-worker.js'
import type { WorkerCallbacks, WorkerSystem } from './systems/worker-system.js'

function send(message: WorkerMessage): void {
  process.send?.(message)
}

async function main(): Promise<void> {
  const rawSpec = process.env.BENCH_WORKER_SPEC
  if (rawSpec === undefined || process.send === undefined) {
    throw new Error('worker.js is started by the harness (run.js), with BENCH_WORKER_SPEC and an IPC channel')
  }
  const spec = JSON.parse(rawSpec) as WorkerSpec
  const uri = process.env.BENCH_MONGO_URI ?? ''

  let completed = 0
  const sampleEvery = spec.sampleMemoryEveryJobs
  let nextSampleAt = sampleEvery ?? Number.POSITIVE_INFINITY
  const sampleMemory = () => {
    const collect = (globalThis as { gc?: () => void }).gc
    if (collect === undefined) throw new Error('memory sampling needs node --expose-gc')
    collect()
    const usage = process.memoryUsage()
    send({
      kind: 'memory',
      completed,
      heapUsedBytes: usage.heapUsed,
      rssBytes: usage.rss,
      externalBytes: usage.external,
    })
  }
  // Progress is reported at most once per event-loop turn: one IPC message per job would cost
  // more than the jobs themselves.
  let progressScheduled = false
  const callbacks: WorkerCallbacks = {
    completed: () => {
      completed += 1
      if (completed >= nextSampleAt && sampleEvery !== undefined) {
        nextSampleAt += sampleEvery
        // Outside the queue's event handler, so the sample sees no half-finished job.
        setImmediate(sampleMemory)
      }
      if (progressScheduled) return
      progressScheduled = true
      setImmediate(() => {
        progressScheduled = false
        send({ kind: 'progress', completed })
      })
    },
    started: (latencyMs) => send({ kind: 'started', latencyMs }),
    scheduleEnqueued: (sample) => send({ kind: 'schedule', ...sample }),
  }

  let system: WorkerSystem
  switch (spec.system) {
    case 'durabl':
      system = await startDurablWorker(spec, uri, callbacks)
      break
    case 'agenda':
      system = await startAgendaWorker(spec, uri, callbacks)
      break
    case 'bullmq':
      system = await startBullmqWorker(spec, callbacks)
      break
  }

  let cpuAtGo = process.cpuUsage()
  process.on('message', (message: ParentMessage) => {
    void (async () => {
      switch (message.kind) {
        case 'go':
          completed = 0
          cpuAtGo = process.cpuUsage()
          if (sampleEvery !== undefined) sampleMemory()
          await system.go()
          return
        case 'snapshot': {
          const cpu = process.cpuUsage(cpuAtGo)
          send({
            kind: 'snapshot',
            tag: message.tag,
            completed,
            commands: system.commands(),
            cpuMicros: cpu.user + cpu.system,
          })
          return
        }
        case 'stop':
          await system.stop()
          // Exit explicitly: a queue may leave timers behind (Agenda's lock-lifetime check sleeps
          // for minutes), and the harness should not wait on them.
          process.send?.({ kind: 'stopped' } satisfies WorkerMessage, () => process.exit(0))
          return
      }
    })().catch((error: unknown) => {
      send({ kind: 'error', message: error instanceof Error ? error.message : String(error) })
    })
  })
  // The harness went away (killed, crashed): nothing will ever ask this worker to stop.
  process.once('disconnect', () => process.exit(0))
  send({ kind: 'ready' })
}

main().catch((error: unknown) => {
  send({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  process.exitCode = 1
  process.disconnect?.()
})
