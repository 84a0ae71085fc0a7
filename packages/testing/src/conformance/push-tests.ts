import type { PushStatus, PushWake } from '@durabl/core'
import { describe, expect, it, type TestContext } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import { at, enqueueOne, JOB_TYPE, waitFor } from './fixtures.js'

export function describePushTests(context: ConformanceContext): void {
  describe('push', () => {
    it('wakes a subscriber after an enqueue, and close() ends the subscription', async (test: TestContext) => {
      const { backend } = context
      const subscribe = backend.subscribe?.bind(backend)
      if (!backend.capabilities.push || subscribe === undefined) {
        test.skip('the backend does not declare capabilities.push (or has no subscribe())')
      }
      const wakes: PushWake[] = []
      const statuses: PushStatus[] = []
      const subscription = await subscribe({
        types: [JOB_TYPE],
        onWake: (wake) => wakes.push(wake),
        onStatus: (status) => statuses.push(status),
      })
      try {
        await waitFor(() => statuses.length > 0, 'a first status from subscribe()')
        const fallback = statuses.find((status) => status.state === 'fallback')
        if (fallback?.state === 'fallback') test.skip(`push fell back to polling: ${fallback.reason}`)
        expect(statuses[0]).toEqual({ state: 'connected' })
        await enqueueOne(backend, { runAt: at(500) })
        await waitFor(() => wakes.length > 0, 'a wake after enqueue')
        const wake = wakes[0]!
        if (wake.type !== undefined) expect(wake.type).toBe(JOB_TYPE)
        expect(wake.runAt instanceof Date).toBe(true)
      } finally {
        await subscription.close()
      }
    })
  })
}
