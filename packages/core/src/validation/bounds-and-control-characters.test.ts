import { describe, expect, it } from 'vitest'
import { MAXIMUMS, MINIMUMS } from '../options.js'
import { resolveEnqueueDefaults, resolveEnqueueOptions } from './resolve-enqueue-options.js'
import { resolveJobQueueOptions } from './resolve-job-queue-options.js'
import { resolveProcessorConfig } from './resolve-processor-config.js'
import { validateJobType } from './validate-job-type.js'

const now = new Date(Date.UTC(2030, 0, 1))
const defaults = resolveEnqueueDefaults(undefined)
const enqueue = (options: unknown) => () => resolveEnqueueOptions(options, defaults, now)

describe('control characters in names and keys', () => {
  it.each([
    ['line\nbreak', 'U+000A at index 4'],
    ['tab\there', 'U+0009 at index 3'],
    ['\u001b[31mred', 'U+001B at index 0'],
    ['del\u007f', 'U+007F at index 3'],
    ['c1\u009b31m', 'U+009B at index 2'],
  ])('refuses %j as a type and as a dedupe key', (value, where) => {
    expect(() => validateJobType(value)).toThrow(`type must not contain control characters (${where}), got`)
    expect(enqueue({ dedupeKey: value })).toThrow(
      `options.dedupeKey must not contain control characters (${where}), got ${JSON.stringify(value)}`,
    )
  })

  it('refuses them in a worker id, and accepts printable Unicode everywhere', () => {
    expect(() => resolveJobQueueOptions({ workerId: 'w\r1' }, () => 'w')).toThrow(
      'options.workerId must not contain control characters (U+000D at index 1), got "w\\r1"',
    )
    expect(validateJobType('e-mail:送信 ✓')).toBe('e-mail:送信 ✓')
    expect(enqueue({ dedupeKey: 'user:ü/42 #1' })().dedupeKey).toBe('user:ü/42 #1')
  })
})

describe('numeric bounds', () => {
  it('keeps priority within ±1,000,000', () => {
    expect(enqueue({ priority: MAXIMUMS.priority })().priority).toBe(1_000_000)
    expect(enqueue({ priority: MINIMUMS.priority })().priority).toBe(-1_000_000)
    expect(enqueue({ priority: 2 ** 60 })).toThrow(
      `options.priority must be an integer from -1000000 to 1000000, got ${2 ** 60}`,
    )
    expect(enqueue({ priority: -1_000_001 })).toThrow(
      'options.priority must be an integer from -1000000 to 1000000',
    )
    expect(() => resolveEnqueueDefaults({ priority: 1e9 })).toThrow(
      'defaultEnqueueOptions.priority must be an integer from -1000000 to 1000000, got 1000000000',
    )
  })

  it('keeps maxAttempts within 1 to 1,000,000', () => {
    expect(enqueue({ maxAttempts: MAXIMUMS.maxAttempts })().maxAttempts).toBe(1_000_000)
    expect(enqueue({ maxAttempts: 1e9 })).toThrow(
      'options.maxAttempts must be at most 1000000 (MAXIMUMS.maxAttempts), got 1000000000',
    )
    expect(() => resolveEnqueueDefaults({ maxAttempts: 2 ** 60 })).toThrow(
      'defaultEnqueueOptions.maxAttempts must be at most 1000000',
    )
  })

  it('names delayMs and its value when runAt would pass the latest Date', () => {
    expect(enqueue({ delayMs: 1e20 })).toThrow(
      /^options\.delayMs must be at most 8640000000000000 .*, got 100000000000000000000$/,
    )
    const tooLate = MAXIMUMS.dateMs - now.getTime() + 1
    expect(enqueue({ delayMs: tooLate })).toThrow(
      `options.delayMs must be at most ${tooLate - 1} (now + delayMs must not pass the latest Date`,
    )
    expect(enqueue({ delayMs: tooLate - 1 })().runAt.getTime()).toBe(MAXIMUMS.dateMs)
    expect(() => resolveEnqueueDefaults({ delayMs: 1e20 })).toThrow(
      /^defaultEnqueueOptions\.delayMs must be at most/,
    )
  })

  it('caps durations a timer waits at 2147483647 ms, which Node.js would otherwise fire after 1 ms', () => {
    const rule = 'must be at most 2147483647 (the longest timer Node.js can set), got 10000000000'
    expect(enqueue({ timeoutMs: 1e10 })).toThrow(`options.timeoutMs ${rule}`)
    expect(() => resolveProcessorConfig({ pollIntervalMs: 1e10 })).toThrow(`config.pollIntervalMs ${rule}`)
    expect(() => resolveProcessorConfig({ leaseMs: 1e10 })).toThrow(`config.leaseMs ${rule}`)
    expect(() => resolveJobQueueOptions({ recoverIntervalMs: 1e10 }, () => 'w')).toThrow(
      `options.recoverIntervalMs ${rule}`,
    )
    expect(() => resolveJobQueueOptions({ shutdownTimeoutMs: 1e10 }, () => 'w')).toThrow(
      `options.shutdownTimeoutMs ${rule}`,
    )
    expect(enqueue({ timeoutMs: MAXIMUMS.timerMs })().timeoutMs).toBe(MAXIMUMS.timerMs)
  })
})
