import { createServer, type Server, type Socket } from 'node:net'
import { ClientConnection } from './client-connection.js'
import { createFaults, type MongoServerFaults } from './faults.js'
import { type ResolvedMongoServerOptions, ServerState } from './server-state.js'
import { defaultTransactionLifetimeLimitSeconds } from './transactions/transaction-table.js'
import { removeExpiredDocuments, startTtlMonitor } from './ttl-monitor.js'

/** mongod runs its TTL monitor every 60 seconds. */
export const defaultTtlMonitorIntervalMs = 60_000
/** How long a change-stream getMore without maxAwaitTimeMS waits, as mongod's default await. */
export const defaultChangeStreamAwaitMs = 1_000

export interface MongoServerOptions {
  /** TCP port; 0 picks a free one. @defaultValue 0 */
  port?: number
  /** Interface to bind. A test tool: keep it on loopback. @defaultValue '127.0.0.1' */
  host?: string
  /**
   * Replica set name. A single-node replica set supports change streams and transactions;
   * `false` gives a standalone server, which refuses both like a real one. @defaultValue 'rs0'
   */
  replSet?: string | false
  /** How often TTL indexes are enforced. @defaultValue 60_000 (as mongod) */
  ttlMonitorIntervalMs?: number
  /**
   * Open transactions older than this are aborted, as mongod's `transactionLifetimeLimitSeconds`
   * parameter (also settable at runtime with `setParameter`). A whole number, at least 1.
   * @defaultValue 60 (as mongod)
   */
  transactionLifetimeLimitSeconds?: number
}

export interface MongoServerStats {
  connections: number
  totalConnections: number
  openCursors: number
  sessions: number
  databases: number
  collections: number
  documents: number
  commands: Record<string, number>
}

export interface MongoServer {
  /** Connection string, with `?replicaSet=` in replica set mode. */
  readonly uri: string
  readonly host: string
  readonly port: number
  /** The replica set name, or undefined for a standalone server. */
  readonly replicaSetName: string | undefined
  readonly faults: MongoServerFaults
  /** Commands received, by name (hello and isMaster included). */
  readonly commandLog: ReadonlyMap<string, number>
  /** Called for every command, e.g. to count commands in a benchmark. */
  onCommand: ((name: string, command: unknown) => void) | undefined
  stats(): MongoServerStats
  /** Runs the TTL monitor now instead of waiting for its interval; returns documents removed. */
  expireNow(): number
  stop(): Promise<void>
}

function resolveOptions(options: MongoServerOptions): ResolvedMongoServerOptions {
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError(`port must be an integer 0-65535, got ${port}`)
  const ttlMonitorIntervalMs = options.ttlMonitorIntervalMs ?? defaultTtlMonitorIntervalMs
  if (!(ttlMonitorIntervalMs > 0)) {
    throw new RangeError(`ttlMonitorIntervalMs must be a positive number, got ${ttlMonitorIntervalMs}`)
  }
  const transactionLifetimeLimitSeconds =
    options.transactionLifetimeLimitSeconds ?? defaultTransactionLifetimeLimitSeconds
  if (!Number.isInteger(transactionLifetimeLimitSeconds) || transactionLifetimeLimitSeconds < 1) {
    throw new RangeError(
      `transactionLifetimeLimitSeconds must be a whole number of at least 1, got ${transactionLifetimeLimitSeconds}`,
    )
  }
  const replSet = options.replSet ?? 'rs0'
  return {
    port,
    host: options.host ?? '127.0.0.1',
    replicaSetName: replSet === false ? undefined : replSet,
    ttlMonitorIntervalMs,
    defaultAwaitMs: defaultChangeStreamAwaitMs,
    transactionLifetimeLimitSeconds,
  }
}

/**
 * Starts an in-memory MongoDB wire-protocol server for tests and demos: no persistence, no
 * authentication, loopback only by default. The official driver connects to `server.uri`.
 */
export async function startMongoServer(options: MongoServerOptions = {}): Promise<MongoServer> {
  const state = new ServerState(resolveOptions(options))
  const connections = new Set<ClientConnection>()
  let nextConnectionId = 1
  const listener: Server = createServer((socket: Socket) => {
    const connection = new ClientConnection(state, socket, nextConnectionId++)
    connections.add(connection)
    state.connectionCount += 1
    state.totalConnections += 1
    socket.on('close', () => {
      connections.delete(connection)
      state.connectionCount -= 1
    })
  })
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject)
    listener.listen(state.options.port, state.options.host, () => {
      listener.off('error', reject)
      resolve()
    })
  })
  const address = listener.address()
  const port = typeof address === 'object' && address !== null ? address.port : state.options.port
  const host = state.options.host.includes(':') ? `[${state.options.host}]` : state.options.host
  state.address = `${host}:${port}`
  const stopTtlMonitor = startTtlMonitor(state)
  const faults = createFaults(state, connections)
  const replicaSetName = state.options.replicaSetName
  const query = replicaSetName === undefined ? '' : `?replicaSet=${encodeURIComponent(replicaSetName)}`
  let stopped: Promise<void> | undefined

  const server: MongoServer = {
    uri: `mongodb://${state.address}/${query}`,
    host: state.options.host,
    port,
    replicaSetName,
    faults,
    commandLog: state.commandCounts,
    get onCommand() {
      return state.onCommand
    },
    set onCommand(hook) {
      state.onCommand = hook
    },
    stats() {
      const collections = state.catalog.allCollections()
      return {
        connections: state.connectionCount,
        totalConnections: state.totalConnections,
        openCursors: state.cursors.size,
        sessions: state.sessions.size,
        databases: state.catalog.databaseNames().length,
        collections: collections.length,
        documents: collections.reduce((total, collection) => total + collection.records.size, 0),
        commands: Object.fromEntries(state.commandCounts),
      }
    },
    expireNow: () => removeExpiredDocuments(state),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        stopTtlMonitor()
        faults.clear()
        state.sessions.endAll()
        state.changeLog.wakeAll()
        listener.close(() => resolve())
        for (const connection of [...connections]) connection.close()
      })
      return stopped
    },
  }
  return server
}
