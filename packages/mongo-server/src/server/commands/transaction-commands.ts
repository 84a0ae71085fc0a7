import type { Document } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import type { CommandHandler } from './command-context.js'

const unsatisfiableWriteConcernCode = 100

const commitTransaction: CommandHandler = (context) => {
  const transaction = context.transaction
  if (transaction === undefined) {
    // A retried commit of a transaction that already committed succeeds again, as in MongoDB.
    const committed = context.session?.transaction
    if (committed?.state === 'committed' && committed.txnNumber === String(context.command.txnNumber))
      return { ok: 1 }
    throw new MongoCommandError(errorCodes.noSuchTransaction, 'No transaction started', {
      errorLabels: ['TransientTransactionError'],
    })
  }
  if (transaction.state === 'committed') return { ok: 1 }
  const changes = transaction.commit()
  context.server.changeLog.append(changes)
  return { ...unsatisfiableWriteConcern(context.command.writeConcern), ok: 1 }
}

/**
 * A one-member replica set cannot acknowledge `w` greater than 1: mongod commits, then reports
 * UnsatisfiableWriteConcern (100) as a writeConcernError.
 */
function unsatisfiableWriteConcern(writeConcern: unknown): Document {
  const w = Number((writeConcern as { w?: { valueOf(): unknown } } | undefined)?.w?.valueOf())
  if (!(w > 1)) return {}
  return {
    writeConcernError: {
      code: unsatisfiableWriteConcernCode,
      codeName: 'UnsatisfiableWriteConcern',
      errmsg: 'Not enough data-bearing nodes',
    },
  }
}

const abortTransaction: CommandHandler = (context) => {
  const transaction = context.transaction
  if (transaction === undefined || transaction.state === 'aborted') {
    throw new MongoCommandError(errorCodes.noSuchTransaction, 'No transaction started', {
      errorLabels: ['TransientTransactionError'],
    })
  }
  if (transaction.state === 'committed') {
    throw new MongoCommandError(errorCodes.transactionCommitted, 'Cannot abort a committed transaction')
  }
  transaction.abort()
  return { ok: 1 }
}

export const transactionCommands: Record<string, CommandHandler> = { commitTransaction, abortTransaction }
