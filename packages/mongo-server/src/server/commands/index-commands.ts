import { type Document, isPlainObject, toPlain, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import { compareIndexSpecs, normalizeIndexSpec } from '../storage/index-spec.js'
import type { CommandContext, CommandHandler } from './command-context.js'
import { firstBatchReply } from './cursor-replies.js'

function requireCollection(context: CommandContext, name: string) {
  const collection = context.readCollection(name)
  if (collection === undefined) {
    throw new MongoCommandError(
      errorCodes.namespaceNotFound,
      `ns does not exist: ${context.database}.${name}`,
    )
  }
  return collection
}

/** The index a requested spec conflicts with, as mongod reports it, or `exists` for a no-op. */
function conflictWith(spec: Document, existing: Document[]): 'exists' | undefined {
  const sameName = existing.find((index) => index.name === spec.name)
  const describe = (document: Document) => JSON.stringify(toPlain(document))
  if (sameName !== undefined) {
    const comparison = compareIndexSpecs(spec, sameName)
    if (comparison === 'identical' || spec.name === '_id_') return 'exists'
    if (comparison === 'different') {
      throw new MongoCommandError(
        errorCodes.indexKeySpecsConflict,
        `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${describe(spec)}, existing index: ${describe(sameName)}`,
      )
    }
    throw new MongoCommandError(
      errorCodes.indexOptionsConflict,
      `An equivalent index already exists with the same name but different options. Requested index: ${describe(spec)}, existing index: ${describe(sameName)}`,
    )
  }
  const sameKey = existing.find((index) => compareIndexSpecs(spec, index) !== 'different')
  if (sameKey === undefined) return undefined
  if (compareIndexSpecs(spec, sameKey) === 'equivalent') {
    throw new MongoCommandError(
      errorCodes.indexOptionsConflict,
      `An equivalent index already exists with a different name and options. Requested index: ${describe(spec)}, existing index: ${describe(sameKey)}`,
    )
  }
  throw new MongoCommandError(
    errorCodes.indexOptionsConflict,
    `Index already exists with a different name: ${String(sameKey.name)}`,
  )
}

/**
 * createIndexes is all or nothing, as in mongod: every spec is validated and checked against the
 * existing indexes and the earlier specs of the list, then all are built, then all are added.
 */
const createIndexes: CommandHandler = (context) => {
  const name = String(context.command.createIndexes)
  const requested = context.command.indexes
  if (!Array.isArray(requested))
    throw new MongoCommandError(errorCodes.failedToParse, "'indexes' must be an array")
  if (requested.length === 0)
    throw new MongoCommandError(errorCodes.badValue, 'Must specify at least one index to create')
  const specs = requested.map((raw) => {
    if (!isPlainObject(raw))
      throw new MongoCommandError(errorCodes.typeMismatch, 'index specs must be objects')
    return normalizeIndexSpec(raw)
  })
  const existing = context.readCollection(name)?.indexSpecs() ?? [{ v: 2, key: { _id: 1 }, name: '_id_' }]
  const toBuild: Document[] = []
  for (const spec of specs) {
    if (conflictWith(spec, [...existing, ...toBuild]) === undefined) toBuild.push(spec)
  }
  const created = context.readCollection(name) === undefined
  const collection = context.writeCollection(name)
  const numIndexesBefore = collection.indexSpecs().length
  collection.addIndexes(toBuild)
  const numIndexesAfter = collection.indexSpecs().length
  const reply: Document = { numIndexesBefore, numIndexesAfter, createdCollectionAutomatically: created }
  if (numIndexesAfter === numIndexesBefore) reply.note = 'all indexes already exist'
  return { ...reply, ok: 1 }
}

const listIndexes: CommandHandler = (context) => {
  const name = String(context.command.listIndexes)
  const collection = requireCollection(context, name)
  const cursor = (context.command.cursor ?? {}) as Document
  const batchSize = cursor.batchSize === undefined ? undefined : Number(toPlain(cursor.batchSize))
  return firstBatchReply(context, `${context.database}.${name}`, collection.indexSpecs(), batchSize, false)
}

const dropIndexes: CommandHandler = (context) => {
  const name = String(context.command.dropIndexes ?? context.command.deleteIndexes)
  const collection = requireCollection(context, name)
  const nIndexesWas = collection.indexSpecs().length
  const target = context.command.index
  const names: string[] = []
  if (target === '*') names.push(...collection.indexes.map((index) => index.name))
  else if (typeof target === 'string') names.push(target)
  else if (Array.isArray(target)) names.push(...target.map(String))
  else if (isPlainObject(target)) {
    const match = collection
      .indexSpecs()
      .find((spec) => valueKey(toPlain(spec.key)) === valueKey(toPlain(target)))
    if (match === undefined) {
      throw new MongoCommandError(
        errorCodes.indexNotFound,
        `can't find index with key: ${JSON.stringify(toPlain(target))}`,
      )
    }
    names.push(String(match.name))
  }
  for (const indexName of names) {
    if (indexName === '_id_') throw new MongoCommandError(errorCodes.invalidOptions, 'cannot drop _id index')
    if (!collection.indexes.some((index) => index.name === indexName)) {
      throw new MongoCommandError(errorCodes.indexNotFound, `index not found with name [${indexName}]`)
    }
  }
  for (const indexName of names) collection.dropIndex(indexName)
  return { nIndexesWas, ok: 1 }
}

export const indexCommands: Record<string, CommandHandler> = {
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
}
