import type { Document } from '../bson-values.js'

/** Where a resume token points: after a logged change, or after the invalidate it caused. */
export interface ResumePoint {
  sequence: number
  /** The token of an invalidate event: `resumeAfter` refuses it, `startAfter` starts past it. */
  fromInvalidate: boolean
}

/**
 * Resume tokens are opaque to clients; ours encode the change's sequence number in hex, and an
 * invalidate event's token carries a suffix so that it sorts after the change that caused it.
 */
export function resumeTokenFor(sequence: number, fromInvalidate = false): Document {
  const hex = sequence.toString(16).padStart(16, '0').toUpperCase()
  return { _data: `82${hex}${fromInvalidate ? '01' : ''}` }
}

export function parseResumeToken(token: unknown): ResumePoint | undefined {
  const data = (token as { _data?: unknown } | null)?._data
  if (typeof data !== 'string') return undefined
  const match = /^82([0-9A-Fa-f]{16})(01)?$/.exec(data)
  if (match === null) return undefined
  return { sequence: Number.parseInt(match[1]!, 16), fromInvalidate: match[2] !== undefined }
}
