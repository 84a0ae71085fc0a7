import type { Db, MongoClient, MongoClientOptions } from 'mongodb'
import type { MongoServer } from '../server/start-mongo-server.js'
import { acquireMongoTarget, releaseMongoTarget } from './acquire-mongo-target.js'
import type { MongoCapabilities, MongoTarget } from './mongo-target.js'

export type MongoCapability = keyof MongoCapabilities

/** The part of vitest's test context the harness needs to skip a test with a reason. */
export interface SkippableContext {
  skip(note?: string): void
}

export interface MongoHarness {
  readonly target: MongoTarget
  /** The in-process server when the target is in-process (for fault injection); null otherwise. */
  readonly server: MongoServer | null
  /** A client shared by the tests of this file. */
  client(): MongoClient
  /** A fresh database for the current test, dropped after it. */
  db(): Promise<Db>
  /** An extra client (own connection pool), closed after the file. */
  newClient(options?: MongoClientOptions): Promise<MongoClient>
  /** Why the target cannot run a test needing these capabilities, or undefined if it can. */
  missing(...capabilities: (MongoCapability | 'inProcessServer')[]): string | undefined
  /** Skips the current test, with the reason, unless the target has these capabilities. */
  require(context: SkippableContext, ...capabilities: (MongoCapability | 'inProcessServer')[]): void
}

let databaseCounter = 0

function databaseName(): string {
  databaseCounter += 1
  const random = Math.random().toString(36).slice(2, 8)
  return `test_${process.pid}_${databaseCounter}_${random}`
}

/**
 * Registers vitest hooks for this test file: the target is acquired now (top-level await),
 * clients are closed and the target released after the file, each test's databases dropped
 * after the test. vitest is imported here, lazily, so the rest of the harness works without it.
 */
export async function useMongo(clientOptions: MongoClientOptions = {}): Promise<MongoHarness> {
  const { afterAll, afterEach } = await import('vitest')
  const { MongoClient } = await import('mongodb')
  const target = await acquireMongoTarget()
  const clients: MongoClient[] = []
  const databases: Db[] = []
  const connect = async (options: MongoClientOptions) => {
    const client = new MongoClient(target.connectionString, {
      serverSelectionTimeoutMS: 10_000,
      ...clientOptions,
      ...options,
    })
    clients.push(client)
    await client.connect()
    return client
  }
  const shared = await connect({})

  afterEach(async () => {
    const dropping = databases.splice(0)
    await Promise.all(dropping.map((database) => database.dropDatabase().catch(() => undefined)))
  })
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close(true).catch(() => undefined)))
    await releaseMongoTarget(target)
  })

  const missing = (...capabilities: (MongoCapability | 'inProcessServer')[]) => {
    for (const capability of capabilities) {
      if (capability === 'inProcessServer') {
        if (target.server === null) return `needs the in-process MongoDB server (target is ${target.kind})`
      } else if (!target.capabilities[capability]) {
        return `needs ${capability}, which the ${target.kind} target (${target.uri}) lacks`
      }
    }
    return undefined
  }

  return {
    target,
    server: target.server,
    client: () => shared,
    async db() {
      const database = shared.db(databaseName())
      databases.push(database)
      return database
    },
    newClient: (options = {}) => connect(options),
    missing,
    require(context, ...capabilities) {
      const reason = missing(...capabilities)
      if (reason !== undefined) context.skip(reason)
    },
  }
}
