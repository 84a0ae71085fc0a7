// createEntities: clients (with command monitoring), databases, collections, sessions.
import { BSON, MongoClient, ReadConcern, ReadPreference, WriteConcern } from 'mongodb'

/** Commands the unified format never shows to tests (security-sensitive or test plumbing). */
const HIDDEN_COMMANDS = new Set([
  'authenticate',
  'saslStart',
  'saslContinue',
  'getnonce',
  'createUser',
  'updateUser',
  'copydbgetnonce',
  'copydbsaslstart',
  'copydb',
  'hello',
  'ismaster',
  'isMaster',
  'configureFailPoint',
])

const COMMAND_EVENTS = {
  commandStartedEvent: 'commandStarted',
  commandSucceededEvent: 'commandSucceeded',
  commandFailedEvent: 'commandFailed',
}
const CMAP_EVENTS = {
  poolCreatedEvent: 'connectionPoolCreated',
  poolReadyEvent: 'connectionPoolReady',
  poolClearedEvent: 'connectionPoolCleared',
  poolClosedEvent: 'connectionPoolClosed',
  connectionCreatedEvent: 'connectionCreated',
  connectionReadyEvent: 'connectionReady',
  connectionClosedEvent: 'connectionClosed',
  connectionCheckOutStartedEvent: 'connectionCheckOutStarted',
  connectionCheckOutFailedEvent: 'connectionCheckOutFailed',
  connectionCheckedOutEvent: 'connectionCheckedOut',
  connectionCheckedInEvent: 'connectionCheckedIn',
}

/** Driver options from the unified format's read/write concern and read preference shapes. */
export function concernOptions(source = {}) {
  const options = {}
  if (source.readConcern) options.readConcern = new ReadConcern(source.readConcern.level)
  if (source.writeConcern)
    options.writeConcern = WriteConcern.fromOptions({ writeConcern: source.writeConcern })
  if (source.readPreference) {
    const { mode, tagSets, maxStalenessSeconds, hedge } = source.readPreference
    options.readPreference = new ReadPreference(mode, tagSets, { maxStalenessSeconds, hedge })
  }
  if (source.timeoutMS !== undefined) options.timeoutMS = source.timeoutMS
  if (source.maxCommitTimeMS !== undefined) options.maxCommitTimeMS = source.maxCommitTimeMS
  return options
}

function clientUri(baseUri, uriOptions = {}) {
  const url = new URL(baseUri)
  for (const [key, value] of Object.entries(uriOptions)) {
    if (typeof value === 'object') throw new Error(`uriOptions.${key} is not a scalar: unsupported`)
    url.searchParams.set(key, String(value))
  }
  return url.toString()
}

/**
 * A copy of an event as it was when emitted: the driver shares some objects between commands
 * (a transaction's readConcern) and mutates them later (afterClusterTime).
 */
function snapshot(event) {
  const copy = {
    commandName: event.commandName,
    databaseName: event.databaseName,
    requestId: event.requestId,
  }
  for (const field of ['command', 'reply']) {
    if (event[field] === undefined) continue
    try {
      copy[field] = BSON.deserialize(BSON.serialize(event[field], { ignoreUndefined: true }))
    } catch {
      copy[field] = event[field]
    }
  }
  if (event.failure) copy.failure = event.failure
  return copy
}

export class EntityMap extends Map {
  constructor(uri) {
    super()
    this.uri = uri
    /** client id → { events: [], observed: Set } */
    this.clientEvents = new Map()
    this.changeStreams = []
  }

  async create(definitions) {
    for (const definition of definitions) {
      const [kind, spec] = Object.entries(definition)[0]
      if (this.has(spec.id)) throw new Error(`entity ${spec.id} already exists`)
      this.set(spec.id, await this.#build(kind, spec))
    }
  }

  async #build(kind, spec) {
    switch (kind) {
      case 'client': {
        const client = new MongoClient(clientUri(this.uri, spec.uriOptions), {
          monitorCommands: true,
          serverSelectionTimeoutMS: 10_000,
          ...(spec.serverApi ? { serverApi: spec.serverApi } : {}),
        })
        const observed = new Set(spec.observeEvents ?? [])
        const ignored = new Set(spec.ignoreCommandMonitoringEvents ?? [])
        const record = { events: [], cmap: [] }
        this.clientEvents.set(spec.id, record)
        for (const [name, driverEvent] of Object.entries(COMMAND_EVENTS)) {
          if (!observed.has(name)) continue
          client.on(driverEvent, (event) => {
            if (HIDDEN_COMMANDS.has(event.commandName) || ignored.has(event.commandName)) return
            record.events.push({ type: name, event: snapshot(event) })
          })
        }
        for (const [name, driverEvent] of Object.entries(CMAP_EVENTS)) {
          if (observed.has(name)) client.on(driverEvent, (event) => record.cmap.push({ type: name, event }))
        }
        return client // connects on first use, as a test's read preference may select no server yet
      }
      case 'database':
        return this.#get(spec.client).db(spec.databaseName, concernOptions(spec.databaseOptions))
      case 'collection':
        return this.#get(spec.database).collection(
          spec.collectionName,
          concernOptions(spec.collectionOptions),
        )
      case 'session': {
        const options = { ...(spec.sessionOptions ?? {}) }
        if (options.defaultTransactionOptions)
          options.defaultTransactionOptions = concernOptions(options.defaultTransactionOptions)
        const session = this.#get(spec.client).startSession(options)
        session.id // the lsid exists from the start, for $$sessionLsid
        return session
      }
      default:
        throw new Error(`unsupported entity type ${kind}`)
    }
  }

  #get(id) {
    if (!this.has(id)) throw new Error(`no entity ${id}`)
    return this.get(id)
  }

  async close() {
    for (const stream of this.changeStreams) await stream.close().catch(() => {})
    for (const value of this.values()) {
      if (value?.constructor?.name === 'ClientSession') await value.endSession().catch(() => {})
    }
    for (const value of this.values()) if (value instanceof MongoClient) await value.close().catch(() => {})
  }
}
