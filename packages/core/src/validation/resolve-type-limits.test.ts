import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors/validation-error.js'
import { resolveTypeLimits } from './resolve-type-limits.js'

function errorOf(run: () => unknown): ValidationError {
  try {
    run()
  } catch (error) {
    expect(ValidationError.isInstance(error)).toBe(true)
    return error as ValidationError
  }
  throw new Error('expected a ValidationError')
}

describe('resolveTypeLimits', () => {
  it('returns a clean copy of the limits given', () => {
    const input = {
      concurrency: 10,
      rateLimit: { max: 100, perMs: 60_000 },
      perKey: { concurrency: 2, rateLimit: { max: 5, perMs: 1_000 } },
    }
    const limits = resolveTypeLimits(input)
    expect(limits).toEqual(input)
    expect(limits.perKey).not.toBe(input.perKey)
    expect(resolveTypeLimits({})).toEqual({})
    // An empty perKey limits nothing and is dropped.
    expect(resolveTypeLimits({ concurrency: 1, perKey: {} })).toEqual({ concurrency: 1 })
  })

  it.each([
    [{ concurrency: 0 }, 'limits.concurrency', 'must be an integer from 1 to 100000, got 0'],
    [{ concurrency: -3 }, 'limits.concurrency', 'must be an integer from 1 to 100000, got -3'],
    [{ concurrency: 1.5 }, 'limits.concurrency', 'must be a finite integer, got 1.5'],
    [{ concurrency: '4' }, 'limits.concurrency', 'must be a finite integer, got "4"'],
    [{ concurrency: 100_001 }, 'limits.concurrency', 'must be an integer from 1 to 100000, got 100001'],
    [{ rateLimit: { max: 0, perMs: 1_000 } }, 'limits.rateLimit.max', 'got 0'],
    [{ rateLimit: { max: 10_001, perMs: 1_000 } }, 'limits.rateLimit.max', 'from 1 to 10000, got 10001'],
    [{ rateLimit: { max: 5, perMs: 99 } }, 'limits.rateLimit.perMs', 'from 100 to 2147483647, got 99'],
    [{ rateLimit: { max: 5, perMs: 2 ** 31 } }, 'limits.rateLimit.perMs', 'got 2147483648'],
    [{ rateLimit: { max: 5, perMs: Number.NaN } }, 'limits.rateLimit.perMs', 'got NaN'],
    [{ rateLimit: { max: 5 } }, 'limits.rateLimit.perMs', 'is required'],
    [{ rateLimit: { perMs: 1_000 } }, 'limits.rateLimit.max', 'is required'],
    [{ rateLimit: 10 }, 'limits.rateLimit', 'must be a plain object, got 10'],
    [{ rateLimit: { max: 1, perMs: 1_000, burst: 2 } }, 'limits.rateLimit.burst', 'is not a known option'],
    [{ perKey: { concurrency: 0 } }, 'limits.perKey.concurrency', 'got 0'],
    [{ perKey: { rateLimit: { max: 1, perMs: 10 } } }, 'limits.perKey.rateLimit.perMs', 'got 10'],
    [{ perKey: { limit: 1 } }, 'limits.perKey.limit', 'is not a known option'],
    [{ perKey: null }, 'limits.perKey', 'must be a plain object, got null'],
    [{ concurency: 3 }, 'limits.concurency', 'is not a known option (known: concurrency, rateLimit, perKey)'],
    [
      { concurrency: 2, perKey: { concurrency: 3 } },
      'limits.perKey.concurrency',
      'must not exceed limits.concurrency (2), got 3',
    ],
  ])('refuses %j naming %s', (input, field, message) => {
    const error = errorOf(() => resolveTypeLimits(input))
    expect(error.field).toBe(field)
    expect(error.message).toContain(field)
    expect(error.message).toContain(message)
  })

  it('names the field it was given and refuses what is not an object', () => {
    expect(errorOf(() => resolveTypeLimits({ concurrency: 0 }, 'limits.set(email)')).field).toBe(
      'limits.set(email).concurrency',
    )
    expect(errorOf(() => resolveTypeLimits(null)).message).toBe('limits must be a plain object, got null')
    expect(errorOf(() => resolveTypeLimits([])).field).toBe('limits')
  })
})
