import { describe, expect, it } from 'vitest'
import { systemClock } from '../clock.js'
import { DEFAULTS } from '../options.js'
import { resolveJobQueueOptions } from './resolve-job-queue-options.js'

describe('resolveJobQueueOptions', () => {
  it('fills in defaults and calls the worker id factory only when needed', () => {
    let calls = 0
    const resolved = resolveJobQueueOptions(undefined, () => {
      calls++
      return 'host:1:abcd'
    })
    expect(resolved).toMatchObject({
      instanceConcurrency: DEFAULTS.instanceConcurrency,
      clock: systemClock,
      workerId: 'host:1:abcd',
      recoverIntervalMs: DEFAULTS.recoverIntervalMs,
      shutdownTimeoutMs: DEFAULTS.shutdownTimeoutMs,
      maxPayloadBytes: DEFAULTS.maxPayloadBytes,
    })
    expect(calls).toBe(1)
    resolveJobQueueOptions({ workerId: 'given' }, () => {
      calls++
      return 'unused'
    })
    expect(calls).toBe(1)
  })

  it('names field, rule and value', () => {
    const factory = () => 'w'
    expect(() => resolveJobQueueOptions({ instanceConcurrency: 0 }, factory)).toThrow(
      'options.instanceConcurrency must be an integer >= 1, got 0',
    )
    expect(() => resolveJobQueueOptions({ clock: {} }, factory)).toThrow(
      'options.clock must have now(), setTimeout() and clearTimeout(), got an object',
    )
    expect(() => resolveJobQueueOptions({ recoverIntervalMs: 5 }, factory)).toThrow(
      'options.recoverIntervalMs must be a finite number >= 100, got 5',
    )
    expect(() => resolveJobQueueOptions({ workerId: '' }, factory)).toThrow(
      'options.workerId must be a non-empty string, got ""',
    )
    expect(() =>
      resolveJobQueueOptions({ defaultEnqueueOptions: { priority: Number.NaN } }, factory),
    ).toThrow('options.defaultEnqueueOptions.priority must be a finite integer, got NaN')
    expect(() => resolveJobQueueOptions({ concurrency: 4 }, factory)).toThrow(
      /^options\.concurrency is not a known option/,
    )
  })

  it('workerRegistryIntervalMs: 30000 by default, false or 0 for off, at least 1000', () => {
    const factory = () => 'w'
    const resolve = (value: unknown) =>
      resolveJobQueueOptions({ workerRegistryIntervalMs: value }, factory).workerRegistryIntervalMs
    expect(resolveJobQueueOptions({}, factory).workerRegistryIntervalMs).toBe(30_000)
    expect(resolve(false)).toBe(false)
    expect(resolve(0)).toBe(false)
    expect(resolve(1_000)).toBe(1_000)
    expect(() => resolve(999)).toThrow(
      'options.workerRegistryIntervalMs must be false or 0 (off), or a finite number >= 1000, got 999',
    )
    expect(() => resolve(true)).toThrow('options.workerRegistryIntervalMs must be false or 0 (off)')
    expect(() => resolve(Number.POSITIVE_INFINITY)).toThrow('options.workerRegistryIntervalMs')
    expect(() => resolve(2 ** 40)).toThrow(
      'options.workerRegistryIntervalMs must be at most 2147483647 (the longest timer Node.js can set)',
    )
  })
})
