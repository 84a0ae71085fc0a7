import { ValidationError } from '@durabl/core'

const CURSOR_PREFIX = 'memory:'

/** An opaque cursor naming the insertion sequence of the last job on a page. */
export function encodeListCursor(sequence: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${sequence}`).toString('base64url')
}

/** The sequence inside a cursor from {@link encodeListCursor}; anything else is a ValidationError. */
export function decodeListCursor(cursor: string): number {
  const decoded = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString() : ''
  const sequence = decoded.startsWith(CURSOR_PREFIX)
    ? Number(decoded.slice(CURSOR_PREFIX.length))
    : Number.NaN
  if (!Number.isInteger(sequence) || sequence < 0) {
    throw new ValidationError('listJobs.cursor', 'must be a nextCursor returned by listJobs', cursor)
  }
  return sequence
}
