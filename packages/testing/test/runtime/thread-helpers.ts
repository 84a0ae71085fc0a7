import type { JobQueue, JobState } from '@durabl/core'
import type { MemoryBackend } from '@durabl/testing'
import { vi } from 'vitest'

/** The thread handlers the thread tests run; each export is one handler. */
export const HANDLERS = new URL('../fixtures/thread-handlers/handlers.js', import.meta.url)

/** A thread's work takes real time: poll the store, with a deadline, until the job is in `state`. */
export async function waitForState(backend: MemoryBackend, id: string, state: JobState) {
  return vi.waitFor(
    async () => {
      const job = await backend.getJob({ id })
      if (job?.state !== state) throw new Error(`job ${id} is ${job?.state}, waiting for ${state}`)
      return job
    },
    { timeout: 15_000, interval: 5 },
  )
}

/** Polls `condition` with a deadline (real time: threads run on their own). */
export async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  await vi.waitFor(
    () => {
      if (!condition()) throw new Error(`still waiting for ${what}`)
    },
    { timeout: 15_000, interval: 5 },
  )
}

/** Resolves with the next `job:progress` of job `id` (a thread's message took real time to arrive). */
export function nextProgress(queue: JobQueue, id: string): Promise<unknown> {
  return new Promise((resolve) => {
    const listener = ({ job, progress }: { job: { id: string }; progress: unknown }) => {
      if (job.id !== id) return
      queue.off('job:progress', listener)
      resolve(progress)
    }
    queue.on('job:progress', listener)
  })
}
