import { errorCodes, MongoCommandError } from '../errors.js'
import type { Namespace } from '../storage/catalog.js'
import type { CommandHandler } from './command-context.js'

function parseNamespace(field: string, value: unknown): Namespace {
  const dot = typeof value === 'string' ? value.indexOf('.') : -1
  if (typeof value !== 'string' || dot <= 0 || dot === value.length - 1) {
    throw new MongoCommandError(errorCodes.invalidNamespace, `Invalid ${field} namespace: ${String(value)}`)
  }
  return { database: value.slice(0, dot), collection: value.slice(dot + 1) }
}

/**
 * `renameCollection: '<db>.<from>', to: '<db>.<to>', dropTarget`, an admin command as in mongod.
 * Change streams see one `rename` event (with `to`); streams on either collection are invalidated.
 */
export const renameCollection: CommandHandler = (context) => {
  const command = context.command
  if (context.database !== 'admin') {
    throw new MongoCommandError(
      errorCodes.unauthorized,
      'renameCollection may only be run against the admin database.',
    )
  }
  if (context.transaction !== undefined) {
    throw new MongoCommandError(
      errorCodes.operationNotSupportedInTransaction,
      'Cannot run command renameCollection in a multi-document transaction.',
    )
  }
  const from = parseNamespace('source', command.renameCollection)
  const to = parseNamespace('target', command.to)
  // Open transactions keep reading the snapshots they took before the rename (of both sides).
  for (const namespace of [from, to]) {
    const collection = context.server.catalog.collection(namespace.database, namespace.collection)
    if (collection !== undefined) context.server.sessions.transactions.preserveSnapshots(collection)
  }
  context.server.catalog.renameCollection(from, to, command.dropTarget === true)
  const fromNamespace = `${from.database}.${from.collection}`
  const toNamespace = `${to.database}.${to.collection}`
  context.server.cursors.removeWhere(
    (cursor) =>
      cursor.kind === 'batch' && (cursor.namespace === fromNamespace || cursor.namespace === toNamespace),
  )
  context.server.changeLog.appendCatalogChange({ kind: 'rename', ...from, to })
  return { ok: 1 }
}
