import { type Document, isPlainObject, toPlain, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import type { Transaction } from './transaction.js'

/**
 * The commands mongod runs inside a multi-document transaction (its transaction command
 * allowlist; manual, "Transactions and Operations"). Everything else, e.g. count, explain,
 * listCollections, listIndexes, drop, hello or ping, fails with OperationNotSupportedInTransaction.
 */
const allowedInTransaction = new Set([
  'abortTransaction',
  'aggregate',
  'bulkWrite',
  'commitTransaction',
  'create',
  'createIndexes',
  'delete',
  'distinct',
  'find',
  'findAndModify',
  'findandmodify',
  'getMore',
  'insert',
  'killCursors',
  'update',
])

/**
 * Refuses a command that may not run in a transaction. Thrown before the transaction is looked
 * up, so, as in mongod, it neither starts a transaction nor aborts the open one.
 */
export function assertAllowedInTransaction(name: string): void {
  if (allowedInTransaction.has(name)) return
  throw new MongoCommandError(
    errorCodes.operationNotSupportedInTransaction,
    `Cannot run '${name}' in a multi-document transaction.`,
  )
}

/**
 * Read and write concern belong to the transaction: only its first statement may carry a
 * readConcern and only commitTransaction/abortTransaction a writeConcern. Breaking this fails the
 * statement with InvalidOptions (72) without aborting the transaction
 * (jstests/core/txns/no_read_or_write_concern_inside_txn.js).
 */
export function assertTransactionConcerns(name: string, command: Document): void {
  if (command.readConcern !== undefined && command.startTransaction !== true) {
    throw new MongoCommandError(
      errorCodes.invalidOptions,
      'Only the first command in a transaction may specify a readConcern',
    )
  }
  if (command.writeConcern !== undefined && name !== 'commitTransaction' && name !== 'abortTransaction') {
    throw new MongoCommandError(
      errorCodes.invalidOptions,
      `Cannot specify a writeConcern on '${name}' in a multi-document transaction; set it on commitTransaction`,
    )
  }
}

/**
 * Rules an allowed command must follow inside a transaction; breaking one fails the command and
 * aborts the transaction. createIndexes (since 4.4) may only create indexes on a collection that
 * the transaction created and has not written to; requesting an index that already exists is a
 * no-op (jstests/core/txns/create_indexes.js, create_existing_indexes.js).
 */
export function assertTransactionCommand(
  transaction: Transaction,
  name: string,
  command: Document,
  database: string,
): void {
  if (name !== 'createIndexes') return
  const collectionName = String(command.createIndexes)
  const collection = transaction.readCollection(database, collectionName)
  if (collection === undefined) return
  const existing = collection.indexSpecs()
  const requested = Array.isArray(command.indexes) ? command.indexes.filter(isPlainObject) : []
  const createsIndex = requested.some(
    (spec) =>
      !existing.some(
        (index) => index.name === spec.name || valueKey(toPlain(index.key)) === valueKey(toPlain(spec.key)),
      ),
  )
  if (!createsIndex) return
  if (transaction.created(database, collectionName) && collection.records.size === 0) return
  throw new MongoCommandError(
    errorCodes.operationNotSupportedInTransaction,
    `Cannot create new indexes on existing collection ${database}.${collectionName} in a multi-document transaction.`,
  )
}
