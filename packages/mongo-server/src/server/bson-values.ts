import { Decimal128, Double, Int32, Long } from 'bson'

/** A BSON document as the server stores it: wrapper types (Int32, Double, Long) kept as given. */
export type Document = Record<string, unknown>

const plainViews = new WeakMap<object, Document>()

function bsonTypeOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined
  return (value as { _bsontype?: string })._bsontype
}

export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

export function isNumericWrapper(value: unknown): value is Int32 | Double | Long | Decimal128 {
  const type = bsonTypeOf(value)
  return type === 'Int32' || type === 'Double' || type === 'Long' || type === 'Decimal128'
}

/** The JavaScript number behind a numeric BSON value, or undefined when it is not numeric. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  switch (bsonTypeOf(value)) {
    case 'Int32':
    case 'Double':
      return (value as Int32 | Double).value
    case 'Long':
      return (value as Long).toNumber()
    case 'Decimal128':
      return Number.parseFloat((value as Decimal128).toString())
    default:
      return undefined
  }
}

/**
 * mingo matches, sorts and computes on JavaScript values, so numeric wrappers become numbers.
 * The stored document keeps its wrappers; this view is what queries look at.
 */
export function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(toPlain)
  if (isNumericWrapper(value)) return toNumber(value)
  if (!isPlainObject(value)) return value
  const result: Document = {}
  for (const key of Object.keys(value)) result[key] = toPlain(value[key])
  return result
}

/** `toPlain` that reuses the cached views of embedded documents (a change event's fullDocument). */
function toPlainView(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(toPlainView)
  if (isNumericWrapper(value)) return toNumber(value)
  if (!isPlainObject(value)) return value
  const cached = plainViews.get(value)
  if (cached !== undefined) return cached
  const result: Document = {}
  for (const key of Object.keys(value)) result[key] = toPlainView(value[key])
  return result
}

/**
 * Cached plain view of a stored document (or change event); those are never mutated, so the
 * cache holds. Views are read-only: whoever needs to change one takes `toPlain` instead.
 */
export function plainView(document: Document): Document {
  let view = plainViews.get(document)
  if (view === undefined) {
    view = toPlainView(document) as Document
    plainViews.set(document, view)
  }
  return view
}

function retypeNumber(updated: number, original: unknown, explicit: unknown): unknown {
  if (isNumericWrapper(original) && toNumber(original) === updated) return original
  if (isNumericWrapper(explicit) && toNumber(explicit) === updated) return explicit
  switch (bsonTypeOf(original)) {
    case 'Int32':
      if (!Number.isInteger(updated)) return new Double(updated)
      return updated >= -2147483648 && updated <= 2147483647 ? new Int32(updated) : Long.fromNumber(updated)
    case 'Long':
      return Number.isInteger(updated) ? Long.fromNumber(updated) : new Double(updated)
    case 'Double':
      return new Double(updated)
    case 'Decimal128':
      return Decimal128.fromString(String(updated))
    default:
      return updated
  }
}

/**
 * Gives a document computed by mingo (on plain values) back the BSON types of the document it came
 * from: a number that did not change keeps its wrapper, an incremented Int32 stays Int32, a value
 * written by `$set` keeps the type the client sent (`explicit` mirrors those operands).
 */
export function retype(updated: unknown, original: unknown, explicit?: unknown): unknown {
  if (typeof updated === 'number') return retypeNumber(updated, original, explicit)
  if (Array.isArray(updated)) {
    const originalArray = Array.isArray(original) ? original : []
    const explicitArray = Array.isArray(explicit) ? explicit : []
    return updated.map((item, index) => retype(item, originalArray[index], explicitArray[index]))
  }
  if (isPlainObject(updated)) {
    const originalObject = isPlainObject(original) ? original : {}
    const explicitObject = isPlainObject(explicit) ? explicit : {}
    const result: Document = {}
    for (const key of Object.keys(updated)) {
      result[key] = retype(updated[key], originalObject[key], explicitObject[key])
    }
    return result
  }
  return updated
}

/**
 * A string equal for values MongoDB considers equal in an index (1, 1.0 and Long 1 alike;
 * null and missing alike), used as the key of index maps.
 */
export function valueKey(value: unknown): string {
  if (value === undefined || value === null) return 'N'
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? 'n0' : `n${value}`
    case 'bigint':
      return `n${value}`
    case 'string':
      return `s${JSON.stringify(value)}`
    case 'boolean':
      return value ? 'b1' : 'b0'
    default:
      break
  }
  if (value instanceof Date) return `d${value.getTime()}`
  if (value instanceof RegExp) return `r${String(value)}`
  if (Array.isArray(value)) return `[${value.map(valueKey).join(',')}]`
  const type = bsonTypeOf(value)
  if (type === 'ObjectId') return `o${(value as { toHexString(): string }).toHexString()}`
  if (isNumericWrapper(value)) return `n${toNumber(value)}`
  if (type === 'Binary') {
    const binary = value as { sub_type: number; toString(encoding: 'base64'): string }
    return `x${binary.sub_type}:${binary.toString('base64')}`
  }
  if (type !== undefined) return `${type}:${String(value)}`
  const entries = Object.entries(value as Document).map(
    ([key, item]) => `${JSON.stringify(key)}:${valueKey(item)}`,
  )
  return `{${entries.join(',')}}`
}

/**
 * `valueKey(left) === valueKey(right)`, read field by field and stopping at the first field that
 * differs, so telling a changed document from an unchanged one does not build two whole keys.
 */
export function sameValueKey(left: unknown, right: unknown): boolean {
  if (!isKeyedObject(left) || !isKeyedObject(right)) return valueKey(left) === valueKey(right)
  const leftFields = Object.keys(left)
  const rightFields = Object.keys(right)
  if (leftFields.length !== rightFields.length) return false
  for (let position = 0; position < leftFields.length; position += 1) {
    const field = leftFields[position]!
    if (field !== rightFields[position] || !sameValueKey(left[field], right[field])) return false
  }
  return true
}

/** An object that `valueKey` writes as its fields: a plain object that is no BSON value. */
function isKeyedObject(value: unknown): value is Document {
  return isPlainObject(value) && bsonTypeOf(value) === undefined
}

/** Reads a dotted path from a document; array elements are reached by numeric segments only. */
export function getPath(document: unknown, path: string): unknown {
  let current: unknown = document
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Document)[segment]
  }
  return current
}

/** Writes a dotted path, creating intermediate objects; used for `$setOnInsert` and upsert seeds. */
export function setPath(document: Document, path: string, value: unknown): void {
  const segments = path.split('.')
  let current: Document = document
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment]
    if (next === null || typeof next !== 'object') current[segment] = {}
    current = current[segment] as Document
  }
  current[segments[segments.length - 1]!] = value
}

/** Reads a numeric command argument sent as Int32, Long, Double or number. */
export function numberArgument(value: unknown, fallback: number): number {
  const number = toNumber(value)
  return number === undefined || Number.isNaN(number) ? fallback : number
}
