import { find } from 'mingo'
import { type Document, toPlain } from '../bson-values.js'
import { toCommandError } from '../errors.js'

/** Applies a find projection to a stored document, keeping BSON types and `_id` first as mongod does. */
export function projectDocument(document: Document, projection: unknown): Document {
  if (projection === undefined || projection === null || Object.keys(projection as Document).length === 0) {
    return document
  }
  let projected: Document
  try {
    projected = find([document], {}, toPlain(projection) as Document).all()[0] as Document
  } catch (error) {
    throw toCommandError(error)
  }
  if (!('_id' in projected) || Object.keys(projected)[0] === '_id') return projected
  const { _id, ...rest } = projected
  return { _id, ...rest }
}
