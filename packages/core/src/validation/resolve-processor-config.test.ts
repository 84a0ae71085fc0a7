import { describe, expect, it } from 'vitest'
import { DEFAULTS, MINIMUMS } from '../options.js'
import { resolveProcessorConfig } from './resolve-processor-config.js'

describe('resolveProcessorConfig', () => {
  it('fills in defaults, heartbeating three times per lease', () => {
    expect(resolveProcessorConfig(undefined)).toEqual({
      concurrency: DEFAULTS.concurrency,
      pollIntervalMs: null,
      leaseMs: DEFAULTS.leaseMs,
      heartbeatMs: 10_000,
      backoff: null,
    })
    expect(resolveProcessorConfig({ leaseMs: 3_000 }).heartbeatMs).toBe(1_000)
  })

  it('names field, rule and value', () => {
    expect(() => resolveProcessorConfig({ concurrency: 0 })).toThrow(
      'config.concurrency must be an integer >= 1, got 0',
    )
    expect(() => resolveProcessorConfig({ concurrency: 2.5 })).toThrow(
      'config.concurrency must be an integer >= 1, got 2.5',
    )
    expect(() => resolveProcessorConfig({ leaseMs: 10 })).toThrow(
      `config.leaseMs must be a finite number >= ${MINIMUMS.leaseMs}, got 10`,
    )
    expect(() => resolveProcessorConfig({ heartbeatMs: 1 })).toThrow(
      `config.heartbeatMs must be a finite number >= ${MINIMUMS.heartbeatMs}, got 1`,
    )
    expect(() => resolveProcessorConfig({ pollIntervalMs: 1 })).toThrow(
      `config.pollIntervalMs must be a finite number >= ${MINIMUMS.pollIntervalMs}, got 1`,
    )
    expect(() => resolveProcessorConfig({ pollInterval: 5_000 })).toThrow(
      /^config\.pollInterval is not a known option/,
    )
  })

  it('checks that heartbeatMs is less than leaseMs', () => {
    expect(() => resolveProcessorConfig({ leaseMs: 5_000, heartbeatMs: 6_000 })).toThrow(
      'config.heartbeatMs must be less than leaseMs (5000), got 6000',
    )
  })

  it('accepts a backoff function (it overrides the stored policy)', () => {
    const backoff = () => 5
    expect(resolveProcessorConfig({ backoff }).backoff).toBe(backoff)
  })
})
