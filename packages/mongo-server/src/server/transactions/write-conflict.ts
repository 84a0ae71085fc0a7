import { errorCodes, MongoCommandError } from '../errors.js'

export const transientTransactionError = 'TransientTransactionError'

/** mongod's WriteConflict (112), labelled so that drivers retry the whole transaction. */
export function writeConflict(): MongoCommandError {
  return new MongoCommandError(
    errorCodes.writeConflict,
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    { errorLabels: [transientTransactionError] },
  )
}

export function noSuchTransaction(txnNumber: string): MongoCommandError {
  return new MongoCommandError(
    errorCodes.noSuchTransaction,
    `Transaction with { txnNumber: ${txnNumber} } has been aborted.`,
    { errorLabels: [transientTransactionError] },
  )
}
