import { type Document, getPath } from './bson-values.js'
import type { ServerState } from './server-state.js'

function expiryTimeMs(value: unknown): number | undefined {
  const values = Array.isArray(value) ? value : [value]
  const times = values.filter((item): item is Date => item instanceof Date).map((date) => date.getTime())
  // An array of dates expires with its earliest date, as in mongod.
  return times.length === 0 ? undefined : Math.min(...times)
}

/**
 * Deletes documents whose TTL index date plus `expireAfterSeconds` has passed, like mongod's TTL
 * monitor. Deletions are ordinary committed deletes, so change streams see them.
 */
export function removeExpiredDocuments(server: ServerState, now = Date.now()): number {
  let removed = 0
  for (const collection of server.catalog.allCollections()) {
    for (const index of collection.indexes) {
      if (index.expireAfterSeconds === undefined || index.fields.length !== 1) continue
      const field = index.fields[0]!
      const expired = [...collection.records.values()].filter((record) => {
        const time = expiryTimeMs(getPath(record.document, field))
        return time !== undefined && time + index.expireAfterSeconds! * 1000 <= now
      })
      const transactions = server.sessions.transactions
      for (const record of expired) {
        if (collection.get(record.idKey) !== record) continue
        // A document an open transaction wrote is left for a later pass; snapshots keep the rest.
        if (transactions.holderFor(collection, record.idKey, record.document, undefined) !== undefined)
          continue
        transactions.preserveSnapshots(collection)
        collection.remove(record)
        removed += 1
        server.changeLog.append([
          {
            kind: 'delete',
            database: collection.database,
            collection: collection.name,
            documentId: (record.document as Document)._id,
          },
        ])
      }
    }
  }
  return removed
}

export function startTtlMonitor(server: ServerState): () => void {
  const timer = setInterval(() => removeExpiredDocuments(server), server.options.ttlMonitorIntervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
