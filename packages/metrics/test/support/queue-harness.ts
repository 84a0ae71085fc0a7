import { JobQueue, type JobQueueEventName, type JobQueueOptions } from '@durabl/core'
import { MemoryBackend, TestClock } from '@durabl/testing'
import { waitFor } from './wait-for.js'

export interface QueueHarness {
  queue: JobQueue
  backend: MemoryBackend
  clock: TestClock
  /** How many times each event fired since the harness was made. */
  count(event: JobQueueEventName): number
  /** Waits until `event` fired at least `times` times in all. */
  waitForEvents(event: JobQueueEventName, times: number): Promise<void>
  /** Every `queue:error` seen, for asserting that none happened. */
  errors: Array<{ error: Error; operation: string }>
}

/**
 * A JobQueue over a MemoryBackend (push wake-ups, so jobs start without advancing time) on a
 * TestClock: time only moves when a test moves it, so waits and durations are exact.
 */
export function createQueueHarness(options: JobQueueOptions = {}): QueueHarness {
  const backend = new MemoryBackend()
  const clock = new TestClock()
  const queue = new JobQueue(backend, { clock, workerId: 'worker-1', ...options })
  const counts = new Map<JobQueueEventName, number>()
  const errors: QueueHarness['errors'] = []
  const events: JobQueueEventName[] = [
    'job:enqueued',
    'job:duplicate',
    'job:active',
    'job:completed',
    'job:failed',
    'job:cancelled',
    'job:released',
    'lease:lost',
    'stale:recovered',
    'queue:error',
  ]
  for (const event of events) queue.on(event, () => counts.set(event, (counts.get(event) ?? 0) + 1))
  queue.on('queue:error', (payload) => errors.push(payload))
  const count = (event: JobQueueEventName) => counts.get(event) ?? 0
  return {
    queue,
    backend,
    clock,
    count,
    errors,
    waitForEvents: (event, times) => waitFor(`${times} × ${event}`, () => count(event) >= times),
  }
}
