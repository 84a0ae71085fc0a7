import type { Document } from 'bson'

/** MongoDB error code names for the codes this server returns. */
const codeNames: Record<number, string> = {
  2: 'BadValue',
  9: 'FailedToParse',
  11: 'UserNotFound',
  13: 'Unauthorized',
  14: 'TypeMismatch',
  20: 'IllegalOperation',
  26: 'NamespaceNotFound',
  27: 'IndexNotFound',
  40: 'ConflictingUpdateOperators',
  43: 'CursorNotFound',
  48: 'NamespaceExists',
  50: 'MaxTimeMSExpired',
  52: 'DollarPrefixedFieldName',
  59: 'CommandNotFound',
  66: 'ImmutableField',
  67: 'CannotCreateIndex',
  68: 'IndexAlreadyExists',
  72: 'InvalidOptions',
  73: 'InvalidNamespace',
  85: 'IndexOptionsConflict',
  86: 'IndexKeySpecsConflict',
  112: 'WriteConflict',
  115: 'CommandNotSupported',
  197: 'InvalidIndexSpecificationOption',
  168: 'InvalidPipelineOperator',
  224: 'QueryFeatureNotAllowed',
  225: 'TransactionTooOld',
  238: 'NotImplemented',
  251: 'NoSuchTransaction',
  260: 'InvalidResumeToken',
  256: 'TransactionCommitted',
  263: 'OperationNotSupportedInTransaction',
  280: 'ChangeStreamFatalError',
  286: 'ChangeStreamHistoryLost',
  10107: 'NotWritablePrimary',
  11000: 'DuplicateKey',
  40573: 'Location40573',
}

/** Error codes the server reports with MongoDB's error labels. */
export const errorCodes = {
  badValue: 2,
  failedToParse: 9,
  unauthorized: 13,
  typeMismatch: 14,
  illegalOperation: 20,
  namespaceNotFound: 26,
  indexNotFound: 27,
  conflictingUpdateOperators: 40,
  cursorNotFound: 43,
  namespaceExists: 48,
  dollarPrefixedFieldName: 52,
  commandNotFound: 59,
  immutableField: 66,
  cannotCreateIndex: 67,
  maxTimeMSExpired: 50,
  invalidOptions: 72,
  invalidNamespace: 73,
  indexOptionsConflict: 85,
  indexKeySpecsConflict: 86,
  invalidIndexSpecificationOption: 197,
  writeConflict: 112,
  invalidPipelineOperator: 168,
  queryFeatureNotAllowed: 224,
  notImplemented: 238,
  noSuchTransaction: 251,
  invalidResumeToken: 260,
  transactionCommitted: 256,
  operationNotSupportedInTransaction: 263,
  changeStreamFatalError: 280,
  changeStreamHistoryLost: 286,
  notWritablePrimary: 10107,
  duplicateKey: 11000,
  /** An update grew a document past 16 MiB. */
  updatedDocumentTooLarge: 17419,
  /** An upsert would insert a document over 16 MiB. */
  upsertedDocumentTooLarge: 17420,
  changeStreamOnStandalone: 40573,
} as const

export function codeNameFor(code: number): string {
  return codeNames[code] ?? `Location${code}`
}

export interface MongoCommandErrorOptions {
  errorLabels?: string[]
  /** Extra fields copied into the error reply, e.g. keyPattern/keyValue for duplicate keys. */
  details?: Document
}

/** An error a command reports to the client as `{ ok: 0, code, codeName, errmsg }`. */
export class MongoCommandError extends Error {
  readonly code: number
  readonly errorLabels: string[]
  readonly details: Document

  constructor(code: number, message: string, options: MongoCommandErrorOptions = {}) {
    super(message)
    this.name = 'MongoCommandError'
    this.code = code
    this.errorLabels = options.errorLabels ?? []
    this.details = options.details ?? {}
  }

  toReply(): Document {
    const reply: Document = { ok: 0, errmsg: this.message, code: this.code, codeName: codeNameFor(this.code) }
    if (this.errorLabels.length > 0) reply.errorLabels = this.errorLabels
    return { ...reply, ...this.details }
  }

  /** The shape of one entry of `writeErrors` in insert/update/delete replies. */
  toWriteError(index: number): Document {
    return { index, code: this.code, errmsg: this.message, ...this.details }
  }
}

/**
 * Turns anything thrown while running a command into a MongoCommandError.
 * mingo throws plain errors for bad operators and arguments; MongoDB reports those as BadValue
 * or, for conflicting update paths, ConflictingUpdateOperators.
 */
export function toCommandError(error: unknown): MongoCommandError {
  if (error instanceof MongoCommandError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (/would create a conflict/i.test(message)) {
    return new MongoCommandError(
      errorCodes.conflictingUpdateOperators,
      message.replace(/^updating/, 'Updating'),
    )
  }
  if (/unknown (query|pipeline|expression|update)? ?operator|invalid operator|unrecognized/i.test(message)) {
    const code = /pipeline/i.test(message) ? 40324 : errorCodes.badValue
    return new MongoCommandError(code, message)
  }
  return new MongoCommandError(errorCodes.badValue, message)
}

/**
 * The error for an option or feature mongod has and this server does not implement (collations,
 * `let`, ...): refused loudly with 238 NotImplemented, so no test passes by its being ignored.
 */
export function notSupported(feature: string, where: string): MongoCommandError {
  return new MongoCommandError(
    errorCodes.notImplemented,
    `${feature} is not supported by the in-process MongoDB server (@durabl/mongo-server), in ${where}`,
  )
}
