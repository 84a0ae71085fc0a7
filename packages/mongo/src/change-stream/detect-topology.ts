import type { Db } from 'mongodb'
import { commandComment } from '../command-comment.js'

/** What the server can do for push and transactions. */
export interface Topology {
  /** A replica set member or a mongos: change streams are available. */
  changeStreams: boolean
  /** A replica set member or a mongos: multi-document transactions are available. */
  transactions: boolean
  /** The server is a mongos in front of a sharded cluster (hello answers `msg: 'isdbgrid'`). */
  sharded: boolean
  /** Why change streams are not available, in words for a fallback status or a startup error. */
  reason: string | null
}

/**
 * Asks the server (one `hello`) whether it is a replica set, a sharded cluster or a standalone.
 * mongod answers `setName` as a replica set member; mongos answers `msg: 'isdbgrid'` (MongoDB
 * manual, "hello": `msg` "contains the value isdbgrid when hello returns from a mongos instance").
 */
export async function detectTopology(db: Db): Promise<Topology> {
  const hello = await db.admin().command({ hello: 1, comment: commandComment('detectTopology') })
  if (hello.msg === 'isdbgrid')
    return { changeStreams: true, transactions: true, sharded: true, reason: null }
  if (typeof hello.setName === 'string')
    return { changeStreams: true, transactions: true, sharded: false, reason: null }
  return {
    changeStreams: false,
    transactions: false,
    sharded: false,
    reason:
      'the server is a standalone mongod, and change streams need a replica set (a single-node one is enough)',
  }
}
