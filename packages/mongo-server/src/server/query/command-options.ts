import { type Document, isPlainObject, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError, notSupported } from '../errors.js'
import type { Collection } from '../storage/collection.js'

/**
 * Options of query and write commands that this server does not implement are refused, never
 * ignored, so a test cannot pass because an option silently did nothing:
 *
 * - `collation` (anything but `{ locale: 'simple' }`, which is the default binary comparison);
 * - `let` (variables for `$$name` in filters and pipelines);
 * - find's `min`, `max`, `returnKey`, `showRecordId`, `tailable` and `awaitData`.
 *
 * `hint` is checked as mongod checks it: a name or key pattern that matches no index of an
 * existing collection fails with 2 BadValue. A valid hint does not change the results here (every
 * lookup is exact); it does not make a sparse or partial index hide documents as it can in mongod.
 * `allowDiskUse`, `comment`, `readConcern`, `writeConcern` and `bypassDocumentValidation` are
 * accepted: they change nothing an in-memory server could show.
 */

const refusedFindOptions = ['min', 'max', 'returnKey', 'showRecordId', 'tailable', 'awaitData'] as const

function isSimpleCollation(collation: unknown): boolean {
  return isPlainObject(collation) && collation.locale === 'simple'
}

/** Refuses `collation` and `let` in a command or one of its statements. */
export function refuseUnsupportedOptions(options: Document, where: string): void {
  if (options.collation !== undefined && !isSimpleCollation(options.collation)) {
    throw notSupported('collation', where)
  }
  if (options.let !== undefined) throw notSupported("'let' variables", where)
}

/** Refuses the find options this server does not implement, besides collation and let. */
export function refuseUnsupportedFindOptions(command: Document): void {
  refuseUnsupportedOptions(command, 'find')
  for (const option of refusedFindOptions) {
    const value = command[option]
    if (value !== undefined && value !== false) throw notSupported(`find's '${option}' option`, 'find')
  }
}

/** Throws mongod's BadValue when a hint names no index of the (existing) collection. */
export function assertHint(collection: Collection | undefined, hint: unknown): void {
  if (hint === undefined || hint === null || collection === undefined) return
  if (typeof hint === 'string' && hint === '') return
  if (isPlainObject(hint) && Object.keys(hint).length === 0) return
  if (isPlainObject(hint) && '$natural' in hint) return
  const specs = collection.indexSpecs()
  const found =
    typeof hint === 'string'
      ? specs.some((spec) => spec.name === hint)
      : specs.some((spec) => valueKey(spec.key) === valueKey(hint))
  if (!found) {
    throw new MongoCommandError(
      errorCodes.badValue,
      `error processing query: ns=${collection.namespace} planner returned error :: caused by :: hint provided does not correspond to an existing index`,
    )
  }
}
