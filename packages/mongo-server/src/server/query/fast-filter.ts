import { type Document, isNumericWrapper, isPlainObject, toNumber } from '../bson-values.js'

/**
 * A compiled test of a document as stored (numeric wrappers read as their numbers, as `plainView`
 * does): true or false, or undefined when the document holds something this fast path does not
 * decide (an array on a filtered path, a BSON type it does not compare), and the caller asks
 * mingo instead.
 */
export type FastMatcher = (document: Document) => boolean | undefined

/** A test of one field's value; `undefined` input means the field is missing. */
type ValueTest = (value: unknown) => boolean | undefined

const undecided = Symbol('undecided')

function bsonTypeOf(value: object): string | undefined {
  return (value as { _bsontype?: string })._bsontype
}

/** Literals compared here: strings, numbers but NaN, booleans, null, valid Dates and ObjectIds. */
function isSimpleLiteral(value: unknown): boolean {
  if (value === null) return true
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return !Number.isNaN(value)
    case 'object':
      if (value instanceof Date) return !Number.isNaN(value.getTime())
      return bsonTypeOf(value) === 'ObjectId'
    default:
      return false
  }
}

/** A stored value whose type this fast path knows; anything else leaves the decision to mingo. */
function isKnownValue(value: unknown): boolean {
  if (value === null || typeof value !== 'object')
    return typeof value !== 'bigint' && typeof value !== 'symbol'
  if (value instanceof Date) return true
  const type = bsonTypeOf(value)
  return type === 'ObjectId' || (type === undefined && isPlainObject(value))
}

/**
 * Equality as MongoDB compares these literals: by value within a type (every number is one type
 * in the plain view), never across types, and null also matches a missing field.
 */
function equalTo(literal: unknown): ValueTest {
  if (literal === null)
    return (value) => (isKnownValue(value) ? value === null || value === undefined : undefined)
  if (literal instanceof Date) {
    const time = literal.getTime()
    return (value) => {
      if (value instanceof Date) return value.getTime() === time
      return isKnownValue(value) ? false : undefined
    }
  }
  if (typeof literal === 'object') {
    const hex = (literal as { toHexString(): string }).toHexString()
    return (value) => {
      if (value !== null && typeof value === 'object' && bsonTypeOf(value) === 'ObjectId')
        return (value as { toHexString(): string }).toHexString() === hex
      return isKnownValue(value) ? false : undefined
    }
  }
  return (value) => {
    if (value === literal) return true
    if (typeof value === 'number' && Number.isNaN(value)) return undefined
    return isKnownValue(value) ? false : undefined
  }
}

/** `$lt`/`$lte`/`$gt`/`$gte` on a number or a Date: only values of the same type compare. */
function rangeTest(operator: string, operand: unknown): ValueTest | undefined {
  let orderOf: (value: unknown) => number | undefined
  let bound: number
  if (typeof operand === 'number' && !Number.isNaN(operand)) {
    bound = operand
    orderOf = (value) => (typeof value === 'number' ? value : undefined)
  } else if (operand instanceof Date && !Number.isNaN(operand.getTime())) {
    bound = operand.getTime()
    orderOf = (value) => (value instanceof Date ? value.getTime() : undefined)
  } else {
    return undefined
  }
  const holds =
    operator === '$lt'
      ? (order: number) => order < bound
      : operator === '$lte'
        ? (order: number) => order <= bound
        : operator === '$gt'
          ? (order: number) => order > bound
          : (order: number) => order >= bound
  return (value) => {
    const order = orderOf(value)
    if (order !== undefined && !Number.isNaN(order)) return holds(order)
    if (typeof value === 'number') return undefined
    return isKnownValue(value) ? false : undefined
  }
}

function not(test: ValueTest): ValueTest {
  return (value) => {
    const result = test(value)
    return result === undefined ? undefined : !result
  }
}

function anyOf(tests: ValueTest[]): ValueTest {
  return (value) => {
    let unknown = false
    for (const test of tests) {
      const result = test(value)
      if (result === true) return true
      if (result === undefined) unknown = true
    }
    return unknown ? undefined : false
  }
}

const typeAliases: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  bool: (value) => typeof value === 'boolean',
  date: (value) => value instanceof Date,
  null: (value) => value === null,
}

function operatorTest(operator: string, operand: unknown): ValueTest | undefined {
  switch (operator) {
    case '$eq':
      return isSimpleLiteral(operand) ? equalTo(operand) : undefined
    case '$ne':
      return isSimpleLiteral(operand) ? not(equalTo(operand)) : undefined
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand) || !operand.every(isSimpleLiteral)) return undefined
      const test = anyOf(operand.map(equalTo))
      return operator === '$in' ? test : not(test)
    }
    case '$lt':
    case '$lte':
    case '$gt':
    case '$gte':
      return rangeTest(operator, operand)
    case '$exists':
      if (typeof operand !== 'boolean') return undefined
      return (value) => (value !== undefined) === operand
    case '$type': {
      const alias = typeof operand === 'string' ? typeAliases[operand] : undefined
      if (alias === undefined) return undefined
      return (value) => (isKnownValue(value) ? alias(value) : undefined)
    }
    default:
      return undefined
  }
}

/** The test of a field's condition, or undefined when the fast path does not handle its shape. */
function conditionTest(condition: unknown): ValueTest | undefined {
  if (!isPlainObject(condition)) return isSimpleLiteral(condition) ? equalTo(condition) : undefined
  const operators = Object.keys(condition)
  if (operators.length === 0 || !operators.every((operator) => operator.startsWith('$'))) return undefined
  const tests: ValueTest[] = []
  for (const operator of operators) {
    const test = operatorTest(operator, condition[operator])
    if (test === undefined) return undefined
    tests.push(test)
  }
  if (tests.length === 1) return tests[0]
  return (value) => {
    let unknown = false
    for (const test of tests) {
      const result = test(value)
      if (result === false) return false
      if (result === undefined) unknown = true
    }
    return unknown ? undefined : true
  }
}

/** The value at a dotted path through embedded documents; `undecided` when it meets an array. */
function resolvePath(document: Document, segments: string[]): unknown {
  let current: unknown = document
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined
    if (Array.isArray(current) || !isPlainObject(current)) return undecided
    current = Object.hasOwn(current, segment) ? current[segment] : undefined
  }
  return Array.isArray(current) ? undecided : current
}

/** A stored value as the plain view shows it: numeric wrappers become numbers. */
function numeric(value: unknown): unknown {
  return value !== null && typeof value === 'object' && isNumericWrapper(value) ? toNumber(value) : value
}

function fieldMatcher(path: string, condition: unknown): FastMatcher | undefined {
  const segments = path.split('.')
  if (segments.some((segment) => segment === '' || segment.startsWith('$'))) return undefined
  const test = conditionTest(condition)
  if (test === undefined) return undefined
  if (segments.length === 1) {
    return (document) => {
      const value = Object.hasOwn(document, path) ? document[path] : undefined
      return Array.isArray(value) ? undefined : test(numeric(value))
    }
  }
  return (document) => {
    const value = resolvePath(document, segments)
    return value === undecided ? undefined : test(numeric(value))
  }
}

function allOf(matchers: FastMatcher[]): FastMatcher {
  if (matchers.length === 1) return matchers[0]!
  return (document) => {
    let unknown = false
    for (const matcher of matchers) {
      const result = matcher(document)
      if (result === false) return false
      if (result === undefined) unknown = true
    }
    return unknown ? undefined : true
  }
}

function logicalMatcher(operator: string, clauses: unknown): FastMatcher | undefined {
  if (!Array.isArray(clauses) || clauses.length === 0) return undefined
  const matchers: FastMatcher[] = []
  for (const clause of clauses) {
    const matcher = isPlainObject(clause) ? compileFastFilter(clause) : undefined
    if (matcher === undefined) return undefined
    matchers.push(matcher)
  }
  if (operator === '$and') return allOf(matchers)
  const any: FastMatcher = (document) => {
    let unknown = false
    for (const matcher of matchers) {
      const result = matcher(document)
      if (result === true) return true
      if (result === undefined) unknown = true
    }
    return unknown ? undefined : false
  }
  if (operator === '$or') return any
  return (document) => {
    const result = any(document)
    return result === undefined ? undefined : !result
  }
}

/**
 * Compiles the common filter shapes (equality, `$in`, ranges on numbers and dates, `$exists`,
 * `$and`/`$or`/`$nor` of those) into direct tests, so they skip mingo's per-query setup. Returns
 * undefined for any other shape: mingo then compiles the filter (and reports its errors).
 */
export function compileFastFilter(filter: Document): FastMatcher | undefined {
  const matchers: FastMatcher[] = []
  for (const [key, condition] of Object.entries(filter)) {
    const matcher =
      key === '$and' || key === '$or' || key === '$nor'
        ? logicalMatcher(key, condition)
        : key.startsWith('$')
          ? undefined
          : fieldMatcher(key, condition)
    if (matcher === undefined) return undefined
    matchers.push(matcher)
  }
  if (matchers.length === 0) return undefined
  return allOf(matchers)
}
