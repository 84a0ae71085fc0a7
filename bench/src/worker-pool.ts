import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type {
  MemorySample,
  ParentMessage,
  ScheduleEnqueuedSample,
  WorkerMessage,
  WorkerSnapshot,
  WorkerSpec,
} from './ipc.js'

const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url))
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 15_000

interface PoolMember {
  child: ChildProcess
  completed: number
  exited: Promise<void>
}

/**
 * Worker processes forked from dist/worker.js, one queue instance each, driven together: ready →
 * go → (progress, latency samples) → snapshots → stop. The MongoDB URI goes through the
 * environment so it is never printed.
 */
export class WorkerPool {
  private readonly members: PoolMember[] = []
  private readonly snapshotWaiters = new Map<string, Array<(snapshot: WorkerSnapshot) => void>>()
  private progressListener: ((total: number) => void) | null = null
  private latencyListener: ((latencyMs: number) => void) | null = null
  private memoryListener: ((sample: MemorySample) => void) | null = null
  private scheduleListener: ((sample: ScheduleEnqueuedSample, worker: number) => void) | null = null
  private failure: Error | null = null

  private constructor() {}

  static async start(spec: WorkerSpec, count: number, mongoUri: string): Promise<WorkerPool> {
    const pool = new WorkerPool()
    const ready: Array<Promise<void>> = []
    for (let index = 0; index < count; index += 1) ready.push(pool.spawn(spec, mongoUri))
    try {
      await Promise.all(ready)
    } catch (error) {
      await pool.kill()
      throw error
    }
    return pool
  }

  get completed(): number {
    return this.members.reduce((sum, member) => sum + member.completed, 0)
  }

  onLatency(listener: ((latencyMs: number) => void) | null): void {
    this.latencyListener = listener
  }

  onMemory(listener: ((sample: MemorySample) => void) | null): void {
    this.memoryListener = listener
  }

  /** Every `schedule:enqueued` of every worker, with the worker's index in the pool. */
  onScheduleEnqueued(listener: ((sample: ScheduleEnqueuedSample, worker: number) => void) | null): void {
    this.scheduleListener = listener
  }

  go(): void {
    this.broadcast({ kind: 'go' })
  }

  /** Asks every worker for its counters and resolves with all the answers. */
  async snapshot(tag: string): Promise<WorkerSnapshot[]> {
    this.throwIfFailed()
    const answers = this.members.map(
      () =>
        new Promise<WorkerSnapshot>((resolve) => {
          const waiters = this.snapshotWaiters.get(tag) ?? []
          waiters.push(resolve)
          this.snapshotWaiters.set(tag, waiters)
        }),
    )
    this.broadcast({ kind: 'snapshot', tag })
    return Promise.all(answers)
  }

  /** Resolves once `total` jobs completed, or with false after `capMs`; `onProgress` sees every report. */
  waitForCompleted(total: number, capMs: number, onProgress?: (completed: number) => void): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(false), capMs)
      const check = setInterval(() => {
        if (this.failure) {
          clearTimeout(timer)
          clearInterval(check)
          this.progressListener = null
          reject(this.failure)
        }
      }, 200)
      const finish = (done: boolean) => {
        clearTimeout(timer)
        clearInterval(check)
        this.progressListener = null
        resolve(done)
      }
      this.progressListener = (completed) => {
        onProgress?.(completed)
        if (completed >= total) finish(true)
      }
      if (this.completed >= total) finish(true)
    })
  }

  async stop(): Promise<void> {
    this.broadcast({ kind: 'stop' })
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref(),
    )
    const result = await Promise.race([Promise.all(this.members.map((member) => member.exited)), timeout])
    if (result === 'timeout') {
      process.stderr.write(`[bench] workers did not stop within ${STOP_TIMEOUT_MS} ms: killed\n`)
      await this.kill()
    }
  }

  /** Ends the pool's own children (by their pids), for errors and timeouts. */
  async kill(): Promise<void> {
    for (const member of this.members) {
      if (member.child.exitCode === null && member.child.signalCode === null) member.child.kill('SIGKILL')
    }
    await Promise.all(this.members.map((member) => member.exited))
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure
  }

  private broadcast(message: ParentMessage): void {
    for (const member of this.members) {
      if (member.child.connected) member.child.send(message)
    }
  }

  private spawn(spec: WorkerSpec, mongoUri: string): Promise<void> {
    const index = this.members.length
    const child = fork(WORKER_PATH, [], {
      env: { ...process.env, BENCH_WORKER_SPEC: JSON.stringify(spec), BENCH_MONGO_URI: mongoUri },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(spec.sampleMemoryEveryJobs === undefined ? {} : { execArgv: [...process.execArgv, '--expose-gc'] }),
    })
    const member: PoolMember = {
      child,
      completed: 0,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
    }
    this.members.push(member)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`a ${spec.system} worker was not ready after ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      )
      child.once('exit', (code) => {
        clearTimeout(timer)
        if (code !== 0 && code !== null) {
          const error = new Error(`a ${spec.system} worker exited with code ${code}`)
          this.failure ??= error
          reject(error)
        }
      })
      child.on('message', (message: WorkerMessage) => {
        switch (message.kind) {
          case 'ready':
            clearTimeout(timer)
            resolve()
            return
          case 'progress':
            member.completed = message.completed
            this.progressListener?.(this.completed)
            return
          case 'started':
            this.latencyListener?.(message.latencyMs)
            return
          case 'memory': {
            const { kind: _kind, ...sample } = message
            this.memoryListener?.(sample)
            return
          }
          case 'schedule': {
            const { kind: _kind, ...sample } = message
            this.scheduleListener?.(sample, index)
            return
          }
          case 'snapshot': {
            const waiters = this.snapshotWaiters.get(message.tag)
            const waiter = waiters?.shift()
            if (waiters && waiters.length === 0) this.snapshotWaiters.delete(message.tag)
            member.completed = message.completed
            waiter?.({
              tag: message.tag,
              completed: message.completed,
              commands: message.commands,
              cpuMicros: message.cpuMicros,
            })
            return
          }
          case 'stopped':
            return
          case 'error': {
            clearTimeout(timer)
            const error = new Error(`${spec.system} worker: ${message.message}`)
            this.failure ??= error
            reject(error)
            return
          }
        }
      })
    })
  }
}
