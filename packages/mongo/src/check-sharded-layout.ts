import { BackendError } from '@durabl/core'
import { type Db, MongoServerError } from 'mongodb'

/** Unauthorized: the user may not read `config.collections`. */
const UNAUTHORIZED = 13

/**
 * On a sharded cluster, refuses a jobs collection that is itself sharded (see
 * docs/decisions/0007-sharded-clusters.md). MongoDB allows a unique index on a sharded collection
 * only when it is prefixed by the shard key (manual, "Unique Indexes" / "Sharded Collections"),
 * and the dedupe slots need two unique indexes on different fields (`dedupe.pendingKey`,
 * `dedupe.activeKey`), so no shard key can serve both. An unsharded jobs collection lives on its
 * database's primary shard and works through mongos like on a replica set.
 *
 * Reads the collection's entry in `config.collections` (present, and not `dropped`, when the
 * collection is sharded; manual, "config.collections").
 */
export async function checkShardedLayout(db: Db, collectionName: string): Promise<void> {
  const namespace = `${db.databaseName}.${collectionName}`
  let entry: { _id: string; key?: unknown; dropped?: boolean } | null
  try {
    entry = await db.client
      .db('config')
      .collection<{ _id: string; key?: unknown; dropped?: boolean }>('collections')
      .findOne({ _id: namespace }, { projection: { _id: 1, key: 1, dropped: 1 } })
  } catch (error) {
    // A user without read access to the config database cannot tell: index creation decides.
    if (error instanceof MongoServerError && error.code === UNAUTHORIZED) return
    throw error
  }
  if (entry === null || entry.dropped === true || entry.key === undefined) return
  throw new BackendError(
    'startup',
    `the jobs collection ${namespace} is sharded (shard key ${JSON.stringify(entry.key)}); durabl's dedupe ` +
      'needs unique indexes on dedupe.pendingKey and dedupe.activeKey, which MongoDB allows on a sharded ' +
      'collection only when prefixed by the shard key. Keep the jobs collection unsharded (it then lives on ' +
      "its database's primary shard; see docs/decisions/0007-sharded-clusters.md)",
  )
}
