import { compare } from 'mingo/util'
import { type Document, isPlainObject, toPlain, valueKey } from '../bson-values.js'

/**
 * Whether every document a query filter matches is in a partial index, decided conservatively: the
 * filter must state each condition of the `partialFilterExpression` itself, the same or stricter,
 * in its top-level fields or top-level `$and`. This follows mongod's rule (a query may use a partial
 * index only when it provably implies the filter; `expression_algo.cpp`'s `isSubsetOf`) in its
 * safe form, never more generous:
 *
 * - an equality is implied by the same equality, or an `$in` of only that value;
 * - `$in` by an equality or `$in` of values from the list;
 * - `$exists: true` by `$exists: true`, a `$type`, or an equality, `$in` or range on non-null values;
 * - `$gt`/`$gte`/`$lt`/`$lte` by an equality, `$in` or range on values of the same type within it;
 * - `$type` only by a `$type` of the same (or fewer) types: an equality on a string is not taken to
 *   imply `$type: 'string'`, as mongod does not know it does on every revision;
 * - an `$and` by all of its parts; an `$or` by one of its branches or the same `$or` in the filter.
 */

interface Atom {
  operator: string
  value: unknown
}

const rangeOperators = new Set(['$gt', '$gte', '$lt', '$lte'])

const typeNumbers: Record<string, number[]> = {
  double: [1],
  string: [2],
  object: [3],
  array: [4],
  binData: [5],
  undefined: [6],
  objectId: [7],
  bool: [8],
  date: [9],
  null: [10],
  regex: [11],
  javascript: [13],
  int: [16],
  timestamp: [17],
  long: [18],
  decimal: [19],
  minKey: [-1],
  maxKey: [127],
  number: [1, 16, 18, 19],
}

function isOperatorObject(value: unknown): value is Document {
  return isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('$'))
}

/** The conditions a field's value in a filter states, one atom per operator. */
function atomsOf(condition: unknown): Atom[] {
  if (condition instanceof RegExp) return [{ operator: '$regex', value: condition }]
  if (!isOperatorObject(condition)) return [{ operator: '$eq', value: condition }]
  return Object.entries(condition).map(([operator, value]) => ({ operator, value }))
}

/** Field conditions of a query filter: its top-level fields and those of its top-level `$and`s. */
function queryAtoms(filter: Document, into = new Map<string, Atom[]>()): Map<string, Atom[]> {
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(condition)) {
      for (const part of condition) if (isPlainObject(part)) queryAtoms(part, into)
    } else if (!field.startsWith('$')) {
      into.set(field, [...(into.get(field) ?? []), ...atomsOf(condition)])
    }
  }
  return into
}

/** The top-level `$or`s of a query filter (including those inside its top-level `$and`). */
function queryOrs(filter: Document): string[] {
  const found: string[] = []
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$or') found.push(valueKey(toPlain(condition)))
    if (field === '$and' && Array.isArray(condition)) {
      for (const part of condition) if (isPlainObject(part)) found.push(...queryOrs(part))
    }
  }
  return found
}

function isLiteral(value: unknown): boolean {
  return !(value instanceof RegExp) && !isOperatorObject(value)
}

function sameValue(left: unknown, right: unknown): boolean {
  return valueKey(toPlain(left)) === valueKey(toPlain(right))
}

/** Values a query atom pins the field to (equality or `$in`), or undefined. */
function pinnedValues(atom: Atom): unknown[] | undefined {
  if (atom.operator === '$eq' && isLiteral(atom.value)) return [atom.value]
  if (atom.operator === '$in' && Array.isArray(atom.value) && atom.value.length > 0) {
    return atom.value.every(isLiteral) ? atom.value : undefined
  }
  return undefined
}

/** A coarse type class for range comparisons: only values of one class compare meaningfully. */
function typeClass(value: unknown): string | undefined {
  const plain = toPlain(value)
  if (typeof plain === 'number' || typeof plain === 'string' || typeof plain === 'boolean')
    return typeof plain
  if (plain instanceof Date) return 'date'
  return undefined
}

/** Whether `value` satisfies the range atom `bound` (same type class only). */
function withinRange(value: unknown, bound: Atom): boolean {
  const kind = typeClass(bound.value)
  if (kind === undefined || typeClass(value) !== kind) return false
  const order = compare(toPlain(value), toPlain(bound.value))
  switch (bound.operator) {
    case '$gt':
      return order > 0
    case '$gte':
      return order >= 0
    case '$lt':
      return order < 0
    default:
      return order <= 0
  }
}

/** Whether a query's range atom lies inside a partial filter's range atom. */
function rangeWithin(query: Atom, partial: Atom): boolean {
  const kind = typeClass(partial.value)
  if (kind === undefined || typeClass(query.value) !== kind) return false
  const lowerQuery = query.operator === '$gt' || query.operator === '$gte'
  const lowerPartial = partial.operator === '$gt' || partial.operator === '$gte'
  if (lowerQuery !== lowerPartial) return false
  const order = compare(toPlain(query.value), toPlain(partial.value)) * (lowerPartial ? 1 : -1)
  // Same direction: the query's bound must be at least as tight.
  const strictPartial = partial.operator === '$gt' || partial.operator === '$lt'
  const strictQuery = query.operator === '$gt' || query.operator === '$lt'
  return order > 0 || (order === 0 && (strictQuery || !strictPartial))
}

function typeSet(value: unknown): Set<number> | undefined {
  const types = Array.isArray(value) ? value : [value]
  const numbers = new Set<number>()
  for (const type of types) {
    const plain = toPlain(type)
    if (typeof plain === 'number') numbers.add(plain)
    else if (typeof plain === 'string' && typeNumbers[plain] !== undefined) {
      for (const number of typeNumbers[plain]!) numbers.add(number)
    } else return undefined
  }
  return numbers
}

function atomImplies(query: Atom, partial: Atom): boolean {
  const pinned = pinnedValues(query)
  switch (partial.operator) {
    case '$eq':
      return pinned?.every((value) => sameValue(value, partial.value)) === true
    case '$in': {
      const list = Array.isArray(partial.value) ? partial.value : []
      return pinned?.every((value) => list.some((item) => sameValue(item, value))) === true
    }
    case '$exists':
      if (query.operator === '$exists') return Boolean(toPlain(query.value))
      if (query.operator === '$type') return true
      if (pinned !== undefined) return pinned.every((value) => value !== null && value !== undefined)
      return rangeOperators.has(query.operator) && query.value !== null && query.value !== undefined
    case '$type': {
      if (query.operator !== '$type') return false
      const wanted = typeSet(partial.value)
      const stated = typeSet(query.value)
      return wanted !== undefined && stated !== undefined && [...stated].every((type) => wanted.has(type))
    }
    default:
      if (!rangeOperators.has(partial.operator)) return false
      if (pinned !== undefined) return pinned.every((value) => withinRange(value, partial))
      return rangeOperators.has(query.operator) && rangeWithin(query, partial)
  }
}

function implies(atoms: Map<string, Atom[]>, ors: string[], partial: Document): boolean {
  for (const [field, condition] of Object.entries(partial)) {
    if (field === '$and') {
      if (
        !Array.isArray(condition) ||
        !condition.every((part) => isPlainObject(part) && implies(atoms, ors, part))
      )
        return false
    } else if (field === '$or') {
      if (!Array.isArray(condition)) return false
      const sameOr = ors.includes(valueKey(toPlain(condition)))
      if (!sameOr && !condition.some((part) => isPlainObject(part) && implies(atoms, ors, part))) return false
    } else if (field.startsWith('$')) {
      return false
    } else {
      const stated = atoms.get(field) ?? []
      const required = atomsOf(condition)
      if (!required.every((needed) => stated.some((atom) => atomImplies(atom, needed)))) return false
    }
  }
  return true
}

/** Whether a query filter provably selects only documents a partial index holds (see above). */
export function impliesPartialFilter(filter: Document, partialFilterExpression: Document): boolean {
  return implies(queryAtoms(filter), queryOrs(filter), partialFilterExpression)
}
