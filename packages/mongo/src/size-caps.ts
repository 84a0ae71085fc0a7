import type { JobError, JobLogEntry } from '@durabl/core'
import { MONGO_DEFAULTS } from './options.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: false })

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes (never inside a character), with a marker saying
 * how much was cut. Strings within the cap are returned as they are.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: short strings need no encoding.
  if (text.length * 3 <= maxBytes) return text
  const bytes = encoder.encode(text)
  if (bytes.length <= maxBytes) return text
  const marker = ` … [${bytes.length - maxBytes} more bytes cut by durabl]`
  let end = Math.max(0, maxBytes - marker.length - 4)
  // Step back to a character boundary (continuation bytes are 0b10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1
  return `${decoder.decode(bytes.subarray(0, end))}${marker}`
}

/**
 * An error as stored: `message` and `stack` capped (8 KiB and 16 KiB), so the newest
 * `maxErrorHistory` errors of a job stay far below MongoDB's 16 MiB document limit.
 */
export function cappedError<T extends Pick<JobError, 'message' | 'stack'>>(error: T): T {
  const message =
    typeof error.message === 'string'
      ? truncateUtf8(error.message, MONGO_DEFAULTS.maxErrorMessageBytes)
      : error.message
  const stack =
    typeof error.stack === 'string'
      ? truncateUtf8(error.stack, MONGO_DEFAULTS.maxErrorStackBytes)
      : error.stack
  if (message === error.message && stack === error.stack) return error
  return { ...error, message, stack }
}

/** A log line as stored: `message` capped at 4 KiB. */
export function cappedLogEntry(entry: JobLogEntry): JobLogEntry {
  if (typeof entry !== 'object' || entry === null || typeof entry.message !== 'string') return entry
  const message = truncateUtf8(entry.message, MONGO_DEFAULTS.maxLogMessageBytes)
  return message === entry.message ? entry : { ...entry, message }
}
