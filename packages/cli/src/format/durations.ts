const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const

type DurationUnit = keyof typeof UNIT_MS

const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h|d|w))+$/
const PART_PATTERN = /(\d+)(ms|s|m|h|d|w)/g

/**
 * Parses `30s`, `15m`, `12h`, `7d`, `2w`, `500ms`, or a sum such as `1h30m`, into milliseconds.
 * Returns undefined for anything else (a bare number has no unit, so it is refused too).
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim()
  if (!DURATION_PATTERN.test(trimmed)) return undefined
  let total = 0
  for (const [, amount, unit] of trimmed.matchAll(PART_PATTERN)) {
    total += Number(amount) * UNIT_MS[unit as DurationUnit]
  }
  return Number.isSafeInteger(total) ? total : undefined
}

const DISPLAY_UNITS: Array<[string, number]> = [
  ['d', UNIT_MS.d],
  ['h', UNIT_MS.h],
  ['m', UNIT_MS.m],
  ['s', UNIT_MS.s],
]

/**
 * A short human rendering with the two largest units: `3m12s`, `2h5m`, `9d4h`, `45s`. Below one
 * second it is in milliseconds (`200ms`, `1ms` for anything above 0); 0 and negative durations (a
 * clock ahead of the server's data) render as `0s`.
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s'
  if (ms < 1_000) return `${Math.min(999, Math.max(1, Math.round(ms)))}ms`
  const parts: string[] = []
  let rest = Math.floor(ms)
  for (const [unit, size] of DISPLAY_UNITS) {
    const amount = Math.floor(rest / size)
    rest -= amount * size
    if (amount > 0 || parts.length > 0) parts.push(`${amount}${unit}`)
    if (parts.length === 2) break
  }
  // `3m0s` reads worse than `3m`.
  if (parts.length === 2 && parts[1]?.startsWith('0')) parts.pop()
  return parts.join('')
}

/**
 * Every unit, none dropped: `1d1h1m1s`, `90m` is `1h30m`, `1500ms` is `1s500ms`. For intervals,
 * where `formatDurationMs`'s two largest units would hide part of the period.
 */
export function formatExactDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s'
  let rest = Math.round(ms)
  const parts: string[] = []
  for (const [unit, size] of DISPLAY_UNITS) {
    const amount = Math.floor(rest / size)
    rest -= amount * size
    if (amount > 0) parts.push(`${amount}${unit}`)
  }
  if (rest > 0) parts.push(`${rest}ms`)
  return parts.join('')
}
