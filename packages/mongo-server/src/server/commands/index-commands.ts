import { type Document, isPlainObject, toPlain, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import type { CommandContext, CommandHandler } from './command-context.js'
import { firstBatchReply } from './cursor-replies.js'

const optionFields = [
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'hidden',
  'collation',
] as const

function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(toPlain(direction))}`)
    .join('_')
}

/** The stored form of an index, as listIndexes returns it. */
function normalizeSpec(requested: Document): Document {
  if (!isPlainObject(requested.key) || Object.keys(requested.key).length === 0) {
    throw new MongoCommandError(
      errorCodes.failedToParse,
      "The 'key' field is a required property of an index specification",
    )
  }
  const spec: Document = { v: 2, key: requested.key, name: requested.name ?? defaultIndexName(requested.key) }
  for (const field of optionFields) if (requested[field] !== undefined) spec[field] = requested[field]
  if (spec.unique === false) delete spec.unique
  if (spec.sparse === false) delete spec.sparse
  return spec
}

function optionsKey(spec: Document): string {
  return valueKey(toPlain(optionFields.map((field) => spec[field] ?? null)))
}

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

const createIndexes: CommandHandler = (context) => {
  const name = String(context.command.createIndexes)
  const requested = context.command.indexes
  if (!Array.isArray(requested))
    throw new MongoCommandError(errorCodes.failedToParse, "'indexes' must be an array")
  const created = context.readCollection(name) === undefined
  const collection = context.writeCollection(name)
  const numIndexesBefore = collection.indexSpecs().length
  for (const raw of requested as Document[]) {
    const spec = normalizeSpec(raw)
    const existing = collection.indexSpecs()
    const sameName = existing.find((index) => index.name === spec.name)
    const sameKey = existing.find((index) => valueKey(toPlain(index.key)) === valueKey(toPlain(spec.key)))
    if (sameName !== undefined) {
      if (valueKey(toPlain(sameName.key)) !== valueKey(toPlain(spec.key))) {
        throw new MongoCommandError(
          errorCodes.indexKeySpecsConflict,
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(toPlain(spec))}, existing index: ${JSON.stringify(toPlain(sameName))}`,
        )
      }
      if (optionsKey(sameName) !== optionsKey(spec) && spec.name !== '_id_') {
        throw new MongoCommandError(
          errorCodes.indexOptionsConflict,
          `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(toPlain(spec))}, existing index: ${JSON.stringify(toPlain(sameName))}`,
        )
      }
      continue
    }
    if (sameKey !== undefined && optionsKey(sameKey) === optionsKey(spec)) {
      throw new MongoCommandError(
        errorCodes.indexOptionsConflict,
        `Index already exists with a different name: ${String(sameKey.name)}`,
      )
    }
    collection.addIndex(spec)
  }
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
