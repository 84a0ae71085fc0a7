import { type Document, isPlainObject } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'

/**
 * MongoDB 5.0+ stores `$`-prefixed field names anywhere in a document, except inside `_id`:
 * an `_id` that is an object may not hold a `$`-prefixed field at any depth (DollarPrefixedFieldName, 52).
 */
export function assertStorableId(document: Document): void {
  const visit = (value: unknown, path: string) => {
    if (!isPlainObject(value)) return
    for (const [key, inner] of Object.entries(value)) {
      if (key.startsWith('$')) {
        throw new MongoCommandError(
          errorCodes.dollarPrefixedFieldName,
          `_id fields may not contain '$'-prefixed fields: ${path}.${key} is not valid for storage.`,
        )
      }
      visit(inner, `${path}.${key}`)
    }
  }
  visit(document._id, '_id')
}
