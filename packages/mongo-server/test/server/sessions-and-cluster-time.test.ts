import type { CommandSucceededEvent, Document, Timestamp } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

function isTimestamp(value: unknown): value is Timestamp {
  return (value as { _bsontype?: unknown } | null)?._bsontype === 'Timestamp'
}

// A replica set member stamps every reply with the cluster's logical time: `$clusterTime` and
// `operationTime`, never Timestamp(0, 0), and never going backwards; a causally consistent
// session sends the `operationTime` of its last operation as `readConcern.afterClusterTime`, so it
// reads its own writes. Sources: the manual's "Causal Consistency and Read and Write Concerns"
// (core/causal-consistency-read-write-concerns) and the driver sessions spec (causal consistency,
// "operationTime"). This test is first in its file so that it runs on a fresh server.
describe('cluster time', () => {
  it('stamps every reply, inside transactions too, with a real increasing cluster time', async (context) => {
    mongo.require(context, 'transactions')
    const client = await mongo.newClient({ monitorCommands: true })
    const replies: { name: string; reply: Document }[] = []
    const sent: Document[] = []
    client.on('commandSucceeded', (event: CommandSucceededEvent) =>
      replies.push({ name: event.commandName, reply: event.reply as Document }),
    )
    client.on('commandStarted', (event) => sent.push(event.command))
    const items = client.db((await mongo.db()).databaseName).collection('items')
    const session = client.startSession({ causalConsistency: true })
    try {
      session.startTransaction()
      await items.insertOne({ _id: 1 } as never, { session })
      await session.commitTransaction()
      await items.insertOne({ _id: 2 } as never, { session })
      expect(await items.countDocuments({}, { session })).toBe(2)
    } finally {
      await session.endSession()
    }
    const stamped = replies.filter(({ name }) => ['insert', 'commitTransaction', 'aggregate'].includes(name))
    expect(stamped.map(({ name }) => name)).toEqual(['insert', 'commitTransaction', 'insert', 'aggregate'])
    let previous: Timestamp | undefined
    for (const { name, reply } of stamped) {
      const operationTime = reply.operationTime
      const clusterTime = (reply.$clusterTime as Document | undefined)?.clusterTime
      if (!isTimestamp(operationTime) || !isTimestamp(clusterTime))
        throw new Error(`${name} reply lacks operationTime or $clusterTime`)
      expect(operationTime.t, `${name} operationTime seconds`).toBeGreaterThan(0)
      expect(
        clusterTime.compare(operationTime),
        `${name} $clusterTime ≥ operationTime`,
      ).toBeGreaterThanOrEqual(0)
      if (previous !== undefined)
        expect(
          operationTime.compare(previous),
          `${name} operationTime never goes back`,
        ).toBeGreaterThanOrEqual(0)
      previous = operationTime
    }
    // The read after the second insert waits for that insert's operation time.
    const read = sent.find((command) => command.aggregate === 'items')
    const secondInsert = stamped[2]!.reply.operationTime as Timestamp
    expect((read?.readConcern as Document | undefined)?.afterClusterTime).toEqual(secondInsert)
  })
})

// `$listLocalSessions` (aggregate: 1 on the admin database, first stage) lists the sessions this
// mongod has in memory, as documents with `_id: { id, uid }` and `lastUse`; `{}` lists the
// caller's sessions, `{ allUsers: true }` everyone's. Every command that names a session registers
// it. Sources: the manual page reference/operator/aggregation/listLocalSessions; crud spec test
// db-aggregate.json "Aggregate with $listLocalSessions".
describe('$listLocalSessions', () => {
  it('lists a session the client used', async () => {
    const admin = mongo.client().db('admin')
    const session = mongo.client().startSession()
    try {
      await admin.command({ ping: 1 }, { session })
      const sessionId = session.id?.id
      for (const specification of [{}, { allUsers: true }]) {
        const sessions = await admin.aggregate([{ $listLocalSessions: specification }]).toArray()
        const listed = sessions.find((entry) => entry._id.id.toString('hex') === sessionId?.toString('hex'))
        expect(listed, JSON.stringify(specification)).toBeDefined()
        expect(listed?.lastUse).toBeInstanceOf(Date)
        expect(listed?._id.uid.length()).toBe(32)
      }
      const projected = await admin
        .aggregate([{ $listLocalSessions: {} }, { $limit: 1 }, { $project: { _id: 0, dummy: 'x' } }])
        .toArray()
      expect(projected).toEqual([{ dummy: 'x' }])
    } finally {
      await session.endSession()
    }
  })
})
