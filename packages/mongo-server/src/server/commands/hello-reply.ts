import { Long, ObjectId } from 'bson'
import type { Document } from '../bson-values.js'
import type { ServerState } from '../server-state.js'

/** Reported as the server version; wire version 21 is what MongoDB 7.0 speaks. */
export const reportedVersion = '7.0.14'
export const maxWireVersion = 21

const electionId = new ObjectId('7fffffff0000000000000001')

/** The answer to hello/isMaster: a single-node replica set primary, or a standalone. */
export function helloReply(server: ServerState, connectionId: number, legacy: boolean): Document {
  const writable = server.isWritablePrimary
  const reply: Document = { helloOk: true }
  if (legacy) reply.ismaster = writable
  else reply.isWritablePrimary = writable
  reply.topologyVersion = { processId: server.processId, counter: Long.fromNumber(server.topologyCounter) }
  if (server.isReplicaSet) {
    const now = new Date()
    Object.assign(reply, {
      hosts: [server.address],
      setName: server.options.replicaSetName,
      setVersion: 1,
      secondary: !writable,
      ...(writable ? { primary: server.address } : {}),
      me: server.address,
      electionId,
      lastWrite: {
        opTime: { ts: server.changeLog.currentTime(), t: Long.fromNumber(1) },
        lastWriteDate: now,
        majorityOpTime: { ts: server.changeLog.currentTime(), t: Long.fromNumber(1) },
        majorityWriteDate: now,
      },
    })
  }
  Object.assign(reply, {
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    minWireVersion: 0,
    maxWireVersion,
    readOnly: false,
    ok: 1,
  })
  return reply
}
