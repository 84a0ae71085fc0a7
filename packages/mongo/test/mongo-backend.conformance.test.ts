import { useMongo } from '@durabl/mongo-server/harness'
import { runBackendConformance } from '@durabl/testing/conformance'
import type { ClientSession } from 'mongodb'
import { MongoBackend } from '../src/index.js'

const mongo = await useMongo()

runBackendConformance({
  name: `MongoBackend (${mongo.target.kind})`,
  async createBackend() {
    const db = await mongo.db()
    const backend = new MongoBackend({ db, useChangeStreams: 'auto' })
    return {
      backend,
      limits: {
        maxLogEntries: backend.options.maxLogEntries,
        maxErrorHistory: backend.options.maxErrorHistory,
      },
      transactions: mongo.target.capabilities.transactions
        ? {
            async begin() {
              const session = mongo.client().startSession()
              session.startTransaction()
              return session
            },
            async commit(session) {
              await (session as ClientSession).commitTransaction()
              await (session as ClientSession).endSession()
            },
            async abort(session) {
              await (session as ClientSession).abortTransaction()
              await (session as ClientSession).endSession()
            },
          }
        : undefined,
    }
  },
})
