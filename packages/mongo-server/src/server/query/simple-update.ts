import {
  type Document,
  isNumericWrapper,
  isPlainObject,
  retype,
  toNumber,
  toPlain,
  valueKey,
} from '../bson-values.js'

const simpleOperators = new Set(['$set', '$unset', '$inc'])

/** Documents `applySimpleUpdate` built that differ from their original (no diff needed to know it). */
const changedDocuments = new WeakSet<Document>()

/** True when `document` is known to differ from the document it was computed from. */
export function isKnownChange(document: Document): boolean {
  return changedDocuments.has(document)
}

interface Step {
  operator: string
  segments: string[]
  operand: unknown
}

function isPlainNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isNaN(value)
  return (
    isNumericWrapper(value) &&
    (value as { _bsontype: string })._bsontype !== 'Decimal128' &&
    !Number.isNaN(toNumber(value))
  )
}

/** The steps of an update this fast path handles, or undefined to leave it to mingo. */
function stepsOf(update: Document): Step[] | undefined {
  const steps: Step[] = []
  const paths = new Set<string>()
  for (const [operator, fields] of Object.entries(update)) {
    if (!simpleOperators.has(operator) || !isPlainObject(fields)) return undefined
    const entries = Object.entries(fields)
    if (entries.length === 0) return undefined
    for (const [path, operand] of entries) {
      const segments = path.split('.')
      const plainSegment = (segment: string) =>
        segment !== '' && !segment.startsWith('$') && !/^\d+$/.test(segment) && segment !== '__proto__'
      if (segments[0] === '_id' || !segments.every(plainSegment)) return undefined
      if (operator === '$inc' && !isPlainNumber(operand)) return undefined
      steps.push({ operator, segments, operand })
      paths.add(path)
    }
  }
  // Two paths that overlap (`a` and `a.b`, or one path twice) conflict: mingo reports that.
  if (paths.size !== steps.length) return undefined
  for (const path of paths) {
    for (let end = path.indexOf('.'); end !== -1; end = path.indexOf('.', end + 1)) {
      if (paths.has(path.slice(0, end))) return undefined
    }
  }
  return steps
}

/**
 * Applies a `$set`/`$unset`/`$inc` update on plain field paths without mingo, copying only the
 * objects on the written paths (stored documents are never mutated, so the rest is shared). Values
 * get the same BSON types as the general path gives them (see `retype`). Returns the original
 * document when nothing changed, and undefined when the update or the document needs the general
 * path: other operators, positional or numeric paths, conflicting paths, arrays or scalars on the
 * way, non-numeric `$inc` targets (mongod's errors come from there).
 */
export function applySimpleUpdate(original: Document, update: Document): Document | undefined {
  const steps = stepsOf(update)
  if (steps === undefined) return undefined
  const owned = new Set<Document>()
  const own = (document: Document): Document => {
    if (owned.has(document)) return document
    const copy = { ...document }
    owned.add(copy)
    return copy
  }
  const root = own(original)
  let changed = false
  for (const { operator, segments, operand } of steps) {
    let parent = root
    let reachable = true
    for (const segment of segments.slice(0, -1)) {
      const child = Object.hasOwn(parent, segment) ? parent[segment] : undefined
      if (child === undefined) {
        if (operator === '$unset') {
          reachable = false
          break
        }
        const created: Document = {}
        owned.add(created)
        parent[segment] = created
        parent = created
        continue
      }
      if (!isPlainObject(child)) return undefined
      const copy = own(child)
      parent[segment] = copy
      parent = copy
    }
    if (!reachable) continue
    const key = segments[segments.length - 1]!
    const present = Object.hasOwn(parent, key)
    const old = present ? parent[key] : undefined
    if (operator === '$unset') {
      if (present) {
        delete parent[key]
        changed = true
      }
      continue
    }
    let value: unknown
    if (operator === '$inc') {
      if (present && !isPlainNumber(old)) return undefined
      const sum = (present ? toNumber(old)! : 0) + toNumber(operand)!
      value = retype(sum, old)
    } else {
      value = retype(toPlain(operand), old, operand)
    }
    if (present && valueKey(old) === valueKey(value)) continue
    parent[key] = value
    changed = true
  }
  if (!changed) return original
  changedDocuments.add(root)
  return root
}
