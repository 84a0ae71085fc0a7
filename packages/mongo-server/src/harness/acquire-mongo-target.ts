import { startMongoServer } from '../server/start-mongo-server.js'
import { hasLocalMongodBinary } from './find-mongod-binary.js'
import type { MongoCapabilities, MongoTarget, MongoTargetKind } from './mongo-target.js'
import { redactUri } from './redact-uri.js'

const forcedTargetVariable = 'MONGO_TARGET'
/** Set in the environment after mongodb-memory-server failed once, so later files do not retry. */
const memoryServerFailedVariable = 'DURABL_MONGO_MEMORY_SERVER_FAILED'

interface ActiveTarget {
  target: MongoTarget
  users: number
  stop: () => Promise<void>
}

let active: Promise<ActiveTarget> | undefined
let announced = false

async function detectCapabilities(connectionString: string): Promise<MongoCapabilities> {
  const { MongoClient } = await import('mongodb')
  const client = new MongoClient(connectionString, { serverSelectionTimeoutMS: 10_000 })
  try {
    const hello = await client.db('admin').command({ hello: 1 })
    const replicaSet = typeof hello.setName === 'string'
    const sharded = hello.msg === 'isdbgrid'
    return { replicaSet, changeStreams: replicaSet || sharded, transactions: replicaSet || sharded }
  } finally {
    await client.close()
  }
}

async function startInProcess(): Promise<ActiveTarget> {
  const server = await startMongoServer({ replSet: 'rs0' })
  return {
    target: {
      kind: 'in-process',
      uri: server.uri,
      connectionString: server.uri,
      capabilities: { replicaSet: true, changeStreams: true, transactions: true },
      server,
    },
    users: 0,
    stop: () => server.stop(),
  }
}

async function startMemoryServer(): Promise<ActiveTarget> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server-core')
  const replicaSet = await MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } })
  const connectionString = replicaSet.getUri()
  return {
    target: {
      kind: 'memory-server',
      uri: redactUri(connectionString),
      connectionString,
      capabilities: { replicaSet: true, changeStreams: true, transactions: true },
      server: null,
    },
    users: 0,
    stop: async () => {
      await replicaSet.stop()
    },
  }
}

async function useUrl(connectionString: string): Promise<ActiveTarget> {
  return {
    target: {
      kind: 'url',
      uri: redactUri(connectionString),
      connectionString,
      capabilities: await detectCapabilities(connectionString),
      server: null,
    },
    users: 0,
    stop: async () => {},
  }
}

function forcedKind(): MongoTargetKind | undefined {
  const value = process.env[forcedTargetVariable]
  if (value === undefined || value === '') return undefined
  if (value === 'in-process' || value === 'memory-server' || value === 'url') return value
  throw new Error(
    `${forcedTargetVariable} must be one of in-process, memory-server, url; got ${JSON.stringify(value)}`,
  )
}

/** MONGO_URL, else mongodb-memory-server when a mongod is at hand, else the in-process server. */
async function chooseTarget(): Promise<ActiveTarget> {
  const forced = forcedKind()
  const url = process.env.MONGO_URL
  if (forced === 'url' || (forced === undefined && url)) {
    if (!url) throw new Error(`${forcedTargetVariable}=url needs MONGO_URL to be set`)
    return useUrl(url)
  }
  if (forced === 'in-process') return startInProcess()
  if (forced === 'memory-server') {
    try {
      return await startMemoryServer()
    } catch (error) {
      throw new Error(
        `${forcedTargetVariable}=memory-server, but mongodb-memory-server could not start: ${String(error)}`,
      )
    }
  }
  if (process.env[memoryServerFailedVariable] !== '1' && hasLocalMongodBinary()) {
    try {
      return await startMemoryServer()
    } catch (error) {
      process.env[memoryServerFailedVariable] = '1'
      console.info(
        `[durabl mongo harness] mongodb-memory-server failed (${String(error)}); using the in-process server`,
      )
    }
  }
  return startInProcess()
}

/**
 * Gets the MongoDB target for this process, starting it on first use; pair with
 * releaseMongoTarget. Works without vitest (example app, benchmarks).
 */
export async function acquireMongoTarget(): Promise<MongoTarget> {
  active ??= chooseTarget()
  let current: ActiveTarget
  try {
    current = await active
  } catch (error) {
    active = undefined
    throw error
  }
  current.users += 1
  if (!announced) {
    announced = true
    console.info(`[durabl mongo harness] MongoDB target: ${current.target.kind} ${current.target.uri}`)
  }
  return current.target
}

/** Releases a target from acquireMongoTarget; the last release stops a server the harness started. */
export async function releaseMongoTarget(target: MongoTarget): Promise<void> {
  const pending = active
  if (pending === undefined) return
  const current = await pending
  if (current.target !== target) return
  current.users -= 1
  if (current.users > 0) return
  active = undefined
  announced = false
  await current.stop()
}
