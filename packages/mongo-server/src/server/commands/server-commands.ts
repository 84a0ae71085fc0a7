import { Long } from 'bson'
import type { Document } from '../bson-values.js'
import { MongoCommandError } from '../errors.js'
import type { CommandContext, CommandHandler } from './command-context.js'
import { helloReply, reportedVersion } from './hello-reply.js'

function hello(legacy: boolean): CommandHandler {
  return (context) => helloReply(context.server, Number(context.command.$connectionId ?? 0), legacy)
}

function buildInfo(): Document {
  return {
    version: reportedVersion,
    gitVersion: 'durabl-in-process',
    versionArray: reportedVersion.split('.').map(Number).concat(0),
    bits: 64,
    maxBsonObjectSize: 16 * 1024 * 1024,
    storageEngines: ['in-memory'],
    modules: [],
    ok: 1,
  }
}

function serverStatus(context: CommandContext): Document {
  const server = context.server
  const uptimeMs = Date.now() - server.startedAt
  return {
    host: server.address,
    version: reportedVersion,
    process: 'durabl-mongo-server',
    pid: Long.fromNumber(process.pid),
    uptime: Math.floor(uptimeMs / 1000),
    uptimeMillis: Long.fromNumber(uptimeMs),
    localTime: new Date(),
    connections: {
      current: server.connectionCount,
      available: 1_000_000,
      totalCreated: server.totalConnections,
    },
    opcounters: Object.fromEntries(server.commandCounts),
    ok: 1,
  }
}

function listDatabases(context: CommandContext): Document {
  const catalog = context.server.catalog
  const databases = catalog.databaseNames().map((name) => ({
    name,
    sizeOnDisk:
      catalog.collectionsOf(name).reduce((total, collection) => total + collection.records.size, 0) * 100,
    empty: false,
  }))
  if (context.command.nameOnly === true) return { databases: databases.map(({ name }) => ({ name })), ok: 1 }
  const totalSize = databases.reduce((total, database) => total + database.sizeOnDisk, 0)
  return { databases, totalSize, totalSizeMb: Math.round(totalSize / 1_048_576), ok: 1 }
}

function endSessions(context: CommandContext): Document {
  const key = 'endSessions' in context.command ? 'endSessions' : 'killSessions'
  const sessions = context.command[key]
  if (Array.isArray(sessions)) context.server.sessions.end(sessions)
  return { ok: 1 }
}

export const serverCommands: Record<string, CommandHandler> = {
  hello: hello(false),
  isMaster: hello(true),
  ismaster: hello(true),
  ping: () => ({ ok: 1 }),
  buildInfo,
  buildinfo: buildInfo,
  serverStatus,
  hostInfo: () => ({ system: { hostname: 'localhost' }, os: { type: process.platform }, ok: 1 }),
  whatsmyuri: () => ({ you: '127.0.0.1', ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  getCmdLineOpts: () => ({ argv: ['mongod'], parsed: {}, ok: 1 }),
  listDatabases,
  endSessions,
  killSessions: endSessions,
  refreshSessions: () => ({ ok: 1 }),
  getLastError: () => ({ ok: 1, err: null, n: 0 }),
  getFreeMonitoringStatus: () => ({ state: 'disabled', ok: 1 }),
  features: () => ({ ok: 1 }),
  replSetGetStatus: (context) => {
    if (!context.server.isReplicaSet) throw new MongoCommandError(76, 'not running with --replSet')
    return {
      set: context.server.options.replicaSetName,
      myState: context.server.isWritablePrimary ? 1 : 2,
      members: [
        { _id: 0, name: context.server.address, health: 1, state: 1, stateStr: 'PRIMARY', self: true },
      ],
      ok: 1,
    }
  },
}
