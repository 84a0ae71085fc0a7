import { describe, expectTypeOf, it } from 'vitest'
import type { Backend } from '../backend.js'
import type { Job } from '../job.js'
import type { EnqueueOptions } from '../options.js'
import type { JobContext } from './job-context.js'
import type { JobHandle } from './job-handle.js'
import { JobQueue } from './job-queue.js'
import type { ShutdownReport } from './shutdown-report.js'
import type { ThreadHandler, ThreadJobContext } from './thread/thread-handler.js'

declare const backend: Backend
const queue = new JobQueue(backend)

describe('JobQueue types', () => {
  it('types the handler from process<TData, TResult>', () => {
    queue.process<{ userId: string }, { sent: boolean }>('welcome-email', async (job, ctx) => {
      expectTypeOf(job).toEqualTypeOf<Job<{ userId: string }, { sent: boolean }>>()
      expectTypeOf(job.data.userId).toBeString()
      expectTypeOf(ctx).toEqualTypeOf<JobContext<{ sent: boolean }>>()
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>()
      expectTypeOf(ctx.complete).parameter(0).toEqualTypeOf<{ sent: boolean } | undefined>()
      return { sent: true }
    })
    // A handler may return nothing: returning completes the job without a result.
    queue.process('no-result', async () => {})
    // @ts-expect-error a handler's result must match TResult
    queue.process<unknown, { sent: boolean }>('wrong-result', async () => ({ sent: 'yes' }))
  })

  it('takes a thread module with isolation thread, and a function only without it', () => {
    queue.process('resize', { module: new URL('./resize.js', 'file:///app/'), exportName: 'resize' })
    queue.process(
      'resize-2',
      { module: '/app/resize.js' },
      { isolation: 'thread', threadTerminateGraceMs: 500 },
    )
    queue.process('inline', async () => {}, { isolation: 'none' })
    // @ts-expect-error a function cannot run in a worker thread: name its module instead
    queue.process('fn-in-thread', async () => {}, { isolation: 'thread' })
    // @ts-expect-error a thread module runs only in a thread
    queue.process('module-inline', { module: '/app/resize.js' }, { isolation: 'none' })
    const handler: ThreadHandler<{ width: number }, { bytes: number }> = async (job, ctx) => {
      expectTypeOf(job.data.width).toBeNumber()
      expectTypeOf(ctx).toEqualTypeOf<ThreadJobContext>()
      ctx.progress({ percent: 50 })
      return { bytes: job.data.width * 4 }
    }
    void handler
  })

  it('returns an id or null from enqueue, and ids or nulls from enqueueMany', () => {
    expectTypeOf(queue.enqueue('t', { a: 1 })).resolves.toEqualTypeOf<string | null>()
    expectTypeOf(queue.enqueueMany([{ type: 't', data: 1 }])).resolves.toEqualTypeOf<Array<string | null>>()
  })

  it('returns a typed handle or null from claimOrEnqueue', () => {
    expectTypeOf(
      queue.claimOrEnqueue<{ userId: string }>('t', { userId: 'u' }, { dedupeKey: 'k' }),
    ).resolves.toEqualTypeOf<JobHandle<{ userId: string }, unknown> | null>()
  })

  it('names durations by unit: a bare delay is not an option', () => {
    // @ts-expect-error `delay` is spelled `delayMs`
    const options: EnqueueOptions = { delay: 1_000 }
    expectTypeOf<EnqueueOptions['delayMs']>().toEqualTypeOf<number | undefined>()
    void options
  })

  it('types event payloads by name', () => {
    queue.on('job:failed', (event) => {
      expectTypeOf(event.willRetry).toBeBoolean()
      expectTypeOf(event.retryAt).toEqualTypeOf<Date | null>()
    })
    // @ts-expect-error no such event
    queue.on('job:exploded', () => {})
  })

  it('resolves shutdown() to a report of what was abandoned', () => {
    expectTypeOf(queue.shutdown(1_000)).resolves.toEqualTypeOf<ShutdownReport>()
    queue.on('queue:abandoned', (event) => {
      expectTypeOf(event.jobs[0]!.write).toEqualTypeOf<'complete' | 'fail' | 'release' | 'cancel'>()
      expectTypeOf(event.operations).toEqualTypeOf<string[]>()
    })
  })
})
