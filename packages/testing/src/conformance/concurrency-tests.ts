import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, claim, claimOne, enqueueOne, keyedJob, newJob } from './fixtures.js'

export function describeConcurrencyTests(context: ConformanceContext): void {
  describe('concurrency', () => {
    it('never hands a job to two of many concurrent claims', async () => {
      const total = 40
      const ids = await context.backend.enqueueJobs({
        jobs: Array.from({ length: total }, (_, index) => newJob({ data: { index } })),
        now: at(0),
      })
      const batches = await Promise.all(
        Array.from({ length: 16 }, (_, worker) =>
          claim(context.backend, { limit: 5, workerId: `worker-${worker}` }),
        ),
      )
      const claimed = batches.flat().map((job) => job.id)
      expect(new Set(claimed).size).toBe(claimed.length)
      // A backend may hand out fewer under contention; a final sweep must find exactly the rest.
      const rest = (await claim(context.backend, { limit: total, workerId: 'sweeper' })).map((job) => job.id)
      expect([...claimed, ...rest].sort()).toEqual([...ids].sort())
    })

    it('writes one job for many concurrent enqueues with the same dedupe key', async () => {
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          context.backend.enqueueJobs({
            jobs: [newJob({ dedupeKey: 'race', dedupeScope: 'pending+active' })],
            now: at(0),
          }),
        ),
      )
      expect(results.flat().filter((id) => id !== null)).toHaveLength(1)
    })

    it('claims once for many concurrent claimOrEnqueue calls with the same key', async () => {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, worker) =>
          context.backend.claimOrEnqueue({
            job: keyedJob('race', 'pending'),
            leaseMs: 5_000,
            workerId: `worker-${worker}`,
            now: at(0),
          }),
        ),
      )
      const outcomes = results.map((result) => result.outcome)
      expect(outcomes.filter((outcome) => outcome === 'claimed')).toHaveLength(1)
      expect(outcomes.filter((outcome) => outcome === 'enqueued')).toHaveLength(1)
      expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(10)
    })

    it('applies exactly one of two concurrent completes of the same lease', async () => {
      await enqueueOne(context.backend)
      const job = await claimOne(context.backend)
      const lease = { id: job.id, leaseToken: job.leaseToken as string }
      const [first, second] = await Promise.all([
        context.backend.completeJobs({ jobs: [{ ...lease, result: 'first' }], now: at(1) }),
        context.backend.completeJobs({ jobs: [{ ...lease, result: 'second' }], now: at(1) }),
      ])
      expect([...first!.applied, ...second!.applied]).toEqual([job.id])
      expect([...first!.lost, ...second!.lost]).toEqual([job.id])
    })
  })
}
