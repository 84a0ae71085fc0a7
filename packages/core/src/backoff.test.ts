import { describe, expect, it } from 'vitest'
import { computeBackoffDelay, computeSpecDelay } from './backoff.js'
import { ValidationError } from './errors/validation-error.js'
import type { BackoffSpec } from './job.js'
import { activeJob } from './runtime/test-support/stub-backend.js'

const exponential: BackoffSpec = { type: 'exponential', baseMs: 1_000, maxMs: 10_000, jitter: 'none' }

describe('computeSpecDelay', () => {
  it('doubles from baseMs per attempt without jitter', () => {
    expect([1, 2, 3, 4].map((attempt) => computeSpecDelay(exponential, attempt))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ])
  })

  it('caps the delay at maxMs, even for huge attempt numbers', () => {
    expect(computeSpecDelay(exponential, 5)).toBe(10_000)
    expect(computeSpecDelay(exponential, 10_000)).toBe(10_000)
  })

  it('draws full jitter uniformly from [0, capped delay] with the injected random source', () => {
    const jittered: BackoffSpec = { ...exponential, jitter: 'full' }
    expect(computeSpecDelay(jittered, 3, () => 0)).toBe(0)
    expect(computeSpecDelay(jittered, 3, () => 0.5)).toBe(2_000)
    expect(computeSpecDelay(jittered, 3, () => 0.999999)).toBe(4_000)
    expect(computeSpecDelay(jittered, 20, () => 0.25)).toBe(2_500)
    // A broken random source cannot push the delay past the cap or below zero.
    expect(computeSpecDelay(jittered, 3, () => 7)).toBe(4_000)
    expect(computeSpecDelay(jittered, 3, () => -1)).toBe(0)
  })

  it('stays within bounds for any random draw', () => {
    const jittered: BackoffSpec = { ...exponential, jitter: 'full' }
    for (let attempt = 1; attempt < 20; attempt++) {
      const delay = computeSpecDelay(jittered, attempt)
      expect(delay).toBeGreaterThanOrEqual(0)
      expect(delay).toBeLessThanOrEqual(Math.min(10_000, 1_000 * 2 ** (attempt - 1)))
    }
  })

  it('returns delayMs for a fixed backoff', () => {
    expect(computeSpecDelay({ type: 'fixed', delayMs: 250 }, 1)).toBe(250)
    expect(computeSpecDelay({ type: 'fixed', delayMs: 250 }, 9)).toBe(250)
  })
})

describe('computeBackoffDelay', () => {
  const job = activeJob()
  const error = new Error('boom')

  it('calls a backoff function with the attempt, error and job', () => {
    const delay = computeBackoffDelay({
      backoff: (attempt, failure, failedJob) => (failure === error && failedJob === job ? attempt * 7 : -1),
      attempt: 3,
      error,
      job,
    })
    expect(delay).toBe(21)
  })

  it('rejects a backoff function that returns something other than a finite delay >= 0', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5']) {
      expect(() => computeBackoffDelay({ backoff: () => bad as number, attempt: 1, error, job })).toThrow(
        ValidationError,
      )
    }
  })

  it('uses the spec otherwise', () => {
    expect(computeBackoffDelay({ backoff: exponential, attempt: 2, error, job })).toBe(2_000)
  })
})
