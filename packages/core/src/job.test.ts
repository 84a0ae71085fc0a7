import { describe, expect, it } from 'vitest'
import { type NewJob, pendingJobFields } from './job.js'

const now = new Date('2040-01-01T00:00:00Z')
const newJob: NewJob = {
  type: 'welcome-email',
  data: { userId: 'u_1' },
  priority: 0,
  runAt: now,
  maxAttempts: 3,
  backoff: { type: 'fixed', delayMs: 10 },
  timeoutMs: null,
  dedupeKey: null,
  dedupeScope: null,
  metadata: {},
}

describe('pendingJobFields', () => {
  it('starts a job pending, with no attempts, lease or history', () => {
    expect(pendingJobFields(newJob, now)).toMatchObject({
      state: 'pending',
      attempts: 0,
      leaseToken: null,
      leaseExpiresAt: null,
      workerId: null,
      lastError: null,
      errors: [],
      logs: [],
      result: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
    })
  })

  it('gives a key without a scope the default scope, and drops a scope without a key', () => {
    expect(pendingJobFields({ ...newJob, dedupeKey: 'k', dedupeScope: null }, now).dedupeScope).toBe(
      'pending+active',
    )
    expect(pendingJobFields({ ...newJob, dedupeScope: 'pending' }, now).dedupeScope).toBeNull()
  })
})
