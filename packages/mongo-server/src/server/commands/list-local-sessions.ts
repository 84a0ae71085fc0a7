import { createHash } from 'node:crypto'
import { Binary } from 'bson'
import { Aggregator } from 'mingo'
import { type Document, isPlainObject, numberArgument, plainView, toPlain } from '../bson-values.js'
import { errorCodes, MongoCommandError, toCommandError } from '../errors.js'
import type { CommandContext } from './command-context.js'
import { firstBatchReply } from './cursor-replies.js'

/**
 * A session's `uid` is the SHA-256 digest of its user's name; without authentication every
 * session belongs to the unauthenticated user, whose digest is that of the empty string.
 */
function userDigest(name: string): Binary {
  return new Binary(createHash('sha256').update(name).digest())
}

const unauthenticatedDigest = userDigest('')

/** InvalidNamespace. */
const invalidNamespaceCode = 73

/** The digests `$listLocalSessions` selects: the caller's (`{}`), anyone's (`allUsers`), or named users'. */
function selectedDigests(specification: unknown): Set<string> | 'all' {
  if (!isPlainObject(specification)) {
    throw new MongoCommandError(errorCodes.typeMismatch, '$listLocalSessions options must be an object')
  }
  for (const field of Object.keys(specification)) {
    if (field !== 'allUsers' && field !== 'users') {
      throw new MongoCommandError(40415, `BSON field '$listSessions.${field}' is an unknown field.`)
    }
  }
  if (specification.allUsers === true) {
    if (specification.users !== undefined) {
      throw new MongoCommandError(errorCodes.badValue, 'Cannot specify both allUsers and users')
    }
    return 'all'
  }
  if (specification.users === undefined) return new Set([unauthenticatedDigest.toString('hex')])
  if (!Array.isArray(specification.users)) {
    throw new MongoCommandError(errorCodes.typeMismatch, '$listLocalSessions users must be an array')
  }
  return new Set(
    specification.users.map((entry) => {
      const { user, db } = (entry ?? {}) as Document
      if (typeof user !== 'string' || typeof db !== 'string') {
        throw new MongoCommandError(
          errorCodes.typeMismatch,
          `$listLocalSessions users entries must be { user: <string>, db: <string> }, got ${JSON.stringify(entry)}`,
        )
      }
      return userDigest(`${user}@${db}`).toString('hex')
    }),
  )
}

/**
 * `aggregate: 1` whose first stage is `$listLocalSessions`: the sessions this server has seen
 * (every command naming an lsid registers one), as `{ _id: { id, uid }, lastUse }`, then the rest
 * of the pipeline.
 */
export function listLocalSessions(context: CommandContext, pipeline: Document[]): Document {
  if (context.command.aggregate !== 1 && numberArgument(context.command.aggregate, 0) !== 1) {
    throw new MongoCommandError(
      invalidNamespaceCode,
      '$listLocalSessions must be run against the database with {aggregate: 1}, not a collection',
    )
  }
  const [first, ...rest] = pipeline
  const digests = selectedDigests(first?.$listLocalSessions)
  const sessions =
    digests === 'all' || digests.has(unauthenticatedDigest.toString('hex'))
      ? context.server.sessions.all()
      : []
  const documents: Document[] = sessions.map((session) => ({
    _id: { id: session.lsid.id, uid: unauthenticatedDigest },
    lastUse: session.lastUse,
  }))
  let results = documents
  if (rest.length > 0) {
    try {
      results = new Aggregator(toPlain(rest) as Document[], {}).run(documents.map(plainView)) as Document[]
    } catch (error) {
      throw toCommandError(error)
    }
  }
  const cursorOptions = (context.command.cursor ?? {}) as Document
  const batchSize =
    cursorOptions.batchSize === undefined ? undefined : numberArgument(cursorOptions.batchSize, 101)
  return firstBatchReply(context, `${context.database}.$cmd.aggregate`, results, batchSize, false)
}
