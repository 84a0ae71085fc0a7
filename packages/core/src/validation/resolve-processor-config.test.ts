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
      isolation: 'none',
      threadTerminateGraceMs: DEFAULTS.threadTerminateGraceMs,
      threadResourceLimits: null,
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

  it('runs a module handler in a thread by default, a function in the main thread', () => {
    expect(resolveProcessorConfig(undefined, 'config', 'module').isolation).toBe('thread')
    expect(resolveProcessorConfig({ isolation: 'thread' }, 'config', 'module').isolation).toBe('thread')
    expect(resolveProcessorConfig({ isolation: 'none' }).isolation).toBe('none')
  })

  it('refuses an isolation the handler cannot have, saying why', () => {
    expect(() => resolveProcessorConfig({ isolation: 'thread' })).toThrow(
      /^config\.isolation cannot be 'thread' for a function handler: a function cannot be sent to another thread/,
    )
    expect(() => resolveProcessorConfig({ isolation: 'none' }, 'config', 'module')).toThrow(
      /^config\.isolation must be 'thread' for a module handler/,
    )
    expect(() => resolveProcessorConfig({ isolation: 'process' }, 'config', 'module')).toThrow(
      "config.isolation must be one of 'none', 'thread', got \"process\"",
    )
  })

  it('validates the thread options and allows them only with isolation thread', () => {
    const config = resolveProcessorConfig(
      { threadTerminateGraceMs: 0, threadResourceLimits: { maxOldGenerationSizeMb: 64, stackSizeMb: 2 } },
      'config',
      'module',
    )
    expect(config.threadTerminateGraceMs).toBe(0)
    expect(config.threadResourceLimits).toEqual({ maxOldGenerationSizeMb: 64, stackSizeMb: 2 })
    expect(() => resolveProcessorConfig({ threadTerminateGraceMs: -1 }, 'config', 'module')).toThrow(
      'config.threadTerminateGraceMs must be a finite number >= 0, got -1',
    )
    expect(() =>
      resolveProcessorConfig({ threadResourceLimits: { maxOldGenerationSize: 64 } }, 'config', 'module'),
    ).toThrow(/^config\.threadResourceLimits\.maxOldGenerationSize is not a known option/)
    expect(() =>
      resolveProcessorConfig({ threadResourceLimits: { stackSizeMb: 0 } }, 'config', 'module'),
    ).toThrow('config.threadResourceLimits.stackSizeMb must be a positive finite number, got 0')
    expect(() => resolveProcessorConfig({ threadResourceLimits: {} })).toThrow(
      "config.threadResourceLimits applies only with isolation: 'thread', got an object",
    )
  })
})
