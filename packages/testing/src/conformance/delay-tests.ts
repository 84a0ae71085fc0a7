import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, claim, claimOne, enqueueOne } from './fixtures.js'

export function describeDelayTests(context: ConformanceContext): void {
  describe('delays', () => {
    it('does not claim a job before its runAt, and claims it from runAt on', async () => {
      const id = await enqueueOne(context.backend, { runAt: at(60_000) })
      expect(await claim(context.backend, { now: at(0) })).toEqual([])
      expect(await claim(context.backend, { now: at(59_999) })).toEqual([])
      expect((await claimOne(context.backend, { now: at(60_000) })).id).toBe(id)
    })

    it('does not let a delayed job hold back due jobs behind it', async () => {
      await enqueueOne(context.backend, { priority: -100, runAt: at(60_000) })
      const due = await enqueueOne(context.backend, { priority: 100, runAt: at(0) })
      expect((await claimOne(context.backend, { now: at(1_000) })).id).toBe(due)
    })
  })
}
