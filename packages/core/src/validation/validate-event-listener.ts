import { describeValue } from '../errors/describe-value.js'
import { JOB_QUEUE_EVENT_NAMES, type JobQueueEventName } from '../events.js'

/** Names further than this many edits from every event are not suggested. */
const MAX_SUGGESTION_DISTANCE = 4

/**
 * Checks the arguments of `on`, `once` and `off`. A misspelt event (`job:finshed`) would
 * otherwise register a listener that never fires, and a listener that is not a function would
 * only fail when the event comes. Both are programming errors, so both throw a TypeError.
 */
export function validateEventListener(method: string, event: unknown, listener: unknown): void {
  validateEventName(method, event)
  if (typeof listener !== 'function') {
    throw new TypeError(
      `${method}(${JSON.stringify(event)}, listener): listener must be a function, got ${describeValue(listener)}`,
    )
  }
}

export function validateEventName(method: string, event: unknown): asserts event is JobQueueEventName {
  if (typeof event === 'string' && (JOB_QUEUE_EVENT_NAMES as readonly string[]).includes(event)) return
  const suggestions = typeof event === 'string' ? closeEventNames(event) : []
  const hint =
    suggestions.length > 0 ? ` (did you mean ${suggestions.map((name) => `"${name}"`).join(' or ')}?)` : ''
  throw new TypeError(
    `${method}(): unknown event ${describeValue(event)}${hint}; the events are ${JOB_QUEUE_EVENT_NAMES.join(', ')}`,
  )
}

/** The event names closest to `name`: a name it is the suffix of (`failed`), else the fewest edits. */
export function closeEventNames(name: string): JobQueueEventName[] {
  const lowered = name.toLowerCase()
  const bySuffix = JOB_QUEUE_EVENT_NAMES.filter((candidate) => candidate.endsWith(`:${lowered}`))
  if (bySuffix.length > 0) return bySuffix
  const distances = JOB_QUEUE_EVENT_NAMES.map((candidate) => ({
    candidate,
    distance: editDistance(lowered, candidate),
  }))
  const best = Math.min(...distances.map(({ distance }) => distance))
  if (best > MAX_SUGGESTION_DISTANCE) return []
  return distances.filter(({ distance }) => distance === best).map(({ candidate }) => candidate)
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(from: string, to: string): number {
  let previous = Array.from({ length: to.length + 1 }, (_, index) => index)
  for (let row = 1; row <= from.length; row++) {
    const current = [row]
    for (let column = 1; column <= to.length; column++) {
      const substitution = (previous[column - 1] ?? 0) + (from[row - 1] === to[column - 1] ? 0 : 1)
      current[column] = Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution)
    }
    previous = current
  }
  return previous[to.length] ?? 0
}
