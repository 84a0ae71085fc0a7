import type { NewJob } from '@durabl/core'

/** A resolved job for backend-level tests; override any field. */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    type: 'job',
    data: {},
    priority: 0,
    runAt: new Date(0),
    maxAttempts: 3,
    backoff: { type: 'fixed', delayMs: 1_000 },
    timeoutMs: null,
    dedupeKey: null,
    dedupeScope: null,
    metadata: {},
    ...overrides,
  }
}
