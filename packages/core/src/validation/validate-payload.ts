import { PayloadError } from '../errors/payload-error.js'

/**
 * Checks that a value can be stored as job data (or a result, or progress) and fits in
 * `maxPayloadBytes`. Throws a PayloadError whose `path` points at the offending value, such as
 * `data.user.callback` or `data.items[3]`.
 *
 * What can be stored: `null`, booleans, finite numbers, strings, plain objects and arrays of
 * these, `Date`s, `Uint8Array`s (Buffers) and BSON values (anything with a `_bsontype`, such as an
 * ObjectId). Decisions:
 * - `NaN` and `±Infinity` are rejected: JSON turns them into `null`, so they would not survive every
 *   backend unchanged.
 * - `undefined` as an object property is allowed and dropped when stored (optional fields are
 *   common); `undefined` inside an array is rejected (it would come back as `null`). Top-level
 *   `undefined` data is stored as `null` by the queue before this check.
 * - A value reached twice through different branches is fine; a cycle is rejected.
 * - The size is the JSON-equivalent encoded size: UTF-8 bytes of strings and keys plus
 *   punctuation, binary counted by its byte length. It is measured in the same walk, so an
 *   oversized payload is rejected before it reaches the database.
 */
export function validatePayload(value: unknown, path: string, maxPayloadBytes: number): void {
  measureValue(value, path, new Set<object>(), { bytes: 0, maxPayloadBytes, rootPath: path })
}

interface Budget {
  bytes: number
  maxPayloadBytes: number
  rootPath: string
}

/** Bytes of a BSON value we cannot look into (ObjectId is 12, Decimal128 16); a safe upper bound. */
const BSON_VALUE_BYTES = 24
const DATE_BYTES = 26

const ALLOWED =
  'only null, booleans, finite numbers, strings, plain objects, arrays, Dates, Uint8Arrays and BSON values can be stored'

function measureValue(value: unknown, path: string, ancestors: Set<object>, budget: Budget): void {
  switch (typeof value) {
    case 'string':
      add(budget, Buffer.byteLength(value, 'utf8') + 2)
      return
    case 'boolean':
      add(budget, value ? 4 : 5)
      return
    case 'number':
      if (!Number.isFinite(value)) {
        throw new PayloadError(
          path,
          `must be a finite number (NaN and Infinity do not survive storage), got ${value}`,
        )
      }
      add(budget, String(value).length)
      return
    case 'function':
      throw new PayloadError(path, `is a function; ${ALLOWED}`)
    case 'symbol':
      throw new PayloadError(path, `is a symbol; ${ALLOWED}`)
    case 'bigint':
      throw new PayloadError(path, `is a bigint; ${ALLOWED} (store it as a string or a BSON Long)`)
    case 'undefined':
      throw new PayloadError(path, 'is undefined inside an array; use null')
  }
  if (value === null) {
    add(budget, 4)
    return
  }
  const object = value as object
  if (object instanceof Date) {
    if (Number.isNaN(object.getTime())) throw new PayloadError(path, 'is an invalid Date')
    add(budget, DATE_BYTES)
    return
  }
  if (object instanceof Uint8Array) {
    add(budget, object.byteLength)
    return
  }
  if (typeof (object as { _bsontype?: unknown })._bsontype === 'string') {
    add(budget, BSON_VALUE_BYTES)
    return
  }
  if (ancestors.has(object)) throw new PayloadError(path, 'is a circular reference to one of its parents')
  ancestors.add(object)
  try {
    if (Array.isArray(object)) {
      measureArray(object, path, ancestors, budget)
      return
    }
    const prototype = Object.getPrototypeOf(object)
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'class instance'
      throw new PayloadError(
        path,
        `is a ${name}; ${ALLOWED} (convert it first, e.g. Object.fromEntries(map))`,
      )
    }
    measureObject(object as Record<string | symbol, unknown>, path, ancestors, budget)
  } finally {
    ancestors.delete(object)
  }
}

function measureArray(array: unknown[], path: string, ancestors: Set<object>, budget: Budget): void {
  add(budget, 2)
  for (let index = 0; index < array.length; index++) {
    add(budget, 1)
    measureValue(array[index], `${path}[${index}]`, ancestors, budget)
  }
}

function measureObject(
  object: Record<string | symbol, unknown>,
  path: string,
  ancestors: Set<object>,
  budget: Budget,
): void {
  if (Object.getOwnPropertySymbols(object).length > 0) {
    throw new PayloadError(path, `has a symbol key; ${ALLOWED}`)
  }
  add(budget, 2)
  for (const key of Object.keys(object)) {
    const entry = object[key]
    if (entry === undefined) continue
    const childPath = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
    add(budget, Buffer.byteLength(key, 'utf8') + 4)
    measureValue(entry, childPath, ancestors, budget)
  }
}

/** Counts bytes as they are found, so a huge payload fails early instead of after a full walk. */
function add(budget: Budget, bytes: number): void {
  budget.bytes += bytes
  if (budget.bytes > budget.maxPayloadBytes) tooLarge(budget.rootPath, budget.bytes, budget.maxPayloadBytes)
}

function tooLarge(path: string, bytes: number, maxPayloadBytes: number): never {
  throw new PayloadError(
    path,
    `is larger than maxPayloadBytes (${maxPayloadBytes}): at least ${bytes} bytes when serialised; store large data elsewhere and enqueue a reference`,
  )
}
