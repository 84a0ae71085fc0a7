import { Aggregator } from 'mingo'
import { type Document, isPlainObject, numberArgument, plainView, toPlain } from '../bson-values.js'
import { errorCodes, MongoCommandError, toCommandError } from '../errors.js'
import { assertHint, refuseUnsupportedOptions } from '../query/command-options.js'
import { deadlineCheck } from '../query/deadline.js'
import { selectRecords } from '../query/select-records.js'
import { startChangeStream } from './change-stream-commands.js'
import type { CommandContext, CommandHandler } from './command-context.js'
import { firstBatchReply } from './cursor-replies.js'
import { listLocalSessions } from './list-local-sessions.js'

const unsupportedStages = new Set([
  '$out',
  '$merge',
  '$currentOp',
  '$listSessions',
  '$indexStats',
  '$collStats',
])

/**
 * Leading `$match`, `$sort`, `$skip` and `$limit` stages run on the stored documents (with index
 * lookups, keeping BSON types); the rest of the pipeline runs in mingo on plain values.
 */
function runPipeline(context: CommandContext, collectionName: string, pipeline: Document[]): Document[] {
  let filter: Document = {}
  let sort: Document | undefined
  let skip = 0
  let limit = 0
  let consumed = 0
  for (const stage of pipeline) {
    if ('$match' in stage && consumed === 0) filter = stage.$match as Document
    else if ('$sort' in stage && sort === undefined && skip === 0 && limit === 0)
      sort = stage.$sort as Document
    else if ('$skip' in stage && limit === 0) skip += numberArgument(stage.$skip, 0)
    else if ('$limit' in stage)
      limit = limit === 0 ? numberArgument(stage.$limit, 0) : Math.min(limit, numberArgument(stage.$limit, 0))
    else break
    consumed += 1
  }
  const interrupt = deadlineCheck(context.command)
  const records = selectRecords(context.readCollection(collectionName), filter, {
    sort,
    skip,
    limit,
    interrupt,
  })
  const rest = pipeline.slice(consumed)
  if (rest.length === 0) return records.map((record) => record.document)
  const collectionResolver = (name: string) =>
    [...(context.readCollection(name)?.records.values() ?? [])].map((record) => plainView(record.document))
  try {
    const output = new Aggregator(toPlain(rest) as Document[], { collectionResolver }).run(
      records.map((record) => plainView(record.document)),
    ) as Document[]
    interrupt?.()
    return output
  } catch (error) {
    throw toCommandError(error)
  }
}

const aggregate: CommandHandler = (context) => {
  const command = context.command
  const pipeline = command.pipeline
  if (!Array.isArray(pipeline) || !pipeline.every(isPlainObject)) {
    throw new MongoCommandError(errorCodes.typeMismatch, "'pipeline' option must be specified as an array")
  }
  if (command.explain === true)
    throw new MongoCommandError(errorCodes.commandNotFound, 'explain is not supported')
  const collectionName = typeof command.aggregate === 'string' ? command.aggregate : undefined
  if (pipeline[0] !== undefined && '$changeStream' in pipeline[0])
    return startChangeStream(context, collectionName, pipeline)
  if (pipeline[0] !== undefined && '$listLocalSessions' in pipeline[0])
    return listLocalSessions(context, pipeline)
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0] ?? ''
    if (name === '$changeStream') {
      throw new MongoCommandError(40602, '$changeStream is only valid as the first stage in a pipeline.')
    }
    if (unsupportedStages.has(name)) {
      throw new MongoCommandError(
        errorCodes.badValue,
        `${name} is not supported by the in-process MongoDB server`,
      )
    }
  }
  if (collectionName === undefined) {
    throw new MongoCommandError(
      errorCodes.invalidOptions,
      'aggregate: 1 is only supported with $changeStream',
    )
  }
  refuseUnsupportedOptions(command, 'aggregate')
  assertHint(context.readCollection(collectionName), command.hint)
  const documents = runPipeline(context, collectionName, pipeline)
  const cursorOptions = (command.cursor ?? {}) as Document
  const batchSize =
    cursorOptions.batchSize === undefined ? undefined : numberArgument(cursorOptions.batchSize, 101)
  return firstBatchReply(context, `${context.database}.${collectionName}`, documents, batchSize, false)
}

export const aggregateCommands: Record<string, CommandHandler> = { aggregate }
