import type { JobQueue, JobQueueEventName, JobQueueEvents } from '@durabl/core'
import type { TestClock } from '@durabl/testing'

/**
 * Advances the test clock in steps until `condition` holds. Deterministic: time moves only here,
 * and the step limit turns a hang into a failure that says what it waited for.
 */
export async function advanceUntil(
  clock: TestClock,
  condition: () => boolean | Promise<boolean>,
  options: { stepMs?: number; maxSteps?: number; what?: string } = {},
): Promise<void> {
  const stepMs = options.stepMs ?? 100
  const maxSteps = options.maxSteps ?? 1_000
  for (let step = 0; step < maxSteps; step++) {
    if (await condition()) return
    await clock.advance(stepMs)
  }
  if (await condition()) return
  throw new Error(
    `gave up after ${maxSteps} steps of ${stepMs} ms waiting for ${options.what ?? 'a condition'}`,
  )
}

/** Records every payload of the given events, in order. */
export function recordEvents<E extends JobQueueEventName>(queue: JobQueue, names: E[]) {
  const seen: Array<{ event: E; payload: JobQueueEvents[E] }> = []
  for (const name of names) queue.on(name, (payload) => seen.push({ event: name, payload }))
  return {
    seen,
    of<F extends E>(name: F): Array<JobQueueEvents[F]> {
      return seen.filter((entry) => entry.event === name).map((entry) => entry.payload as JobQueueEvents[F])
    },
  }
}

/** A promise with its resolve function, for handlers a test releases by hand. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

/** Resolves when `signal` aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason)
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  )
}
