import { type Collection, MongoServerError } from 'mongodb'
import type { LiveIndex } from './compare-indexes.js'

/** MongoDB's NamespaceNotFound: the collection does not exist yet. */
const NAMESPACE_NOT_FOUND = 26

/** The collection's indexes, or null when the collection does not exist. */
// biome-ignore lint/suspicious/noExplicitAny: any collection, whatever its document type
export async function listLiveIndexes(collection: Collection<any>): Promise<LiveIndex[] | null> {
  try {
    return (await collection.listIndexes().toArray()) as LiveIndex[]
  } catch (error) {
    if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return null
    throw error
  }
}
