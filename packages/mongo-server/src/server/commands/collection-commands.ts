import type { Document } from '../bson-values.js'
import { compileFilter } from '../query/select-records.js'
import type { CommandHandler } from './command-context.js'
import { firstBatchReply } from './cursor-replies.js'

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

const drop: CommandHandler = (context) => {
  const name = String(context.command.drop)
  context.server.cursors.removeWhere(
    (cursor) => cursor.kind === 'batch' && cursor.namespace === `${context.database}.${name}`,
  )
  // MongoDB 7 answers ok for a missing collection too.
  const dropped = context.server.catalog.collection(context.database, name)
  if (dropped !== undefined) context.server.sessions.transactions.preserveSnapshots(dropped)
  context.server.catalog.dropCollection(context.database, name)
  return { ns: `${context.database}.${name}`, nIndexesWas: 1, ok: 1 }
}

const dropDatabase: CommandHandler = (context) => {
  for (const collection of context.server.catalog.collectionsOf(context.database))
    context.server.sessions.transactions.preserveSnapshots(collection)
  context.server.catalog.dropDatabase(context.database)
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
  listCollections,
  collStats,
}
