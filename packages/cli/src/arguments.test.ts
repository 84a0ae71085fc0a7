import { describe, expect, it } from 'vitest'
import { FINISHED_STATES, parseInteger, parseJobId, parseStates, parseTypes } from './arguments.js'
import { UsageError } from './cli-errors.js'

describe('arguments', () => {
  it('reads repeated and comma-separated states, once each', () => {
    expect(parseStates(['pending,failed', 'failed'])).toEqual(['pending', 'failed'])
    expect(parseStates(undefined)).toBeUndefined()
  })

  it('names the value and the allowed states', () => {
    expect(() => parseStates(['completed', 'done'], FINISHED_STATES)).toThrow(
      new UsageError('--state: unknown state "done"; allowed: completed, failed, cancelled'),
    )
    expect(() => parseStates([','])).toThrow(UsageError)
    expect(() => parseTypes([''])).toThrow('--type must name a job type')
  })

  it('accepts only 24-hex job ids, as the MongoDB backend stores them', () => {
    expect(parseJobId('65F1C2A9E4B0A1B2C3D4E5F6')).toBe('65f1c2a9e4b0a1b2c3d4e5f6')
    expect(() => parseJobId('{"$ne":null}')).toThrow('is not a job id')
    expect(() => parseJobId('65f1c2a9e4b0a1b2c3d4e5f')).toThrow(UsageError)
  })

  it('reads bounded whole numbers', () => {
    expect(parseInteger('--limit', '20', 1, 1000)).toBe(20)
    expect(() => parseInteger('--limit', '2.5', 1, 1000)).toThrow(
      '--limit must be a whole number from 1 to 1000, got "2.5"',
    )
    expect(() => parseInteger('--limit', '1001', 1, 1000)).toThrow(UsageError)
  })
})
