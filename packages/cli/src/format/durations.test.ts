import { describe, expect, it } from 'vitest'
import { formatDurationMs, formatExactDurationMs, parseDurationMs } from './durations.js'

describe('parseDurationMs', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    [' 0s ', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms)
  })

  it.each(['', '7', '7 d', '7days', '-5m', '1.5h', 'h', '7d!'])('refuses %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined()
  })
})

describe('formatDurationMs', () => {
  it.each([
    [0, '0s'],
    [200, '200ms'],
    [999, '999ms'],
    [0.3, '1ms'],
    [999.7, '999ms'],
    [-5_000, '0s'],
    [45_000, '45s'],
    [192_000, '3m12s'],
    [180_000, '3m'],
    [3_723_000, '1h2m'],
    [7_200_000, '2h'],
    [795_600_000, '9d5h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text)
  })
})

describe('formatExactDurationMs', () => {
  it.each([
    [1_000, '1s'],
    [90_061_000, '1d1h1m1s'],
    [5_400_000, '1h30m'],
    [1_500, '1s500ms'],
    [604_800_000, '7d'],
    [0, '0s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatExactDurationMs(ms)).toBe(text)
  })
})
