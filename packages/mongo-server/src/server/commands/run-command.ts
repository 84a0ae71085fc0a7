import { Binary, Long } from 'bson'
import type { Document } from '../bson-values.js'
import { errorCodes, MongoCommandError, toCommandError } from '../errors.js'
import { startCommandDeadline } from '../query/deadline.js'
import type { ServerState } from '../server-state.js'
import type { SessionState } from '../transactions/session-registry.js'
import type { Transaction } from '../transactions/transaction.js'
import {
  assertAllowedInTransaction,
  assertTransactionCommand,
  assertTransactionConcerns,
} from '../transactions/transaction-rules.js'
import { noSuchTransaction } from '../transactions/write-conflict.js'
import { aggregateCommands } from './aggregate-command.js'
import { bulkWriteCommands } from './bulk-write-command.js'
import { collectionCommands } from './collection-commands.js'
import { CommandContext, type CommandHandler } from './command-context.js'
import { explainCommands } from './explain-command.js'
import { failPointCommands } from './fail-point-command.js'
import { findAndModifyCommands } from './find-and-modify-command.js'
import { findCommands } from './find-commands.js'
import { indexCommands } from './index-commands.js'
import { parameterCommands } from './parameter-commands.js'
import { serverCommands } from './server-commands.js'
import { transactionCommands } from './transaction-commands.js'
import { validateCommand } from './validate-statements.js'
import { writeCommands } from './write-commands.js'

const handlers: Record<string, CommandHandler> = {
  ...serverCommands,
  ...collectionCommands,
  ...writeCommands,
  ...findCommands,
  ...findAndModifyCommands,
  ...aggregateCommands,
  ...indexCommands,
  ...bulkWriteCommands,
  ...transactionCommands,
  ...explainCommands,
  ...parameterCommands,
  ...failPointCommands,
}

/** Writes the driver retries with the same lsid and txnNumber after a network error. */
const retryableCommandNames = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
  'bulkWrite',
])

/** Commands refused while the `notPrimary` fault is on, as a stepped-down primary refuses writes. */
const writeCommandNames = new Set([
  ...retryableCommandNames,
  'createIndexes',
  'dropIndexes',
  'create',
  'drop',
  'dropDatabase',
  'renameCollection',
  'commitTransaction',
])

const emptySignature = { hash: new Binary(Buffer.alloc(20)), keyId: Long.ZERO }

function transactionFor(
  server: ServerState,
  name: string,
  command: Document,
  session: SessionState | undefined,
): Transaction | undefined {
  if (command.autocommit !== false) return undefined
  if (!server.isReplicaSet) {
    throw new MongoCommandError(
      errorCodes.illegalOperation,
      'Transaction numbers are only allowed on a replica set member or mongos',
    )
  }
  if (session === undefined)
    throw new MongoCommandError(errorCodes.invalidOptions, 'Transactions require a session (lsid)')
  assertAllowedInTransaction(name)
  assertTransactionConcerns(name, command)
  const txnNumber = String(command.txnNumber)
  if (command.startTransaction === true) return server.sessions.startTransaction(session, txnNumber)
  const transaction = session.transaction
  if (transaction === undefined || transaction.txnNumber !== txnNumber) throw noSuchTransaction(txnNumber)
  if (transaction.state === 'aborted' && name !== 'abortTransaction') throw noSuchTransaction(txnNumber)
  return transaction
}

function maxTimeMsOf(command: Document): number | undefined {
  const value = command.maxTimeMS as { valueOf(): unknown } | undefined
  const number = Number(value?.valueOf())
  return Number.isFinite(number) && number > 0 ? number : undefined
}

/**
 * Runs one command and returns its reply; errors become `{ ok: 0, ... }` replies. The handler
 * runs synchronously up to its first await (only change-stream getMore awaits), so a command's
 * read and write are never interleaved with another command's.
 */
export async function runCommand(
  server: ServerState,
  command: Document,
  connectionId: number,
): Promise<Document> {
  const name = Object.keys(command)[0] ?? ''
  server.countCommand(name)
  server.onCommand?.(name, command)
  const database = typeof command.$db === 'string' ? command.$db : 'admin'
  let transaction: Transaction | undefined
  let reply: Document
  try {
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined
    if (handler === undefined)
      throw new MongoCommandError(errorCodes.commandNotFound, `no such command: '${name}'`)
    validateCommand(name, command)
    if (writeCommandNames.has(name) && !server.isWritablePrimary) {
      throw new MongoCommandError(errorCodes.notWritablePrimary, 'not primary', {
        errorLabels: ['RetryableWriteError'],
      })
    }
    const session = server.sessions.session(command.lsid)
    transaction = transactionFor(server, name, command, session)
    const retryKey =
      session !== undefined &&
      transaction === undefined &&
      command.txnNumber !== undefined &&
      retryableCommandNames.has(name)
        ? String(command.txnNumber)
        : undefined
    const previous = retryKey === undefined ? undefined : session?.retryReplies.get(retryKey)
    if (previous !== undefined) {
      reply = previous
    } else {
      const context = new CommandContext(
        server,
        { ...command, $connectionId: connectionId },
        database,
        session,
        transaction,
      )
      if (transaction !== undefined) assertTransactionCommand(transaction, name, command, database)
      startCommandDeadline(server, context.command)
      reply = await server.sessions.transactions.runPlainWrites(
        () => handler(context),
        server.changeLog,
        maxTimeMsOf(command),
      )
      // A write error inside a transaction aborts it, as in mongod; the reply still has ok: 1.
      if (transaction?.state === 'active' && Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0)
        transaction.abort()
      if (retryKey !== undefined && session !== undefined)
        server.sessions.rememberReply(session, retryKey, reply)
    }
  } catch (error) {
    const commandError = toCommandError(error)
    // Any error inside a transaction aborts it, as in MongoDB; the next statement gets NoSuchTransaction.
    if (transaction !== undefined && transaction.state === 'active') transaction.abort()
    reply = commandError.toReply()
  }
  if (server.isReplicaSet) {
    const clusterTime = server.changeLog.currentTime()
    reply.$clusterTime = { clusterTime, signature: emptySignature }
    reply.operationTime = clusterTime
  }
  return reply
}
