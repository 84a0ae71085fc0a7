import type { MongoServer } from '../server/start-mongo-server.js'

export type MongoTargetKind = 'in-process' | 'memory-server' | 'url'

/** What the target can do; tests needing more are skipped with the reason. */
export interface MongoCapabilities {
  replicaSet: boolean
  changeStreams: boolean
  transactions: boolean
}

export interface MongoTarget {
  readonly kind: MongoTargetKind
  /** Connection string with credentials redacted: safe to print. */
  readonly uri: string
  /** The connection string to give the driver (may contain credentials: do not print). */
  readonly connectionString: string
  readonly capabilities: MongoCapabilities
  /** The in-process server (for fault injection) when kind is 'in-process'; null otherwise. */
  readonly server: MongoServer | null
}
