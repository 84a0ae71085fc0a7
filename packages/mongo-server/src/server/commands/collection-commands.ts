import type { Document } from '../bson-values.js'
import { compileFilter } from '../query/select-records.js'
import type { CommandContext, CommandHandler } from './command-context.js'
import { firstBatchReply } from './cursor-replies.js'
import { renameCollection } from './rename-collection-command.js'

/** Fields every command may carry that are not options of the command itself. */
const protocolFields = new Set([
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'writeConcern',
  'readConcern',
  'comment',
])

const create: CommandHandler = (context) => {
  const options: Document = {}
  for (const [key, value] of Object.entries(context.command)) {
    if (key !== 'create' && !key.startsWith('$') && !protocolFields.has(key)) options[key] = value
  }
  const name = String(context.command.create)
  if (context.transaction !== undefined) context.transaction.createCollection(context.database, name, options)
  else context.server.catalog.createCollection(context.database, name, options)
  return { ok: 1 }
}

/** Drops a collection; change streams see a `drop` event (streams on it are invalidated). */
function dropCollection(context: CommandContext, name: string): number {
  const database = context.database
  const collection = context.server.catalog.collection(database, name)
  context.server.cursors.removeWhere(
    (cursor) => cursor.kind === 'batch' && cursor.namespace === `${database}.${name}`,
  )
  if (collection === undefined) return 0
  // Open transactions keep reading the snapshot they took before the drop.
  context.server.sessions.transactions.preserveSnapshots(collection)
  context.server.catalog.dropCollection(database, name)
  context.server.changeLog.appendCatalogChange({ kind: 'drop', database, collection: name })
  return collection.indexSpecs().length
}

const drop: CommandHandler = (context) => {
  const name = String(context.command.drop)
  // MongoDB 7 answers ok for a missing collection too, and logs nothing for it.
  const nIndexesWas = dropCollection(context, name)
  return { ns: `${context.database}.${name}`, nIndexesWas, ok: 1 }
}

/**
 * Drops each collection (a `drop` event apiece), then the database (a `dropDatabase` event, which
 * invalidates streams on the database), as mongod does. A database with no collections logs nothing.
 */
const dropDatabase: CommandHandler = (context) => {
  const collections = context.server.catalog.collectionsOf(context.database)
  for (const collection of collections) dropCollection(context, collection.name)
  context.server.catalog.dropDatabase(context.database)
  if (collections.length > 0) {
    context.server.changeLog.appendCatalogChange({ kind: 'dropDatabase', database: context.database })
  }
  return { dropped: context.database, ok: 1 }
}

const listCollections: CommandHandler = (context) => {
  const command = context.command
  const filter = compileFilter(command.filter ?? {})
  const entries = context.server.catalog
    .collectionsOf(context.database)
    .map((collection) => ({
      name: collection.name,
      type: 'collection',
      options: collection.options,
      info: { readOnly: false },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    }))
    .filter((entry) => filter.matches(entry))
    .map((entry) => (command.nameOnly === true ? { name: entry.name, type: entry.type } : entry))
  return firstBatchReply(context, `${context.database}.$cmd.listCollections`, entries, undefined, true)
}

const collStats: CommandHandler = (context) => {
  const name = String(context.command.collStats)
  const collection = context.readCollection(name)
  const count = collection?.records.size ?? 0
  return {
    ns: `${context.database}.${name}`,
    count,
    size: count * 100,
    nindexes: collection?.indexSpecs().length ?? 0,
    ok: 1,
  }
}

export const collectionCommands: Record<string, CommandHandler> = {
  create,
  drop,
  dropDatabase,
  renameCollection,
  listCollections,
  collStats,
}
