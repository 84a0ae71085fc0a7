import { Long } from 'bson'
import { type Document, numberArgument } from '../bson-values.js'
import { errorCodes, MongoCommandError, toCommandError } from '../errors.js'
import { refuseUnsupportedOptions } from '../query/command-options.js'
import { CommandContext, type CommandHandler } from './command-context.js'
import { deleteWith, insertOne, updateWith } from './write-commands.js'

interface Namespace {
  database: string
  collection: string
}

function parseNamespaces(nsInfo: unknown): Namespace[] {
  if (!Array.isArray(nsInfo))
    throw new MongoCommandError(errorCodes.failedToParse, "'nsInfo' must be an array")
  return nsInfo.map((entry) => {
    const ns = String((entry as Document).ns)
    const dot = ns.indexOf('.')
    return { database: ns.slice(0, dot), collection: ns.slice(dot + 1) }
  })
}

/**
 * The `bulkWrite` admin command of MongoDB 8 (sent by `MongoClient.bulkWrite`), with its operations
 * in the `ops` and `nsInfo` document sequences. Each operation names its namespace by index.
 */
const bulkWrite: CommandHandler = (outer) => {
  const command = outer.command
  refuseUnsupportedOptions({ let: command.let }, 'bulkWrite')
  const namespaces = parseNamespaces(command.nsInfo)
  const operations = Array.isArray(command.ops) ? (command.ops as Document[]) : []
  const ordered = command.ordered !== false
  const errorsOnly = command.errorsOnly === true
  const totals = { nInserted: 0, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0 }
  const results: Document[] = []
  let nErrors = 0
  const contexts = new Map<number, CommandContext>()
  const contextFor = (index: number) => {
    let context = contexts.get(index)
    if (context === undefined) {
      const namespace = namespaces[index]
      if (namespace === undefined)
        throw new MongoCommandError(errorCodes.badValue, `no nsInfo entry ${index}`)
      context = new CommandContext(
        outer.server,
        command,
        namespace.database,
        outer.session,
        outer.transaction,
      )
      contexts.set(index, context)
    }
    return { context, collection: namespaces[index]!.collection }
  }
  for (const [idx, operation] of operations.entries()) {
    try {
      if ('insert' in operation) {
        const { context, collection } = contextFor(numberArgument(operation.insert, 0))
        insertOne(context, collection, operation.document)
        totals.nInserted += 1
        if (!errorsOnly) results.push({ ok: 1, idx, n: 1 })
      } else if ('update' in operation) {
        const { context, collection } = contextFor(numberArgument(operation.update, 0))
        const outcome = updateWith(context, collection, {
          q: operation.filter,
          u: operation.updateMods,
          upsert: operation.upsert,
          multi: operation.multi,
          arrayFilters: operation.arrayFilters,
          sort: operation.sort,
          collation: operation.collation,
          hint: operation.hint,
        })
        totals.nMatched += outcome.matched
        totals.nModified += outcome.modified
        if (outcome.upsertedId !== undefined) totals.nUpserted += 1
        if (!errorsOnly) {
          const result: Document = {
            ok: 1,
            idx,
            n: outcome.matched + (outcome.upsertedId === undefined ? 0 : 1),
            nModified: outcome.modified,
          }
          if (outcome.upsertedId !== undefined) result.upserted = { _id: outcome.upsertedId }
          results.push(result)
        }
      } else if ('delete' in operation) {
        const { context, collection } = contextFor(numberArgument(operation.delete, 0))
        const deleted = deleteWith(
          context,
          collection,
          { q: operation.filter, collation: operation.collation, hint: operation.hint },
          operation.multi === true,
        )
        totals.nDeleted += deleted
        if (!errorsOnly) results.push({ ok: 1, idx, n: deleted })
      } else {
        throw new MongoCommandError(errorCodes.failedToParse, 'Unrecognized bulkWrite operation')
      }
    } catch (error) {
      const commandError = toCommandError(error)
      if (outer.transaction !== undefined) throw commandError
      nErrors += 1
      const { errorLabels: _labels, ok: _ok, ...reply } = commandError.toReply()
      results.push({ ok: 0, idx, ...reply })
      if (ordered) break
    }
  }
  return {
    ok: 1,
    cursor: { id: Long.ZERO, firstBatch: results, ns: 'admin.$cmd.bulkWrite' },
    nErrors,
    ...totals,
  }
}

export const bulkWriteCommands: Record<string, CommandHandler> = { bulkWrite }
