import { describe, expect, it } from 'vitest'
import { occurrenceJitterMs } from './occurrence-jitter.js'

const occurrence = new Date('2026-03-08T07:00:00Z')

describe('occurrenceJitterMs', () => {
  it('is 0 without jitter', () => {
    expect(occurrenceJitterMs('nightly', occurrence, 0)).toBe(0)
  })

  it('is the same in every process for the same schedule and instant', () => {
    // Computed outside JavaScript: the first 6 bytes of sha256('nightly@2026-03-08T07:00:00.000Z'),
    // big-endian, modulo 60001.
    expect(occurrenceJitterMs('nightly', occurrence, 60_000)).toBe(31_802)
    expect(occurrenceJitterMs('nightly', new Date(occurrence.getTime()), 60_000)).toBe(
      occurrenceJitterMs('nightly', occurrence, 60_000),
    )
  })

  it('stays within [0, jitterMs] and spreads over the range', () => {
    const values = Array.from({ length: 2_000 }, (_, index) =>
      occurrenceJitterMs(`schedule-${index}`, occurrence, 9),
    )
    expect(values.every((value) => Number.isInteger(value) && value >= 0 && value <= 9)).toBe(true)
    expect(new Set(values).size).toBe(10)
    const perInstant = Array.from({ length: 100 }, (_, index) =>
      occurrenceJitterMs('nightly', new Date(occurrence.getTime() + index * 86_400_000), 1),
    )
    expect(new Set(perInstant)).toEqual(new Set([0, 1]))
  })
})
