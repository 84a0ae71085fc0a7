import type { Backend, ClaimOrEnqueueParams, DedupeRef, Job, JobError, LeaseRef, NewJob } from '@durabl/core'
import { expect } from 'vitest'

/**
 * Builders and checks shared by the conformance tests. Time is synthetic: every call passes a
 * `now` computed from a fixed base, so no test depends on the wall clock. The base lies in the
 * future so that a MongoDB TTL index never removes a test's finished jobs mid-test.
 */
export const BASE_TIME_MS = Date.parse('2040-01-01T00:00:00.000Z')

/** The base time plus `offsetMs`. */
export function at(offsetMs: number): Date {
  return new Date(BASE_TIME_MS + offsetMs)
}

export const JOB_TYPE = 'conformance-job'
export const OTHER_TYPE = 'conformance-other'
export const LEASE_MS = 30_000
export const WORKER_A = 'worker-a'
export const WORKER_B = 'worker-b'

/** A resolved job due at the base time; override any field. */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    type: JOB_TYPE,
    data: { value: 1 },
    priority: 0,
    runAt: at(0),
    maxAttempts: 3,
    backoff: { type: 'fixed', delayMs: 1_000 },
    timeoutMs: null,
    dedupeKey: null,
    dedupeScope: null,
    metadata: {},
    ...overrides,
  }
}

/** A job with a dedupe key, ready for `claimOrEnqueue`. */
export function keyedJob(
  dedupeKey: string,
  dedupeScope: 'pending' | 'pending+active',
  overrides: Partial<NewJob> = {},
): ClaimOrEnqueueParams['job'] {
  return { ...newJob(overrides), dedupeKey, dedupeScope }
}

/** Enqueues one job and returns its id, failing the test when dedupe blocked it. */
export async function enqueueOne(
  backend: Backend,
  overrides: Partial<NewJob> = {},
  now = at(0),
): Promise<string> {
  const [id] = await backend.enqueueJobs({ jobs: [newJob(overrides)], now })
  expect(typeof id, 'enqueueJobs should return a string id').toBe('string')
  return id as string
}

export interface ClaimOptions {
  types?: string[]
  limit?: number
  typeLimit?: number
  leaseMs?: number
  workerId?: string
  now?: Date
}

export async function claim(backend: Backend, options: ClaimOptions = {}): Promise<Job[]> {
  const types = options.types ?? [JOB_TYPE]
  return backend.claimJobs({
    types: types.map((type) => ({
      type,
      limit: options.typeLimit ?? 100,
      leaseMs: options.leaseMs ?? LEASE_MS,
    })),
    limit: options.limit ?? 100,
    workerId: options.workerId ?? WORKER_A,
    now: options.now ?? at(0),
  })
}

/** Claims and expects exactly one job. */
export async function claimOne(backend: Backend, options: ClaimOptions = {}): Promise<Job> {
  const jobs = await claim(backend, options)
  expect(jobs.map((job) => job.id)).toHaveLength(1)
  return jobs[0] as Job
}

export async function getJobOrFail(backend: Backend, id: string): Promise<Job> {
  const job = await backend.getJob({ id })
  expect(job, `job ${id} should exist`).not.toBeNull()
  return job as Job
}

/** An id in the backend's own format that names no job (enqueued, then removed). */
export async function missingId(backend: Backend): Promise<string> {
  const id = await enqueueOne(backend, { type: 'conformance-removed' })
  expect(await backend.removeJobs({ ids: [id], now: at(0) })).toBe(1)
  return id
}

/** What an ending write (complete, fail, release) names: the lease, and the dedupe key and scope as claimed. */
export function endingRef(job: Job): LeaseRef & DedupeRef {
  return {
    id: job.id,
    leaseToken: job.leaseToken as string,
    dedupeKey: job.dedupeKey,
    dedupeScope: job.dedupeScope,
  }
}

export function jobError(attempt: number, overrides: Partial<JobError> = {}): JobError {
  return {
    attempt,
    name: 'Error',
    message: `attempt ${attempt} failed`,
    code: null,
    stack: null,
    fatal: false,
    at: at(0),
    ...overrides,
  }
}

/** Dates compared by instant, so a backend may return its own Date objects. */
export function expectTime(actual: Date | null | undefined, expected: Date, what = 'date'): void {
  expect(actual instanceof Date, `${what} should be a Date`).toBe(true)
  expect((actual as Date).getTime(), what).toBe(expected.getTime())
}

/** Sorted ids, for comparing sets of jobs regardless of order. */
export function sortedIds(jobs: Array<{ id: string }> | string[]): string[] {
  return jobs.map((job) => (typeof job === 'string' ? job : job.id)).sort()
}

/**
 * Polls until `check` passes or the deadline ends; for effects a backend may deliver later (push
 * over a network). Not a sleep: it returns as soon as the condition holds.
 */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
