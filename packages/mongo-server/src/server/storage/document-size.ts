import { calculateObjectSize } from 'bson'
import type { Document } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'

/** mongod's `BSONObjMaxUserSize`: the largest document a user may store (16 MiB). */
export const maxDocumentBytes = 16 * 1024 * 1024

/**
 * The three refusals of mongod for a document over 16 MiB, each with its own code and message
 * (jstests/core/max_doc_size.js): an insert (2 BadValue, insert_stage/`fixDocumentForInsert`), an
 * update that grows a document (17419, update_stage.cpp) and an upsert (17420, upsert_stage.cpp).
 */
export type SizeCheck = 'insert' | 'update' | 'upsert'

export function assertDocumentSize(document: Document, check: SizeCheck): void {
  const bytes = calculateObjectSize(document, { ignoreUndefined: true })
  if (bytes <= maxDocumentBytes) return
  if (check === 'insert') {
    throw new MongoCommandError(
      errorCodes.badValue,
      `object to insert too large. size in bytes: ${bytes}, max size: ${maxDocumentBytes}`,
    )
  }
  if (check === 'update') {
    throw new MongoCommandError(
      errorCodes.updatedDocumentTooLarge,
      `Resulting document after update is larger than ${maxDocumentBytes}`,
    )
  }
  throw new MongoCommandError(
    errorCodes.upsertedDocumentTooLarge,
    `Document to upsert is larger than ${maxDocumentBytes}`,
  )
}
