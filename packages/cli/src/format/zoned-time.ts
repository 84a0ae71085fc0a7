/** The zone schedule times print in unless `--tz` names another. */
export const DEFAULT_TIME_ZONE = 'UTC'

const formatters = new Map<string, Intl.DateTimeFormat>()

/** One formatter per zone (building one is the slow part of Intl). */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** The wall-clock fields of `time` in `timeZone`, and the zone's offset from UTC then. */
function wallClock(time: Date, timeZone: string) {
  const parts: Record<string, string> = {}
  for (const part of formatterFor(timeZone).formatToParts(time)) parts[part.type] = part.value
  const number = (type: string) => Number(parts[type])
  const year = number('year')
  const wholeSecond = Math.floor(time.getTime() / 1000) * 1000
  const asUtc = new Date(0)
  asUtc.setUTCFullYear(year, number('month') - 1, number('day'))
  asUtc.setUTCHours(number('hour'), number('minute'), number('second'), 0)
  return { year, month: number('month'), day: number('day'), offsetMs: asUtc.getTime() - wholeSecond, parts }
}

/** `+01:00`, `-03:30`, `+00:09:21` for a local mean time: the offset as ISO 8601 writes it. */
function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+'
  const totalSeconds = Math.round(Math.abs(offsetMs) / 1000)
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${sign}${pad(hours)}:${pad(minutes)}${seconds === 0 ? '' : `:${pad(seconds)}`}`
}

/**
 * ISO 8601 to the second in `timeZone`, with its offset: `2030-01-01T13:00:00+01:00`. In UTC it
 * ends in `Z`, as every other time the CLI prints. `-` for no time.
 */
export function formatTimeIn(time: Date | null | undefined, timeZone: string): string {
  if (time === null || time === undefined) return '-'
  if (timeZone === 'UTC') return time.toISOString().replace(/\.\d{3}Z$/, 'Z')
  const { year, month, day, offsetMs, parts } = wallClock(time, timeZone)
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}T${parts.hour}:${parts.minute}:${parts.second}${formatOffset(offsetMs)}`
}
