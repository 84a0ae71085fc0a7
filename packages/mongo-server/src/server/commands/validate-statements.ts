import { type Document, isPlainObject } from '../bson-values.js'
import { MongoCommandError } from '../errors.js'

/**
 * mongod parses commands with IDL and rejects a field it does not know with code 40415
 * ("BSON field 'update.updates.sort' is an unknown field."), in the command itself and in each
 * update/delete statement; checked here for insert, update, delete, findAndModify, find and
 * aggregate. This server reports MongoDB 7.0, so `sort` in an update statement (new
 * in 8.0) is unknown too. Fields starting with `$` ($db, $clusterTime, $readPreference, ...) are
 * protocol fields and always pass.
 */
const unknownFieldCode = 40415
/** CommandNotSupported. */
const commandNotSupportedCode = 115

/** Arguments every command accepts (mongod 7.0 generic arguments, without the `$` ones). */
const genericFields = [
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'maxTimeMS',
  'readConcern',
  'writeConcern',
  'lsid',
  'clientOperationKey',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'stmtId',
  'comment',
  'allowImplicitCollectionCreation',
  'databaseVersion',
  'help',
  'shardVersion',
  'tracking_info',
  'coordinator',
  'maxTimeMSOpOnly',
  'usesDefaultMaxTimeMS',
  'txnRetryCounter',
  'mayBypassWriteBlocking',
]

const writeCommandFields = [
  'ordered',
  'bypassDocumentValidation',
  'stmtIds',
  'isTimeseriesNamespace',
  'collectionUUID',
  'encryptionInformation',
]

/** The fields of each checked command, and the field holding its statements. */
const commandFields: Record<string, { fields: Set<string>; statements?: string }> = {
  insert: { fields: new Set([...genericFields, ...writeCommandFields, 'documents']) },
  update: {
    fields: new Set([...genericFields, ...writeCommandFields, 'updates', 'let']),
    statements: 'updates',
  },
  delete: {
    fields: new Set([...genericFields, ...writeCommandFields, 'deletes', 'let']),
    statements: 'deletes',
  },
}

commandFields.find = {
  fields: new Set([
    ...genericFields,
    'filter',
    'projection',
    'sort',
    'hint',
    'skip',
    'limit',
    'batchSize',
    'singleBatch',
    'let',
    'max',
    'min',
    'returnKey',
    'showRecordId',
    'tailable',
    'oplogReplay',
    'noCursorTimeout',
    'awaitData',
    'allowPartialResults',
    'collation',
    'allowDiskUse',
    'readOnce',
    'allowSpeculativeMajorityRead',
    'requestResumeToken',
    'resumeAfter',
    'term',
    'collectionUUID',
    'encryptionInformation',
    'includeQueryStatsMetrics',
  ]),
}
commandFields.aggregate = {
  fields: new Set([
    ...genericFields,
    'pipeline',
    'explain',
    'allowDiskUse',
    'cursor',
    'bypassDocumentValidation',
    'collation',
    'hint',
    'let',
    'needsMerge',
    'fromMongos',
    'fromRouter',
    'exchange',
    'isMapReduceCommand',
    'collectionUUID',
    'encryptionInformation',
    'passthroughToShard',
    'isClusterQueryWithoutShardKeyCmd',
    'includeQueryStatsMetrics',
  ]),
}

const findAndModifyFields = new Set([
  ...genericFields,
  'query',
  'fields',
  'sort',
  'remove',
  'update',
  'new',
  'upsert',
  'bypassDocumentValidation',
  'collation',
  'arrayFilters',
  'hint',
  'let',
  'batchSize',
  'stmtId',
  'encryptionInformation',
  'sampleId',
  'isTimeseriesNamespace',
])
commandFields.findAndModify = { fields: findAndModifyFields }
commandFields.findandmodify = { fields: findAndModifyFields }

/** Fields of one statement in mongod 7.0 (`sort` in update statements arrived in 8.0). */
const statementFields: Record<string, Set<string>> = {
  updates: new Set([
    'q',
    'u',
    'c',
    'upsert',
    'multi',
    'arrayFilters',
    'hint',
    'collation',
    'upsertSupplied',
    'sampleId',
    'allowShardKeyUpdatesWithoutFullShardKeyInQuery',
  ]),
  deletes: new Set(['q', 'limit', 'hint', 'collation', 'sampleId']),
}

function unknownField(path: string): MongoCommandError {
  return new MongoCommandError(unknownFieldCode, `BSON field '${path}' is an unknown field.`)
}

/** Throws 40415 for a field of `command` (or of one of its statements) that mongod 7.0 does not know. */
export function assertKnownFields(name: string, command: Document): void {
  const spec = Object.hasOwn(commandFields, name) ? commandFields[name] : undefined
  if (spec === undefined) return
  for (const field of Object.keys(command).slice(1)) {
    if (!field.startsWith('$') && !spec.fields.has(field)) throw unknownField(`${name}.${field}`)
  }
  if (spec.statements === undefined) return
  const statements = command[spec.statements]
  const allowed = statementFields[spec.statements]!
  if (!Array.isArray(statements)) return
  for (const statement of statements) {
    if (!isPlainObject(statement)) continue
    for (const field of Object.keys(statement)) {
      if (!allowed.has(field)) throw unknownField(`${name}.${spec.statements}.${field}`)
    }
  }
}

/**
 * Views are not implemented: `create` with `viewOn` fails with CommandNotSupported (115) rather
 * than creating an empty collection that would silently answer every read with nothing.
 */
export function assertNoView(name: string, command: Document): void {
  if (name !== 'create' || command.viewOn === undefined) return
  throw new MongoCommandError(
    commandNotSupportedCode,
    `views are not supported by the in-process MongoDB server: cannot create '${String(command.create)}' with viewOn '${String(command.viewOn)}'`,
  )
}

/** The checks mongod makes while parsing a command, before running it. */
export function validateCommand(name: string, command: Document): void {
  assertKnownFields(name, command)
  assertNoView(name, command)
}
