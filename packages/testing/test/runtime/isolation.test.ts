import { type Backend, type InlineRunner, type Job, JobQueue } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { advanceUntil, recordEvents } from './helpers.js'

describe('listener and hook isolation', () => {
  let queue: JobQueue
  afterEach(async () => {
    await queue.shutdown(0)
  })

  it('a listener that throws is reported as queue:error and processing continues', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    queue = new JobQueue(backend, { clock })
    let done = 0
    queue.process('work', async () => void done++, { concurrency: 2 })
    queue.on('job:completed', () => {
      throw new Error('metrics exporter down')
    })
    queue.on('queue:error', () => {
      throw new Error('a broken error listener is swallowed')
    })
    const events = recordEvents(queue, ['queue:error'])
    await queue.startup()
    await queue.enqueueMany(Array.from({ length: 5 }, () => ({ type: 'work', data: null })))
    await advanceUntil(clock, async () => (await queue.getStats()).total.completed === 5)
    expect(done).toBe(5)
    expect(events.of('queue:error').map((event) => event.operation)).toEqual(
      Array.from({ length: 5 }, () => 'listener:job:completed'),
    )
  })

  it('a process hook that throws is reported and the outcome is still recorded', async () => {
    const backend = new MemoryBackend()
    const clock = new TestClock()
    queue = new JobQueue(backend, { clock })
    const seen: string[] = []
    queue.use({
      name: 'outer',
      async process(_info, next) {
        const outcome = await next()
        seen.push(`outer:${outcome.status}`)
        return outcome
      },
    })
    queue.use({
      name: 'broken',
      async process() {
        throw new Error('span exporter bug')
      },
    })
    queue.process('work', async () => 42)
    const events = recordEvents(queue, ['queue:error'])
    await queue.startup()
    const id = (await queue.enqueue('work', {}))!
    await advanceUntil(clock, async () => (await backend.getJob({ id }))?.state === 'completed')
    expect((await backend.getJob({ id }))?.result).toBe(42)
    expect(seen).toEqual(['outer:completed'])
    expect(events.of('queue:error').map((event) => event.operation)).toEqual(['hook:broken:process'])
  })
})

/** A MemoryBackend that runs each job as it is enqueued, like the README's ImmediateBackend. */
class InlineMemoryBackend extends MemoryBackend implements Backend {
  override readonly capabilities = { ...new MemoryBackend().capabilities, inline: true, push: false }
  runner: InlineRunner | null = null
  attachRunner(runner: InlineRunner): void {
    this.runner = runner
  }
  override async enqueueJobs(params: Parameters<MemoryBackend['enqueueJobs']>[0]) {
    const ids = await super.enqueueJobs(params)
    for (const id of ids) {
      if (id === null || this.runner === null) continue
      const job: Job | null = this.claimJobById(id, { leaseMs: 30_000, workerId: 'inline', now: params.now })
      if (job) await this.runner(job)
    }
    return ids
  }
}

describe('inline backends', () => {
  let queue: JobQueue
  afterEach(async () => {
    await queue.shutdown(0)
  })

  it('runs each job through the registered handler as it is enqueued', async () => {
    const backend = new InlineMemoryBackend()
    queue = new JobQueue(backend, { clock: new TestClock() })
    queue.process<{ n: number }, number>('double', async (job) => job.data.n * 2)
    await queue.startup()
    const id = (await queue.enqueue('double', { n: 21 }))!
    const job = await backend.getJob({ id })
    expect(job?.state).toBe('completed')
    expect(job?.result).toBe(42)
  })

  it('leaves a job pending when this queue has no handler for its type', async () => {
    const backend = new InlineMemoryBackend()
    queue = new JobQueue(backend, { clock: new TestClock() })
    await queue.startup()
    const id = (await queue.enqueue('unhandled', {}))!
    const job = await backend.getJob({ id })
    expect(job?.state).toBe('pending')
    expect(job?.attempts).toBe(0)
  })
})
