import { vi } from 'vitest'
import { acknowledgeSeparately } from '../../acknowledge-separately.js'
import type { AckResult, Backend } from '../../backend.js'
import type { Job } from '../../job.js'

/**
 * A Backend whose every method is a `vi.fn` with a harmless default, for unit tests of runtime
 * parts in isolation. Override a method with `backend.claimJobs.mockImplementation(...)`.
 */
export function createStubBackend(capabilities: Partial<Backend['capabilities']> = {}) {
  const ackAll = async (params: { jobs: Array<{ id: string }> }): Promise<AckResult> => ({
    applied: params.jobs.map((job) => job.id),
    lost: [],
  })
  const ackAllHeld = async (params: { jobs: Array<{ id: string }> }) => ({
    ...(await ackAll(params)),
    cancelRequested: [],
  })
  const separate: Pick<Backend, 'completeJobs' | 'failJobs' | 'releaseJobs'> = {
    completeJobs: (params) => backend.completeJobs(params),
    failJobs: (params) => backend.failJobs(params),
    releaseJobs: (params) => backend.releaseJobs(params),
  }
  const backend = {
    name: 'stub',
    capabilities: {
      push: false,
      transactions: false,
      bulkEnqueue: true,
      durable: false,
      inline: false,
      ...capabilities,
    },
    startup: vi.fn<Backend['startup']>(async () => {}),
    shutdown: vi.fn<Backend['shutdown']>(async () => {}),
    enqueueJobs: vi.fn<Backend['enqueueJobs']>(async (params) =>
      params.jobs.map((_, index) => `job-${index}`),
    ),
    claimJobs: vi.fn<Backend['claimJobs']>(async () => []),
    nextDueAt: vi.fn<Backend['nextDueAt']>(async () => null),
    heartbeatJobs: vi.fn<Backend['heartbeatJobs']>(ackAllHeld),
    completeJobs: vi.fn<Backend['completeJobs']>(ackAll),
    failJobs: vi.fn<Backend['failJobs']>(async (params) => ({
      retried: params.jobs.map((job) => job.id),
      failed: [],
      lost: [],
      cancelRequested: [],
    })),
    releaseJobs: vi.fn<Backend['releaseJobs']>(ackAllHeld),
    // Delegates to the three mocks above, so tests can script each kind of acknowledgement; every
    // cancel applies.
    acknowledgeJobs: vi.fn<Backend['acknowledgeJobs']>(async (params) => ({
      ...(await acknowledgeSeparately(separate, params)),
      cancel: await ackAll({ jobs: params.cancel ?? [] }),
    })),
    recoverExpiredLeases: vi.fn<Backend['recoverExpiredLeases']>(async () => ({
      recovered: 0,
      failed: 0,
      cancelled: 0,
    })),
    claimOrEnqueue: vi.fn<Backend['claimOrEnqueue']>(async () => ({ outcome: 'duplicate' })),
    getStats: vi.fn<Backend['getStats']>(),
    getJob: vi.fn<Backend['getJob']>(async () => null),
    listJobs: vi.fn<Backend['listJobs']>(),
    cancelJobs: vi.fn<Backend['cancelJobs']>(async () => []),
    retryJobs: vi.fn<Backend['retryJobs']>(async () => []),
    removeJobs: vi.fn<Backend['removeJobs']>(async () => 0),
  } satisfies Backend
  return backend
}

let nextId = 1

/** An active job as a claim would return it. */
export function activeJob(overrides: Partial<Job> = {}): Job {
  const now = new Date(Date.UTC(2030, 0, 1))
  const id = `job-${nextId++}`
  return {
    id,
    type: 'work',
    data: {},
    state: 'active',
    priority: 0,
    runAt: now,
    attempts: 1,
    maxAttempts: 3,
    backoff: { type: 'fixed', delayMs: 1_000 },
    timeoutMs: null,
    dedupeKey: null,
    dedupeScope: null,
    limitKey: null,
    leaseToken: `lease-${id}`,
    leaseExpiresAt: new Date(now.getTime() + 30_000),
    workerId: 'test',
    lastError: null,
    errors: [],
    logs: [],
    progress: null,
    result: null,
    metadata: {},
    createdAt: now,
    updatedAt: now,
    startedAt: now,
    finishedAt: null,
    cancelRequestedAt: null,
    ...overrides,
  }
}
