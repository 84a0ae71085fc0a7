import type { Db } from 'mongodb'
import { commandComment } from '../command-comment.js'

/** What the server can do for push and transactions. */
export interface Topology {
  /** A replica set member or a mongos: change streams and transactions are available. */
  changeStreams: boolean
  /** Why not, in words for a fallback status or a startup error. */
  reason: string | null
}

/** Asks the server (one `hello`) whether it is a replica set, a sharded cluster or a standalone. */
export async function detectTopology(db: Db): Promise<Topology> {
  const hello = await db.admin().command({ hello: 1, comment: commandComment('detectTopology') })
  if (typeof hello.setName === 'string') return { changeStreams: true, reason: null }
  if (hello.msg === 'isdbgrid') return { changeStreams: true, reason: null }
  return {
    changeStreams: false,
    reason:
      'the server is a standalone mongod, and change streams need a replica set (a single-node one is enough)',
  }
}
