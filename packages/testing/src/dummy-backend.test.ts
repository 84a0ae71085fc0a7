import type { NewJob } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { DummyBackend } from './dummy-backend.js'

const now = new Date('2040-01-01T00:00:00.000Z')

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    type: 'welcome-email',
    data: { userId: 'u_42' },
    priority: 0,
    runAt: now,
    maxAttempts: 3,
    backoff: { type: 'fixed', delayMs: 1_000 },
    timeoutMs: null,
    dedupeKey: null,
    dedupeScope: null,
    metadata: {},
    ...overrides,
  }
}

describe('DummyBackend', () => {
  it('records enqueued jobs and calls, and runs nothing', async () => {
    const backend = new DummyBackend()
    await backend.enqueueJobs({
      jobs: [newJob({ dedupeKey: 'welcome:u_42', dedupeScope: 'pending+active' })],
      now,
    })
    expect(backend.jobs).toHaveLength(1)
    expect(backend.jobs[0]).toMatchObject({
      type: 'welcome-email',
      data: { userId: 'u_42' },
      state: 'pending',
    })
    expect(backend.jobs[0]?.dedupeKey).toBe('welcome:u_42')
    expect(
      await backend.claimJobs({
        types: [{ type: 'welcome-email', limit: 1, leaseMs: 1_000 }],
        limit: 1,
        workerId: 'w',
        now,
      }),
    ).toEqual([])
    expect(backend.calls.map((call) => call.method)).toEqual(['enqueueJobs', 'claimJobs'])
    expect(backend.capabilities).toMatchObject({ inline: false, push: false })
  })

  it('enforces dedupe keys so null results are testable', async () => {
    const backend = new DummyBackend()
    const keyed = newJob({ dedupeKey: 'thing:42', dedupeScope: 'pending+active' })
    expect(await backend.enqueueJobs({ jobs: [keyed, keyed], now })).toEqual([expect.any(String), null])
  })

  it('claimOrEnqueue only enqueues', async () => {
    const backend = new DummyBackend()
    const job = { ...newJob(), dedupeKey: 'k', dedupeScope: 'pending' as const }
    const first = await backend.claimOrEnqueue({ job, leaseMs: 1_000, workerId: 'w', now })
    expect(first).toEqual({ outcome: 'enqueued', id: expect.any(String) })
    expect(await backend.claimOrEnqueue({ job, leaseMs: 1_000, workerId: 'w', now })).toEqual({
      outcome: 'duplicate',
    })
    expect(backend.jobs.map((stored) => stored.state)).toEqual(['pending'])
  })

  it('filters by type and clears', async () => {
    const backend = new DummyBackend()
    await backend.enqueueJobs({
      jobs: [newJob(), newJob({ type: 'invoice' }), newJob()],
      now,
      session: { any: 1 },
    })
    expect(backend.enqueued('welcome-email')).toHaveLength(2)
    expect(backend.enqueued('invoice')).toHaveLength(1)
    expect(backend.enqueued()).toHaveLength(3)
    expect(backend.calls[0]?.params).toMatchObject({ session: { any: 1 } })
    backend.clear()
    expect(backend.jobs).toEqual([])
    expect(backend.calls).toEqual([])
  })
})
