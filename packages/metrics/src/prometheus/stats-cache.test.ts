import type { QueueStats } from '@durabl/core'
import { describe, expect, it, vi } from 'vitest'
import { deferred } from '../../test/support/wait-for.js'
import { StatsCache } from './stats-cache.js'

const STATS = { types: [], total: {} } as unknown as QueueStats

describe('StatsCache', () => {
  it('serves a result for maxAgeMs, measured from when the read started', async () => {
    let nowMs = 0
    const load = vi.fn(async () => {
      nowMs += 300 // the read itself takes 300 ms
      return STATS
    })
    const cache = new StatsCache({ load, maxAgeMs: 1_000, nowMs: () => nowMs, onError: () => {} })
    await cache.get()
    nowMs = 999
    await cache.get()
    expect(load).toHaveBeenCalledTimes(1)
    nowMs = 1_000
    await cache.get()
    expect(load).toHaveBeenCalledTimes(2)
  })

  it('shares a read in flight and reports its failure once', async () => {
    const pending = deferred<QueueStats>()
    const load = vi.fn(() => pending.promise)
    const onError = vi.fn()
    const cache = new StatsCache({ load, maxAgeMs: 0, nowMs: () => 0, onError })
    const reads = [cache.get(), cache.get(), cache.get()]
    expect(load).toHaveBeenCalledTimes(1)
    const failure = new Error('down')
    // Reject through the deferred's promise: resolve with a rejected promise.
    pending.resolve(Promise.reject(failure) as unknown as QueueStats)
    for (const read of reads) await expect(read).rejects.toBe(failure)
    expect(onError).toHaveBeenCalledTimes(1)
    load.mockResolvedValueOnce(STATS)
    await expect(cache.get()).resolves.toBe(STATS)
    expect(load).toHaveBeenCalledTimes(2)
  })
})
