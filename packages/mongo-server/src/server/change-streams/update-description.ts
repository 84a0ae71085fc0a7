import { type Document, isPlainObject, valueKey } from '../bson-values.js'

export interface UpdateDescription {
  updatedFields: Document
  removedFields: string[]
  truncatedArrays: Document[]
  /**
   * For each reported path with a dotted or numeric field name, the path's parts (array indexes
   * as integers). Change streams show it only with `showExpandedEvents` (MongoDB 6.1+).
   */
  disambiguatedPaths: Document
}

/** A path as its parts: field names, and array indexes as numbers. */
type PathParts = (string | number)[]

function isAmbiguous(parts: PathParts): boolean {
  return parts.some((part) => typeof part === 'string' && (part.includes('.') || /^[0-9]+$/.test(part)))
}

function sameValue(old: unknown, value: unknown): boolean {
  return old !== undefined && typeof old === typeof value && valueKey(old) === valueKey(value)
}

/** Update operators whose target mongod logs as one field holding its whole new value. */
const wholeValueOperators = new Set(['$set', '$inc', '$mul', '$min', '$max', '$currentDate', '$bit'])
const wholeArrayOperators = new Set(['$pull', '$pullAll', '$pop'])
const appendOperators = new Set(['$push', '$addToSet'])

/** For documents produced by operator updates: the paths mongod reports as whole values. */
const wholeValuePaths = new WeakMap<Document, Set<string>>()

/**
 * Remembers, for `updated` (the result of the operator update `update`), which paths mongod would
 * report whole: `$set: { lease: {...} }` reports `lease`, not `lease.token`; `$pull` reports the
 * whole array; a plain `$push` appends `tags.2`. Paths with positional parts (`$`, `$[]`) are
 * left to the document diff. Returns `updated`.
 */
export function noteOperatorUpdate(updated: Document, update: Document): Document {
  const paths = new Set<string>()
  for (const [operator, fields] of Object.entries(update)) {
    if (!isPlainObject(fields)) continue
    for (const [path, argument] of Object.entries(fields)) {
      if (path.split('.').some((part) => part.startsWith('$'))) continue
      if (wholeValueOperators.has(operator) || wholeArrayOperators.has(operator)) paths.add(path)
      else if (operator === '$rename' && typeof argument === 'string') paths.add(argument)
      else if (appendOperators.has(operator) && isPlainObject(argument)) {
        const reorders = ['$position', '$sort', '$slice'].some((modifier) => modifier in argument)
        if (reorders) paths.add(path)
      }
    }
  }
  if (paths.size > 0) wholeValuePaths.set(updated, paths)
  return updated
}

/**
 * The difference between two versions of a document, in the shape of a change event's
 * `updateDescription`, as mongod's document diff reports it: changed subdocuments and arrays are
 * described field by field and element by element (`'array.3'`), an array that got shorter is
 * listed in `truncatedArrays` with its new size, and removed fields in `removedFields`. After an
 * operator update, the paths its operators name are reported whole (see `noteOperatorUpdate`).
 */
export function describeUpdate(before: Document, after: Document): UpdateDescription {
  const whole = wholeValuePaths.get(after)
  const description: UpdateDescription = {
    updatedFields: {},
    removedFields: [],
    truncatedArrays: [],
    disambiguatedPaths: {},
  }
  const report = (parts: PathParts): string => {
    const path = parts.join('.')
    if (isAmbiguous(parts)) description.disambiguatedPaths[path] = parts
    return path
  }
  const update = (parts: PathParts, old: unknown, value: unknown) => {
    // Updates share what they did not write: the same value is unchanged, whatever it holds.
    if (old === value && old !== undefined) return
    if (whole?.has(parts.join('.'))) {
      if (!sameValue(old, value)) description.updatedFields[report(parts)] = value
    } else if (isPlainObject(old) && isPlainObject(value)) visitObject(old, value, parts)
    else if (Array.isArray(old) && Array.isArray(value)) visitArray(old, value, parts)
    else if (!sameValue(old, value)) description.updatedFields[report(parts)] = value
  }
  const visitObject = (previous: Document, next: Document, parts: PathParts) => {
    for (const [field, value] of Object.entries(next)) update([...parts, field], previous[field], value)
    for (const field of Object.keys(previous))
      if (!(field in next)) description.removedFields.push(report([...parts, field]))
  }
  const visitArray = (previous: unknown[], next: unknown[], parts: PathParts) => {
    if (next.length < previous.length)
      description.truncatedArrays.push({ field: report(parts), newSize: next.length })
    for (const [index, value] of next.entries()) update([...parts, index], previous[index], value)
  }
  visitObject(before, after, [])
  return description
}

/** A logged event as a stream shows it: `disambiguatedPaths` only with `showExpandedEvents`. */
export function withExpandedFields(event: Document, showExpandedEvents: boolean): Document {
  const description = event.updateDescription as UpdateDescription | undefined
  if (showExpandedEvents || description?.disambiguatedPaths === undefined) return event
  const { disambiguatedPaths: _hidden, ...shown } = description
  return { ...event, updateDescription: shown }
}
