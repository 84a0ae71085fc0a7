import { ObjectId } from 'bson'
import { Aggregator, update as mingoUpdate } from 'mingo'
import { type Document, getPath, isPlainObject, retype, setPath, toPlain } from '../bson-values.js'
import { noteOperatorUpdate } from '../change-streams/update-description.js'
import { errorCodes, MongoCommandError, toCommandError } from '../errors.js'
import { applySimpleUpdate } from './simple-update.js'
import { assertStorableId } from './storable-id.js'

const updateOperators = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$currentDate',
  '$setOnInsert',
  '$push',
  '$addToSet',
  '$pop',
  '$pull',
  '$pullAll',
  '$bit',
])

const pipelineUpdateStages = new Set([
  '$addFields',
  '$set',
  '$project',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
])

export type UpdateSpecification = Document | Document[]

export function isOperatorUpdate(update: UpdateSpecification): update is Document {
  return !Array.isArray(update) && Object.keys(update).some((key) => key.startsWith('$'))
}

/** Rejects malformed updates the way mongod does, before any document is touched. */
export function validateUpdate(update: unknown): asserts update is UpdateSpecification {
  if (Array.isArray(update)) {
    for (const stage of update) {
      const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined
      if (name === undefined || !pipelineUpdateStages.has(name)) {
        throw new MongoCommandError(
          errorCodes.invalidPipelineOperator,
          `${name ?? 'stage'} is not allowed to be used within an update`,
        )
      }
    }
    return
  }
  if (!isPlainObject(update))
    throw new MongoCommandError(errorCodes.failedToParse, 'Update argument must be an object')
  const keys = Object.keys(update)
  if (!keys.some((key) => key.startsWith('$'))) return
  for (const key of keys) {
    if (!updateOperators.has(key)) {
      throw new MongoCommandError(
        errorCodes.failedToParse,
        `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`,
      )
    }
    if (!isPlainObject(update[key])) {
      throw new MongoCommandError(
        errorCodes.failedToParse,
        `Modifiers operate on fields but we found type ${typeof update[key]} instead.`,
      )
    }
  }
}

/** mingo's `$push` ignores `$slice`/`$sort` when the array does not exist yet; MongoDB does not. */
function seedMissingPushTargets(plain: Document, modifier: Document): void {
  const push = modifier.$push
  if (!isPlainObject(push)) return
  for (const [path, operand] of Object.entries(push)) {
    if (path.includes('$') || !isPlainObject(operand) || !('$each' in operand)) continue
    if (getPath(plain, path) === undefined) setPath(plain, path, [])
  }
}

function explicitValues(update: Document, includeSetOnInsert: boolean): Document {
  const explicit: Document = {}
  const sources = [update.$set, includeSetOnInsert ? update.$setOnInsert : undefined]
  for (const source of sources) {
    if (!isPlainObject(source)) continue
    for (const [path, value] of Object.entries(source))
      if (!path.includes('$')) setPath(explicit, path, value)
  }
  return explicit
}

export interface ApplyUpdateOptions {
  arrayFilters?: Document[] | undefined
  /** True when the update creates the document of an upsert: `$setOnInsert` applies. */
  inserting?: boolean
}

/** Computes the updated document on a copy; the original is left untouched. */
export function applyUpdate(
  original: Document,
  update: UpdateSpecification,
  options: ApplyUpdateOptions = {},
): Document {
  if (Array.isArray(update)) return applyPipelineUpdate(original, update)
  if (!isOperatorUpdate(update)) return replacementDocument(original, update)
  if (options.arrayFilters === undefined && options.inserting !== true) {
    const simple = applySimpleUpdate(original, update)
    if (simple !== undefined) return simple === original ? original : noteOperatorUpdate(simple, update)
  }
  const plain = toPlain(original) as Document
  const { $setOnInsert, ...rest } = toPlain(update) as Document
  const modifier: Document = rest
  if (options.inserting && isPlainObject($setOnInsert)) {
    modifier.$set = { ...(isPlainObject(modifier.$set) ? modifier.$set : {}), ...$setOnInsert }
  }
  seedMissingPushTargets(plain, modifier)
  const arrayFilters = options.arrayFilters?.map((filter) => toPlain(filter) as Document)
  try {
    mingoUpdate(plain, modifier, arrayFilters)
  } catch (error) {
    throw toCommandError(error)
  }
  const updated = retype(plain, original, explicitValues(update, options.inserting === true)) as Document
  return noteOperatorUpdate(updated, update)
}

function applyPipelineUpdate(original: Document, pipeline: Document[]): Document {
  let results: unknown[]
  try {
    results = new Aggregator(toPlain(pipeline) as Document[], {}).run([toPlain(original)])
  } catch (error) {
    throw toCommandError(error)
  }
  const result = retype(results[0] ?? {}, original) as Document
  if (result._id === undefined && original._id !== undefined) return { _id: original._id, ...result }
  return result
}

function replacementDocument(original: Document, replacement: Document): Document {
  if (replacement._id !== undefined || original._id === undefined) return { ...replacement }
  return { _id: original._id, ...replacement }
}

/** The fields an upsert's filter pins by equality, which seed the inserted document. */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {}
  const visit = (conditions: Document) => {
    for (const [path, condition] of Object.entries(conditions)) {
      if (path === '$and' && Array.isArray(condition)) {
        for (const part of condition) if (isPlainObject(part)) visit(part)
        continue
      }
      if (path.startsWith('$')) continue
      if (isPlainObject(condition) && Object.keys(condition).some((key) => key.startsWith('$'))) {
        if ('$eq' in condition) setPath(seed, path, condition.$eq)
        continue
      }
      if (condition instanceof RegExp) continue
      setPath(seed, path, condition)
    }
  }
  visit(filter)
  return seed
}

/** Builds the document an upsert inserts, from the filter's equalities and the update. */
export function upsertDocument(
  filter: Document,
  update: UpdateSpecification,
  arrayFilters?: Document[],
): Document {
  const seed = upsertSeed(filter)
  let document: Document
  if (Array.isArray(update)) document = applyPipelineUpdate(seed, update)
  else if (isOperatorUpdate(update)) document = applyUpdate(seed, update, { arrayFilters, inserting: true })
  else document = { ...(seed._id !== undefined ? { _id: seed._id } : {}), ...(update as Document) }
  if (document._id === undefined) return { _id: new ObjectId(), ...document }
  assertStorableId(document)
  if (Object.keys(document)[0] !== '_id') {
    const { _id, ...others } = document
    return { _id, ...others }
  }
  return document
}
