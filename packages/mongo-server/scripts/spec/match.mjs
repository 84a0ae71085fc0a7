// The unified test format's matching rules (mongodb/specifications: source/unified-test-format,
// "Evaluating Matches"): extra fields are allowed in root-level documents only, numbers compare by
// value whatever their BSON type, and the `$$` operators below. `match` returns null on a match or
// a string saying where and why it differs.
import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'mongodb'

/** A plain number, whatever numeric BSON type (other than Decimal128) carries it. */
export function numberOf(value) {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  if (value instanceof Int32 || value instanceof Double) return value.valueOf()
  if (value instanceof Long) return value.toNumber()
  return undefined
}

function isDocument(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof RegExp) &&
    value._bsontype === undefined
  )
}

function show(value) {
  try {
    return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(0, 300)
  } catch {
    return String(value)
  }
}

/** The BSON type aliases of `$$type` that `value` (as the driver deserialized it) can be. */
function typeAliases(value) {
  if (value === null) return ['null']
  if (value === undefined) return ['undefined']
  if (typeof value === 'string') return ['string']
  if (typeof value === 'boolean') return ['bool']
  if (typeof value === 'number' || value instanceof Int32 || value instanceof Double) {
    // promoteValues turns int, long and double into JS numbers: accept each that fits the value.
    const n = numberOf(value)
    if (value instanceof Double) return ['double', 'number']
    if (value instanceof Int32) return ['int', 'number']
    return Number.isInteger(n) ? ['int', 'long', 'double', 'number'] : ['double', 'number']
  }
  if (typeof value === 'bigint' || value instanceof Long) return ['long', 'number']
  if (value instanceof Decimal128) return ['decimal', 'number']
  if (value instanceof Date) return ['date']
  if (value instanceof ObjectId) return ['objectId']
  if (value instanceof Timestamp) return ['timestamp']
  if (value instanceof Binary) return ['binData']
  if (value instanceof RegExp || value?._bsontype === 'BSONRegExp') return ['regex']
  if (Array.isArray(value)) return ['array']
  if (value?._bsontype === 'Code') return ['javascript']
  if (value?._bsontype === 'MinKey') return ['minKey']
  if (value?._bsontype === 'MaxKey') return ['maxKey']
  if (isDocument(value)) return ['object']
  return [String(value?._bsontype ?? typeof value)]
}

function bytesOf(value) {
  if (value instanceof Binary) return Buffer.from(value.buffer.subarray(0, value.position))
  if (value instanceof Uint8Array) return Buffer.from(value)
  return undefined
}

/** Equality of two non-document, non-array values (BSON-aware, numbers loose). */
function scalarEquals(expected, actual) {
  const en = numberOf(expected)
  const an = numberOf(actual)
  if (en !== undefined || an !== undefined) return en === an || (Number.isNaN(en) && Number.isNaN(an))
  if (expected instanceof Decimal128 || actual instanceof Decimal128)
    return String(expected) === String(actual)
  if (expected instanceof ObjectId || actual instanceof ObjectId)
    return expected instanceof ObjectId && actual instanceof ObjectId && expected.equals(actual)
  if (expected instanceof Date || actual instanceof Date)
    return expected instanceof Date && actual instanceof Date && expected.getTime() === actual.getTime()
  if (expected instanceof Timestamp || actual instanceof Timestamp)
    return expected instanceof Timestamp && actual instanceof Timestamp && expected.equals(actual)
  const eb = bytesOf(expected)
  const ab = bytesOf(actual)
  if (eb || ab)
    return Boolean(eb && ab && eb.equals(ab) && (expected.sub_type ?? 0) === (actual.sub_type ?? 0))
  if (expected?._bsontype === 'BSONRegExp' || expected instanceof RegExp) {
    const source = (r) => (r instanceof RegExp ? r.source : r?.pattern)
    const flags = (r) => [...(r instanceof RegExp ? r.flags : (r?.options ?? ''))].sort().join('')
    return source(expected) === source(actual) && flags(expected) === flags(actual)
  }
  if (expected?._bsontype && actual?._bsontype) return show(expected) === show(actual)
  return expected === actual
}

/**
 * Matches `actual` against `expected`. `context` gives `entities` (for `$$matchesEntity` and
 * `$$sessionLsid`); `root` allows extra fields in `actual` (root-level documents only).
 */
export function match(expected, actual, context, root = true, path = '') {
  // The driver sends some documents (a find's sort) as Maps.
  if (actual instanceof Map) actual = Object.fromEntries(actual)
  if (isDocument(expected)) {
    const keys = Object.keys(expected)
    if (keys.length === 1 && keys[0].startsWith('$$'))
      return matchOperator(keys[0], expected[keys[0]], actual, context, root, path)
    if (
      !isDocument(actual) &&
      !(actual && typeof actual === 'object' && !Array.isArray(actual) && actual._bsontype === undefined)
    )
      return `${path || 'value'}: expected a document ${show(expected)}, got ${show(actual)}`
    for (const key of keys) {
      const sub = expected[key]
      const here = path ? `${path}.${key}` : key
      if (isDocument(sub) && Object.keys(sub).length === 1 && '$$exists' in sub) {
        const present = actual[key] !== undefined
        if (present !== Boolean(sub.$$exists))
          return `${here}: expected ${sub.$$exists ? 'present' : 'absent'}, got ${show(actual[key])}`
        continue
      }
      if (isDocument(sub) && Object.keys(sub).length === 1 && '$$unsetOrMatches' in sub) {
        if (actual[key] === undefined) continue
        const failure = match(sub.$$unsetOrMatches, actual[key], context, false, here)
        if (failure) return failure
        continue
      }
      if (!(key in actual) && actual[key] === undefined) return `${here}: missing, expected ${show(sub)}`
      const failure = match(sub, actual[key], context, false, here)
      if (failure) return failure
    }
    if (!root) {
      const extra = Object.keys(actual).filter((key) => !(key in expected) && actual[key] !== undefined)
      if (extra.length > 0)
        return `${path || 'value'}: unexpected field(s) ${extra.join(', ')} in ${show(actual)}`
    }
    return null
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual))
      return `${path || 'value'}: expected an array ${show(expected)}, got ${show(actual)}`
    if (actual.length !== expected.length)
      return `${path || 'value'}: expected ${expected.length} element(s), got ${actual.length}: ${show(actual)}`
    for (let i = 0; i < expected.length; i++) {
      // Elements of a root-level array (a find result, a cursor batch) are root-level documents.
      const failure = match(expected[i], actual[i], context, root, `${path}[${i}]`)
      if (failure) return failure
    }
    return null
  }
  return scalarEquals(expected, actual)
    ? null
    : `${path || 'value'}: expected ${show(expected)}, got ${show(actual)}`
}

function matchOperator(operator, operand, actual, context, root, path) {
  const where = path || 'value'
  switch (operator) {
    case '$$exists':
      return (actual !== undefined) === Boolean(operand)
        ? null
        : `${where}: $$exists ${operand}, got ${show(actual)}`
    case '$$type': {
      const wanted = Array.isArray(operand) ? operand : [operand]
      const have = typeAliases(actual)
      return wanted.some((t) => have.includes(t))
        ? null
        : `${where}: expected $$type ${wanted.join('|')}, got ${have[0]} ${show(actual)}`
    }
    case '$$unsetOrMatches':
      return actual === undefined ? null : match(operand, actual, context, root, path)
    case '$$matchesEntity':
      return match(context.entities.get(operand), actual, context, root, path)
    case '$$matchesHexBytes': {
      const bytes = bytesOf(actual)
      return bytes && bytes.toString('hex') === operand.toLowerCase()
        ? null
        : `${where}: expected bytes ${operand}`
    }
    case '$$sessionLsid': {
      const session = context.entities.get(operand)
      return match(session?.id, actual, context, false, path)
    }
    case '$$lte': {
      const a = numberOf(actual)
      return a !== undefined && a <= numberOf(operand)
        ? null
        : `${where}: expected ≤ ${show(operand)}, got ${show(actual)}`
    }
    case '$$matchAsDocument': {
      if (typeof actual !== 'string') return `${where}: $$matchAsDocument needs a string, got ${show(actual)}`
      return match(operand, JSON.parse(actual), context, false, path)
    }
    case '$$matchAsRoot':
      return match(operand, actual, context, true, path)
    default:
      throw new Error(`unsupported match operator ${operator}`)
  }
}
