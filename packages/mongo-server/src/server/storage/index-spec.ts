import { type Document, isPlainObject, toNumber, toPlain, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError, notSupported } from '../errors.js'
import { validatePartialFilterExpression } from './partial-filter-expression.js'

/**
 * Validation and comparison of index specifications as mongod does them (index_key_validate.cpp,
 * IndexCatalogImpl::_isSpecOk, IndexDescriptor::compareIndexOptions of MongoDB 7.0).
 */

/** Fields mongod accepts in an index specification; any other fails with 197. */
const allowedFields = new Set([
  'key',
  'name',
  'v',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'hidden',
  'collation',
  'background',
  'ns',
  'storageEngine',
  'weights',
  'default_language',
  'language_override',
  'textIndexVersion',
  '2dsphereIndexVersion',
  'bits',
  'min',
  'max',
  'bucketSize',
  'wildcardProjection',
  'prepareUnique',
])

/** Options stored and listed by listIndexes; they take part in the "identical" comparison. */
const storedOptions = [
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'hidden',
  'weights',
  'default_language',
  'language_override',
  'textIndexVersion',
  '2dsphereIndexVersion',
  'wildcardProjection',
  'prepareUnique',
] as const

/** Index types the server accepts in a key pattern; text and geo ones act as ordinary indexes. */
const indexTypes = new Set(['text', '2d', '2dsphere', 'hashed'])

const maxInt32 = 2_147_483_647

function cannotCreate(message: string): MongoCommandError {
  return new MongoCommandError(errorCodes.cannotCreateIndex, message)
}

function describe(value: unknown): string {
  return JSON.stringify(toPlain(value))
}

function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(toPlain(direction))}`)
    .join('_')
}

function validateKey(key: Document): void {
  for (const [field, direction] of Object.entries(key)) {
    const number = toNumber(direction)
    const valid =
      (number !== undefined && Number.isFinite(number) && number !== 0) ||
      (typeof direction === 'string' && indexTypes.has(direction))
    if (!valid || field === '') {
      throw cannotCreate(
        `bad index key pattern ${describe(key)}: Unknown index plugin '${String(direction)}'`,
      )
    }
  }
}

/** mongod's TTL rules: a number, not NaN, 0 to 2^31-1, on a single-field key. */
function validateTtl(spec: Document): void {
  const value = spec.expireAfterSeconds
  if (value === undefined) return
  const seconds = toNumber(value)
  const where = `. Index spec: ${describe(spec)}`
  if (seconds === undefined) {
    const type = value === null ? 'null' : typeof value === 'object' ? 'object' : typeof value
    throw cannotCreate(
      `TTL index 'expireAfterSeconds' option must be numeric, but received a type of '${type}'${where}`,
    )
  }
  if (Number.isNaN(seconds))
    throw cannotCreate(`TTL index 'expireAfterSeconds' option must not be NaN${where}`)
  if (seconds < 0) throw cannotCreate(`TTL index 'expireAfterSeconds' option cannot be less than 0${where}`)
  if (Math.trunc(seconds) > maxInt32) {
    throw cannotCreate(`TTL index 'expireAfterSeconds' must be within the range of a 32-bit integer${where}`)
  }
  if (Object.keys(spec.key as Document).length !== 1) {
    throw cannotCreate(
      `TTL indexes are single-field indexes, compound indexes do not support TTL. Index spec: ${describe(spec)}`,
    )
  }
}

/**
 * The stored form of a requested index (as listIndexes returns it), or mongod's error for a spec it
 * would refuse. Nothing is built here, so a list of specs can be checked before any is created.
 */
export function normalizeIndexSpec(requested: Document): Document {
  if (!isPlainObject(requested.key) || Object.keys(requested.key).length === 0) {
    throw new MongoCommandError(
      errorCodes.failedToParse,
      "The 'key' field is a required property of an index specification",
    )
  }
  for (const field of Object.keys(requested)) {
    if (!allowedFields.has(field)) {
      throw new MongoCommandError(
        errorCodes.invalidIndexSpecificationOption,
        `The field '${field}' is not valid for an index specification. Specification: ${describe(requested)}`,
      )
    }
  }
  const key = requested.key
  validateKey(key)
  const name = requested.name ?? defaultIndexName(key)
  if (typeof name !== 'string') throw cannotCreate('index name must be specified as a string')
  if (name === '') throw cannotCreate('index name cannot be empty')
  if (name === '*') throw new MongoCommandError(errorCodes.badValue, "The index name '*' is not valid.")
  if (requested.collation !== undefined) {
    const locale = isPlainObject(requested.collation) ? requested.collation.locale : undefined
    if (locale !== 'simple') throw notSupported('collation', `index ${name}`)
  }
  const spec: Document = { v: 2, key, name }
  for (const field of storedOptions) if (requested[field] !== undefined) spec[field] = requested[field]
  if (spec.unique === false) delete spec.unique
  if (spec.sparse === false) delete spec.sparse
  if (spec.hidden === false) delete spec.hidden
  if (spec.partialFilterExpression !== undefined) {
    if (spec.sparse !== undefined && toPlain(spec.sparse) !== 0) {
      throw cannotCreate('cannot mix "partialFilterExpression" and "sparse" options')
    }
    validatePartialFilterExpression(spec.partialFilterExpression)
  }
  validateTtl(spec)
  return spec
}

/**
 * How a requested spec relates to an existing one, as mongod compares them: `different` when the
 * key or an identifying option (the partial filter; collations are refused) differs, `identical`
 * when every stored option matches too, `equivalent` otherwise (the two cannot coexist).
 */
export function compareIndexSpecs(
  requested: Document,
  existing: Document,
): 'different' | 'equivalent' | 'identical' {
  const same = (field: string) =>
    valueKey(toPlain(requested[field] ?? null)) === valueKey(toPlain(existing[field] ?? null))
  if (!same('key') || !same('partialFilterExpression')) return 'different'
  return storedOptions.every(same) ? 'identical' : 'equivalent'
}
