import { useMongo } from '@durabl/mongo-server/harness'
import type { CommandStartedEvent } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const error = {
  name: 'LeaseExpiredError',
  message: 'lease expired',
  code: 'LEASE_EXPIRED',
  stack: null,
  fatal: false,
  at: new Date(T0),
}

/** What an idle process costs the database: counted in commands, never timed. */
describe('idle cost', () => {
  it('a recovery that finds nothing expired costs one command', async () => {
    const db = await mongo.db()
    const client = await mongo.newClient({ monitorCommands: true })
    const backend = new MongoBackend({ db: client.db(db.databaseName), useChangeStreams: false })
    await backend.startup()
    const commands: string[] = []
    const listener = (event: CommandStartedEvent) => {
      if (!['hello', 'ismaster', 'isMaster', 'endSessions'].includes(event.commandName))
        commands.push(event.commandName)
    }
    client.on('commandStarted', listener)
    try {
      expect(await backend.recoverExpiredLeases({ now: new Date(T0), error })).toEqual({
        recovered: 0,
        failed: 0,
        cancelled: 0,
      })
      expect(commands).toEqual(['find'])
    } finally {
      client.off('commandStarted', listener)
      await backend.shutdown()
    }
  })

  it('an idle change stream asks the server to hold each getMore for changeStreamAwaitMs', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    const client = await mongo.newClient({ monitorCommands: true })
    const backend = new MongoBackend({ db: client.db(db.databaseName), changeStreamAwaitMs: 2_500 })
    await backend.startup()
    const getMores: CommandStartedEvent[] = []
    const listener = (event: CommandStartedEvent) => {
      if (event.commandName === 'getMore') getMores.push(event)
    }
    client.on('commandStarted', listener)
    const subscription = await backend.subscribe!({ types: ['job'], onWake: () => {}, onStatus: () => {} })
    try {
      await waitUntil(() => getMores.length > 0, 'the stream to wait on the server')
      expect(getMores[0]!.command.maxTimeMS).toBe(2_500)
    } finally {
      client.off('commandStarted', listener)
      await subscription.close()
      await backend.shutdown()
    }
  })
})
