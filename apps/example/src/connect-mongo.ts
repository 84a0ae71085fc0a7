import { redact } from '@durabl/mongo'
import { startMongoServer } from '@durabl/mongo-server'
import { MongoClient } from 'mongodb'

export interface MongoConnection {
  client: MongoClient
  /** Where the jobs live, safe to print. */
  description: string
  close(): Promise<void>
}

/**
 * `MONGO_URL` when set; otherwise the in-process server from `@durabl/mongo-server`, so the example
 * runs on a fresh machine with no MongoDB. The in-process server keeps nothing after exit.
 */
export async function connectMongo(env: NodeJS.ProcessEnv): Promise<MongoConnection> {
  if (env.MONGO_URL) {
    const client = await new MongoClient(env.MONGO_URL, { serverSelectionTimeoutMS: 10_000 }).connect()
    return {
      client,
      description: `${redact(env.MONGO_URL)} (MONGO_URL)`,
      close: () => client.close(),
    }
  }
  const server = await startMongoServer({ replSet: 'rs0' })
  const client = await new MongoClient(server.uri).connect()
  return {
    client,
    description: `${server.uri} (the in-process server from @durabl/mongo-server: nothing is kept after exit; set MONGO_URL for a real MongoDB)`,
    async close() {
      await client.close()
      await server.stop()
    },
  }
}
