import type { JobDocument } from '@durabl/mongo'
import { MONGO_DEFAULTS, MongoBackend, redact } from '@durabl/mongo'
import { type Collection, MongoClient, type MongoClientOptions } from 'mongodb'
import { CommandFailure, UsageError } from './cli-errors.js'

/** How long the CLI waits to find a server before it reports the connection failed. */
export const DEFAULT_TIMEOUT_MS = 5_000

/**
 * The database used when none is given (`--db`, `MONGO_DB`, the connection string path): the
 * one the root README's quick start writes to. `mongodb://127.0.0.1:27017/?replicaSet=rs0`, the
 * in-process server's form, names none.
 */
export const DEFAULT_DATABASE_NAME = 'durabl'

/** The connection options every command accepts (program-level options). */
export interface ConnectionFlags {
  uri?: string
  db?: string
  collection?: string
  timeoutMs?: number
}

export interface ResolvedConnection {
  /** The connection string as given: may hold credentials, never printed. */
  uri: string
  /** The connection string with credentials replaced by `***`: safe to print. */
  redactedUri: string
  databaseName: string
  /** True when no database was given and `DEFAULT_DATABASE_NAME` is used. */
  databaseDefaulted: boolean
  collectionName: string
  /** Undefined when the connection string sets `serverSelectionTimeoutMS` itself. */
  timeoutMs: number | undefined
}

export interface Connection {
  client: MongoClient
  backend: MongoBackend
  collection: Collection<JobDocument>
  resolved: ResolvedConnection
  close(): Promise<void>
}

const URI_PATTERN = /^mongodb(?:\+srv)?:\/\/[^/?]*(?:\/([^?]*))?/i

/** The database named in the connection string's path (`mongodb://host/app` → `app`), if any. */
export function databaseFromUri(uri: string): string | undefined {
  const path = URI_PATTERN.exec(uri)?.[1]
  if (path === undefined || path === '') return undefined
  return decodeURIComponent(path)
}

/**
 * Works out where to connect from the flags and the environment: `--uri` or `MONGO_URL`; `--db`,
 * `MONGO_DB`, the database in the URI path, or `durabl`; `--collection` (default `durabl_jobs`).
 */
export function resolveConnection(
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
): ResolvedConnection {
  const uri = flags.uri ?? env.MONGO_URL
  if (uri === undefined || uri.trim() === '') {
    throw new UsageError('no MongoDB connection string: pass --uri <uri> or set MONGO_URL')
  }
  // The value is not echoed: without a scheme, redaction cannot tell where a password is.
  if (!URI_PATTERN.test(uri)) {
    throw new UsageError(
      '--uri (or MONGO_URL) must be a connection string starting with mongodb:// or mongodb+srv://',
    )
  }
  const givenDatabase = flags.db ?? env.MONGO_DB ?? databaseFromUri(uri)
  if (givenDatabase === '') {
    throw new UsageError(
      `--db (or MONGO_DB) must not be empty (without it the database is "${DEFAULT_DATABASE_NAME}")`,
    )
  }
  const databaseName = givenDatabase ?? DEFAULT_DATABASE_NAME
  const collectionName = flags.collection ?? MONGO_DEFAULTS.collectionName
  if (collectionName === '' || collectionName.includes('$')) {
    throw new UsageError(
      `--collection must be a non-empty name without "$", got ${JSON.stringify(collectionName)}`,
    )
  }
  const uriSetsTimeout = /[?&]serverSelectionTimeoutMS=/i.test(uri)
  return {
    uri,
    redactedUri: redact(uri),
    databaseName,
    databaseDefaulted: givenDatabase === undefined,
    collectionName,
    timeoutMs: flags.timeoutMs ?? (uriSetsTimeout ? undefined : DEFAULT_TIMEOUT_MS),
  }
}

/**
 * Connects and builds a `MongoBackend` that creates nothing on its own (no indexes, no change
 * stream): the CLI only reads, and writes what the operator asked for. Every error message goes
 * through `redact`.
 */
export async function connect(resolved: ResolvedConnection): Promise<Connection> {
  const options: MongoClientOptions = { appName: 'durabl-cli' }
  if (resolved.timeoutMs !== undefined) options.serverSelectionTimeoutMS = resolved.timeoutMs
  let client: MongoClient
  try {
    client = new MongoClient(resolved.uri, options)
  } catch (error) {
    // The URI goes last: redaction of a credential parameter runs to the next whitespace.
    throw new UsageError(
      `invalid connection string: ${redact(messageOf(error))}\n  uri: ${resolved.redactedUri}`,
    )
  }
  try {
    await client.connect()
  } catch (error) {
    await client.close().catch(() => undefined)
    const waited =
      resolved.timeoutMs === undefined
        ? "(waited the connection string's serverSelectionTimeoutMS)"
        : `(waited ${resolved.timeoutMs}ms; see --timeout-ms)`
    const authentication = describeAuthenticationFailure(error, resolved)
    if (authentication !== undefined) throw new CommandFailure(authentication)
    throw new CommandFailure(
      `cannot connect to ${resolved.redactedUri} ${waited}: ${redact(messageOf(error))}`,
    )
  }
  const backend = new MongoBackend({
    db: client.db(resolved.databaseName),
    collectionName: resolved.collectionName,
    useChangeStreams: false,
    createIndexes: false,
  })
  return {
    client,
    backend,
    collection: backend.collection,
    resolved,
    close: () => client.close(),
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The user name in a connection string's userinfo (`mongodb://bob:…@host` → `bob`), if any. */
export function userFromUri(uri: string): string | undefined {
  const userinfo = /^mongodb(?:\+srv)?:\/\/([^/?]*)@/i.exec(uri)?.[1]
  if (userinfo === undefined) return undefined
  const user = userinfo.split(':')[0] ?? ''
  try {
    return decodeURIComponent(user)
  } catch {
    return user
  }
}

/**
 * Turns a driver error that means "these credentials were not accepted" into one line naming the
 * user, with the URI redacted: AuthenticationFailed (code 18), as mongod answers a wrong password;
 * and CommandNotFound (59) for `saslStart`/`saslContinue`/`authenticate` when the URI carries
 * credentials, as a server without authentication (such as the in-process test server) answers.
 * Undefined for any other error.
 */
export function describeAuthenticationFailure(
  error: unknown,
  resolved: ResolvedConnection,
): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code, message } = error as { code?: unknown; message?: unknown }
  const text = typeof message === 'string' ? message : ''
  const user = userFromUri(resolved.uri)
  const isAuthFailed = code === 18
  const isAuthUnsupported = code === 59 && user !== undefined && /sasl|authenticate/i.test(text)
  if (!isAuthFailed && !isAuthUnsupported) return undefined
  const who = user === undefined ? '' : ` for user ${JSON.stringify(user)}`
  const hint = isAuthUnsupported
    ? 'the server does not support authentication; remove the credentials from the connection string'
    : 'check the user name, the password and authSource'
  return `authentication failed${who} on ${resolved.redactedUri}: ${hint} (server: ${redact(text)})`
}
