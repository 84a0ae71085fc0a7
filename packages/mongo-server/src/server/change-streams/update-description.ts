import { type Document, isPlainObject, valueKey } from '../bson-values.js'

export interface UpdateDescription {
  updatedFields: Document
  removedFields: string[]
  truncatedArrays: Document[]
}

/** The difference between two versions of a document, in the shape of a change event's `updateDescription`. */
export function describeUpdate(before: Document, after: Document): UpdateDescription {
  const description: UpdateDescription = { updatedFields: {}, removedFields: [], truncatedArrays: [] }
  const visit = (previous: Document, next: Document, prefix: string) => {
    for (const [field, value] of Object.entries(next)) {
      const path = prefix + field
      const old = previous[field]
      if (isPlainObject(old) && isPlainObject(value)) visit(old, value, `${path}.`)
      else if (old === undefined || valueKey(old) !== valueKey(value) || typeof old !== typeof value) {
        description.updatedFields[path] = value
      }
    }
    for (const field of Object.keys(previous))
      if (!(field in next)) description.removedFields.push(prefix + field)
  }
  visit(before, after, '')
  return description
}
