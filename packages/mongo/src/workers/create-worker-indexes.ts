import type { Db } from 'mongodb'
import { commandComment } from '../command-comment.js'
import { WORKERS_TTL_INDEX_NAME } from './worker-document.js'

/**
 * The workers collection's one index: TTL on `expiresAt` with `expireAfterSeconds: 0`, so mongod
 * deletes a worker's document once its `expiresAt` has passed (a queue that stopped registering
 * without a clean shutdown). One `createIndexes` named `durabl:startup`, a no-op when it exists.
 */
export async function createWorkerIndexes(db: Db, collectionName: string): Promise<void> {
  await db.command({
    createIndexes: collectionName,
    indexes: [{ key: { expiresAt: 1 }, name: WORKERS_TTL_INDEX_NAME, expireAfterSeconds: 0 }],
    comment: commandComment('startup'),
  })
}
