// The operations of the CRUD, transactions and change-streams unified suites, on the driver's API.
import { concernOptions } from './entities.mjs'
import { match } from './match.mjs'

/** How long iterateUntilDocumentOrError waits for a change before failing the test. */
const ITERATE_TIMEOUT_MS = 10_000

/** Driver options from a unified operation's arguments (session entity, concerns, names). */
function options(args, entities, omit = []) {
  const out = {}
  for (const [key, value] of Object.entries(args ?? {})) {
    if (omit.includes(key)) continue
    if (key === 'session') out.session = entities.get(value)
    else if (key === 'readConcern' || key === 'writeConcern' || key === 'readPreference')
      Object.assign(out, concernOptions({ [key]: value }))
    else if (key === 'returnDocument') out.returnDocument = value.toLowerCase()
    else out[key] = value
  }
  return out
}

function mapToObject(map) {
  if (!(map instanceof Map)) return map
  return Object.fromEntries([...map].map(([k, v]) => [String(k), v]))
}

/** A client bulk write result in the unified format's shape (maps become index-keyed documents). */
export function clientBulkResult(result) {
  if (!result) return result
  return {
    insertedCount: result.insertedCount,
    upsertedCount: result.upsertedCount,
    matchedCount: result.matchedCount,
    modifiedCount: result.modifiedCount,
    deletedCount: result.deletedCount,
    insertResults: mapToObject(result.insertResults),
    updateResults: mapToObject(result.updateResults),
    deleteResults: mapToObject(result.deleteResults),
  }
}

function clientBulkModels(models) {
  return models.map((model) => {
    const [name, spec] = Object.entries(model)[0]
    return { name, ...spec }
  })
}

const TXN_STATES = {
  NO_TRANSACTION: 'none',
  STARTING_TRANSACTION: 'starting',
  TRANSACTION_IN_PROGRESS: 'in_progress',
  TRANSACTION_COMMITTED: 'committed',
  TRANSACTION_COMMITTED_EMPTY: 'committed',
  TRANSACTION_ABORTED: 'aborted',
}

async function iterate(stream) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`runner: no change within ${ITERATE_TIMEOUT_MS} ms`)),
      ITERATE_TIMEOUT_MS,
    )
  })
  try {
    return await Promise.race([stream.next(), timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function collectionNames(ctx, databaseName) {
  const list = await ctx.internal.db(databaseName).listCollections({}, { nameOnly: true }).toArray()
  return list.map((c) => c.name)
}

async function indexNames(ctx, databaseName, collectionName) {
  const list = await ctx.internal
    .db(databaseName)
    .collection(collectionName)
    .listIndexes()
    .toArray()
    .catch(() => [])
  return list.map((i) => i.name)
}

function assert(condition, message) {
  if (!condition) throw Object.assign(new Error(message), { assertion: true })
}

/** name → (target entity, arguments, context) → result. `context.runOperations` runs nested ops. */
export const OPERATIONS = {
  insertOne: (c, a, x) => c.insertOne(a.document, options(a, x.entities, ['document'])),
  insertMany: (c, a, x) => c.insertMany(a.documents, options(a, x.entities, ['documents'])),
  updateOne: (c, a, x) => c.updateOne(a.filter, a.update, options(a, x.entities, ['filter', 'update'])),
  updateMany: (c, a, x) => c.updateMany(a.filter, a.update, options(a, x.entities, ['filter', 'update'])),
  replaceOne: (c, a, x) =>
    c.replaceOne(a.filter, a.replacement, options(a, x.entities, ['filter', 'replacement'])),
  deleteOne: (c, a, x) => c.deleteOne(a.filter, options(a, x.entities, ['filter'])),
  deleteMany: (c, a, x) => c.deleteMany(a.filter, options(a, x.entities, ['filter'])),
  find: (c, a, x) => c.find(a.filter ?? {}, options(a, x.entities, ['filter'])).toArray(),
  findOne: (c, a, x) => c.findOne(a.filter ?? {}, options(a, x.entities, ['filter'])),
  countDocuments: (c, a, x) => c.countDocuments(a.filter, options(a, x.entities, ['filter'])),
  estimatedDocumentCount: (c, a, x) => c.estimatedDocumentCount(options(a, x.entities)),
  count: (c, a, x) => c.count(a.filter, options(a, x.entities, ['filter'])),
  distinct: (c, a, x) =>
    c.distinct(a.fieldName, a.filter ?? {}, options(a, x.entities, ['fieldName', 'filter'])),
  aggregate: (c, a, x) => c.aggregate(a.pipeline, options(a, x.entities, ['pipeline'])).toArray(),
  findOneAndUpdate: (c, a, x) =>
    c.findOneAndUpdate(a.filter, a.update, options(a, x.entities, ['filter', 'update'])),
  findOneAndReplace: (c, a, x) =>
    c.findOneAndReplace(a.filter, a.replacement, options(a, x.entities, ['filter', 'replacement'])),
  findOneAndDelete: (c, a, x) => c.findOneAndDelete(a.filter, options(a, x.entities, ['filter'])),
  bulkWrite: (c, a, x) => c.bulkWrite(a.requests, options(a, x.entities, ['requests'])),
  clientBulkWrite: async (c, a, x) =>
    clientBulkResult(await c.bulkWrite(clientBulkModels(a.models), options(a, x.entities, ['models']))),
  createIndex: (c, a, x) => c.createIndex(a.keys, options(a, x.entities, ['keys'])),
  dropIndex: (c, a, x) => c.dropIndex(a.name, options(a, x.entities, ['name'])),
  listIndexes: (c, a, x) => c.listIndexes(options(a, x.entities)).toArray(),
  rename: (c, a, x) => c.rename(a.to, options(a, x.entities, ['to'])),
  dropCollection: (d, a, x) => d.dropCollection(a.collection, options(a, x.entities, ['collection'])),
  createCollection: (d, a, x) => d.createCollection(a.collection, options(a, x.entities, ['collection'])),
  listCollections: (d, a, x) =>
    d.listCollections(a.filter ?? {}, options(a, x.entities, ['filter'])).toArray(),
  modifyCollection: (d, a, x) =>
    d.command(
      { collMod: a.collection, ...options(a, x.entities, ['collection', 'session']) },
      options({ session: a.session }, x.entities),
    ),
  runCommand: (d, a, x) => d.command(a.command, options(a, x.entities, ['command', 'commandName'])),
  createChangeStream: async (w, a, x) => {
    const stream = w.watch(a.pipeline ?? [], options(a, x.entities, ['pipeline']))
    x.entities.changeStreams.push(stream)
    await stream.cursor.cursorInit() // the aggregate is sent now, as the format requires
    return stream
  },
  iterateUntilDocumentOrError: (s) => iterate(s),
  iterateOnce: (s) => s.tryNext(),
  close: (s) => s.close(),
  startTransaction: (s, a) => s.startTransaction(concernOptions(a ?? {})),
  commitTransaction: (s) => s.commitTransaction(),
  abortTransaction: (s) => s.abortTransaction(),
  endSession: (s) => s.endSession(),
  withTransaction: (s, a, x) => s.withTransaction(() => x.runOperations(a.callback), concernOptions(a ?? {})),
  // testRunner operations
  assertSessionTransactionState: (_, a, x) => {
    const state = TXN_STATES[x.entities.get(a.session).transaction.state]
    assert(state === a.state, `session ${a.session} transaction state is ${state}, expected ${a.state}`)
  },
  assertSessionPinned: (_, a, x) =>
    assert(x.entities.get(a.session).isPinned, `session ${a.session} is not pinned`),
  assertSessionUnpinned: (_, a, x) =>
    assert(!x.entities.get(a.session).isPinned, `session ${a.session} is pinned`),
  assertCollectionExists: async (_, a, x) =>
    assert(
      (await collectionNames(x, a.databaseName)).includes(a.collectionName),
      `collection ${a.databaseName}.${a.collectionName} does not exist`,
    ),
  assertCollectionNotExists: async (_, a, x) =>
    assert(
      !(await collectionNames(x, a.databaseName)).includes(a.collectionName),
      `collection ${a.databaseName}.${a.collectionName} exists`,
    ),
  assertIndexExists: async (_, a, x) =>
    assert(
      (await indexNames(x, a.databaseName, a.collectionName)).includes(a.indexName),
      `index ${a.indexName} does not exist`,
    ),
  assertIndexNotExists: async (_, a, x) =>
    assert(
      !(await indexNames(x, a.databaseName, a.collectionName)).includes(a.indexName),
      `index ${a.indexName} exists`,
    ),
  createEntities: (_, a, x) => x.entities.create(a.entities),
  assertSameLsidOnLastTwoCommands: (_, a, x) => {
    const events = x.entities.clientEvents
      .get(a.client)
      .events.filter((e) => e.type === 'commandStartedEvent')
    const [one, two] = events.slice(-2).map((e) => e.event.command.lsid)
    assert(!match(one, two, x), 'the last two commands have different lsids')
  },
  assertDifferentLsidOnLastTwoCommands: (_, a, x) => {
    const events = x.entities.clientEvents
      .get(a.client)
      .events.filter((e) => e.type === 'commandStartedEvent')
    const [one, two] = events.slice(-2).map((e) => e.event.command.lsid)
    assert(match(one, two, x), 'the last two commands have the same lsid')
  },
}
