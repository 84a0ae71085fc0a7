import { ObjectId } from 'bson'
import { ChangeLog } from './change-streams/change-log.js'
import { CursorRegistry } from './cursors.js'
import { Catalog } from './storage/catalog.js'
import { SessionRegistry } from './transactions/session-registry.js'

export interface ResolvedMongoServerOptions {
  port: number
  host: string
  /** Replica set name, or undefined for a standalone server. */
  replicaSetName: string | undefined
  ttlMonitorIntervalMs: number
  /** How long a change-stream getMore waits for events when the client sends no maxAwaitTimeMS. */
  defaultAwaitMs: number
  /** Open transactions older than this are aborted (mongod's transactionLifetimeLimitSeconds). */
  transactionLifetimeLimitSeconds: number
}

/** Fault injection switches, read by the connection layer and the hello command. */
export interface FaultState {
  replyDelayMs: number
  hangingReplies: boolean
  notPrimaryUntil: number
}

/** Everything the commands of one server share. */
export class ServerState {
  readonly catalog = new Catalog()
  readonly cursors = new CursorRegistry()
  readonly changeLog = new ChangeLog()
  readonly sessions = new SessionRegistry(this.catalog)
  readonly faults: FaultState = { replyDelayMs: 0, hangingReplies: false, notPrimaryUntil: 0 }
  readonly commandCounts = new Map<string, number>()
  readonly processId = new ObjectId()
  readonly startedAt = Date.now()
  /** Bumped when the server's hello answer changes, so streaming hellos reply at once. */
  topologyCounter = 0
  private readonly topologyListeners = new Set<() => void>()
  /** host:port as clients dial it; hello must advertise exactly this. */
  address = ''
  connectionCount = 0
  totalConnections = 0
  onCommand: ((name: string, command: unknown) => void) | undefined

  constructor(readonly options: ResolvedMongoServerOptions) {
    this.sessions.transactions.lifetimeLimitSeconds = options.transactionLifetimeLimitSeconds
  }

  get isReplicaSet(): boolean {
    return this.options.replicaSetName !== undefined
  }

  get isWritablePrimary(): boolean {
    return Date.now() >= this.faults.notPrimaryUntil
  }

  topologyChanged(): void {
    this.topologyCounter += 1
    for (const listener of [...this.topologyListeners]) listener()
  }

  onTopologyChange(listener: () => void): () => void {
    this.topologyListeners.add(listener)
    return () => this.topologyListeners.delete(listener)
  }

  countCommand(name: string): void {
    this.commandCounts.set(name, (this.commandCounts.get(name) ?? 0) + 1)
  }
}
