// Runs one unified-format test: initialData, createEntities, operations, expectEvents, outcome.
// Resolves to null when it passes, or to the reason it fails.
import { MongoServerError } from 'mongodb'
import { EntityMap } from './entities.mjs'
import { match } from './match.mjs'
import { clientBulkResult, OPERATIONS } from './operations.mjs'

const TEST_TIMEOUT_MS = 60_000

class TestFailure extends Error {}

function show(value) {
  try {
    return JSON.stringify(value)?.slice(0, 300)
  } catch {
    return `a ${value?.constructor?.name ?? typeof value}`
  }
}

/**
 * The Node.js driver adds wtimeout: 10000 to the write concern of every commitTransaction and
 * abortTransaction (a driver choice, not in the spec's expectations): ignore it there.
 */
function withoutDriverWtimeout(spec, event) {
  const wc = event.command?.writeConcern
  if (!['commitTransaction', 'abortTransaction'].includes(event.commandName) || wc?.wtimeout !== 10000)
    return event.command
  if (spec.command?.writeConcern?.wtimeout !== undefined) return event.command
  const { wtimeout, ...rest } = wc
  return { ...event.command, writeConcern: rest }
}

function fail(message) {
  throw new TestFailure(message)
}

/** Drops and refills the collections of `initialData` through the internal client. */
async function loadInitialData(internal, initialData = []) {
  for (const { databaseName, collectionName, documents = [], createOptions } of initialData) {
    const db = internal.db(databaseName)
    await db.dropCollection(collectionName, { writeConcern: { w: 'majority' } }).catch((error) => {
      if (error.code !== 26) throw error
    })
    if (createOptions || documents.length === 0)
      await db.createCollection(collectionName, { ...createOptions, writeConcern: { w: 'majority' } })
    if (documents.length > 0)
      await db.collection(collectionName).insertMany(documents, { writeConcern: { w: 'majority' } })
  }
}

function mapToObject(map) {
  return map instanceof Map ? Object.fromEntries([...map].map(([k, v]) => [String(k), v])) : map
}

function checkError(expected, error, context) {
  const where = `expected error ${JSON.stringify(expected).slice(0, 200)}; got ${error.name}: ${error.message} (code ${error.code})`
  const isServer = error instanceof MongoServerError
  if (expected.isClientError !== undefined && expected.isClientError === isServer)
    fail(`isClientError ${expected.isClientError}: ${where}`)
  if (expected.isTimeoutError) fail(`isTimeoutError is not supported by this runner: ${where}`)
  const response = error.errorResponse ?? {}
  if (expected.errorCode !== undefined) {
    const codes = [error.code, response.code, error.writeErrors?.[0]?.code, error.writeConcernError?.code]
    if (!codes.includes(expected.errorCode)) fail(`errorCode ${expected.errorCode}: ${where}`)
  }
  if (expected.errorCodeName !== undefined) {
    const names = [error.codeName, response.codeName, error.writeConcernError?.codeName]
    if (!names.includes(expected.errorCodeName))
      fail(`errorCodeName ${expected.errorCodeName}: ${where} (codeName ${error.codeName})`)
  }
  if (
    expected.errorContains !== undefined &&
    !String(error.message).toLowerCase().includes(expected.errorContains.toLowerCase())
  )
    fail(`errorContains "${expected.errorContains}": ${where}`)
  for (const label of expected.errorLabelsContain ?? [])
    if (!error.hasErrorLabel?.(label))
      fail(`errorLabelsContain ${label}: ${where} (labels ${JSON.stringify(error.errorLabels)})`)
  for (const label of expected.errorLabelsOmit ?? [])
    if (error.hasErrorLabel?.(label)) fail(`errorLabelsOmit ${label}: ${where}`)
  if (expected.errorResponse !== undefined) {
    const failure = match(expected.errorResponse, response, context)
    if (failure) fail(`errorResponse: ${failure}`)
  }
  if (expected.writeErrors !== undefined) {
    const actual = mapToObject(error.writeErrors) ?? {}
    if (Object.keys(actual).length !== Object.keys(expected.writeErrors).length)
      fail(`writeErrors: expected ${JSON.stringify(expected.writeErrors)}, got ${JSON.stringify(actual)}`)
    for (const [index, want] of Object.entries(expected.writeErrors)) {
      const failure = match(want, actual[index], context, true, `writeErrors.${index}`)
      if (failure) fail(failure)
    }
  }
  if (expected.writeConcernErrors !== undefined) {
    const failure = match(
      expected.writeConcernErrors,
      error.writeConcernErrors ?? [],
      context,
      true,
      'writeConcernErrors',
    )
    if (failure) fail(failure)
  }
  if (expected.expectResult !== undefined) {
    const partial = error.partialResult ? clientBulkResult(error.partialResult) : error.result
    const failure = match(expected.expectResult, partial, context, true, 'expectError.expectResult')
    if (failure) fail(failure)
  }
}

async function runOperation(operation, context) {
  const {
    name,
    object,
    arguments: args = {},
    expectError,
    expectResult,
    saveResultAsEntity,
    ignoreResultAndError,
  } = operation
  const handler = OPERATIONS[name]
  if (!handler) fail(`runner: unsupported operation ${name}`)
  const target = object === 'testRunner' ? null : context.entities.get(object)
  if (object !== 'testRunner' && target === undefined) fail(`runner: no entity ${object}`)
  let result
  try {
    result = await handler(target, args, context)
  } catch (error) {
    if (error instanceof TestFailure) throw error
    if (ignoreResultAndError) return
    if (error.assertion) fail(`${name}: ${error.message}`)
    if (!expectError)
      fail(`${name} on ${object} threw ${error.name}: ${error.message} (code ${error.code ?? '-'})`)
    checkError(expectError, error, context)
    return
  }
  if (expectError)
    fail(`${name} on ${object} succeeded (${show(result)}), expected error ${JSON.stringify(expectError)}`)
  if (expectResult !== undefined && !ignoreResultAndError) {
    // A distinct's values are not root-level documents; cursor results and single documents are.
    const failure = match(expectResult, result, context, name !== 'distinct')
    if (failure) fail(`${name} result: ${failure}`)
  }
  if (saveResultAsEntity) context.entities.set(saveResultAsEntity, result)
}

function checkEvents(expectEvents, context) {
  for (const { client, events: expected, ignoreExtraEvents, eventType = 'command' } of expectEvents) {
    const record = context.entities.clientEvents.get(client)
    const actual = eventType === 'cmap' ? record.cmap : record.events
    const names = actual.map((e) => e.event.commandName ?? e.type).join(', ')
    if (actual.length < expected.length || (!ignoreExtraEvents && actual.length !== expected.length))
      fail(
        `${client} events: expected ${expected.length} (${expected.map((e) => Object.values(e)[0].commandName ?? Object.keys(e)[0]).join(', ')}), got ${actual.length} (${names})`,
      )
    expected.forEach((want, i) => {
      const [type, spec] = Object.entries(want)[0]
      const { event, type: actualType } = actual[i]
      if (type !== actualType)
        fail(`${client} event ${i}: expected ${type}, got ${actualType} ${event.commandName ?? ''}`)
      if (spec.commandName !== undefined && spec.commandName !== event.commandName)
        fail(
          `${client} event ${i}: expected command ${spec.commandName}, got ${event.commandName} (events: ${names})`,
        )
      if (spec.databaseName !== undefined && spec.databaseName !== event.databaseName)
        fail(`${client} event ${i}: expected database ${spec.databaseName}, got ${event.databaseName}`)
      for (const [key, field] of [
        ['command', 'command'],
        ['reply', 'reply'],
      ]) {
        if (spec[key] === undefined) continue
        const actualValue = field === 'command' ? withoutDriverWtimeout(spec, event) : event[field]
        const failure = match(spec[key], actualValue, context, true, `${event.commandName}.${key}`)
        if (failure) fail(`${client} event ${i} (${type}): ${failure}`)
      }
    })
  }
}

async function checkOutcome(outcome, internal, context) {
  for (const { databaseName, collectionName, documents } of outcome) {
    const actual = await internal
      .db(databaseName)
      .collection(collectionName)
      .find({}, { sort: { _id: 1 }, readConcern: { level: 'local' } })
      .toArray()
    if (actual.length !== documents.length)
      fail(
        `outcome ${collectionName}: expected ${documents.length} document(s) ${JSON.stringify(documents).slice(0, 300)}, got ${actual.length} ${JSON.stringify(actual).slice(0, 300)}`,
      )
    documents.forEach((document, i) => {
      const failure = match(document, actual[i], context, false, `outcome ${collectionName}[${i}]`)
      if (failure) fail(failure)
    })
  }
}

async function runSteps(file, test, context) {
  await context.internal
    .db('admin')
    .command({ killAllSessions: [] })
    .catch(() => {})
  await loadInitialData(context.internal, file.initialData)
  await context.entities.create(file.createEntities ?? [])
  for (const [index, operation] of test.operations.entries()) {
    try {
      await runOperation(operation, context)
    } catch (error) {
      if (error instanceof TestFailure)
        error.message = `operation ${index} (${operation.name}): ${error.message}`
      throw error
    }
  }
  if (test.expectEvents) checkEvents(test.expectEvents, context)
  if (test.outcome) await checkOutcome(test.outcome, context.internal, context)
}

/** Runs `test` of `file` against `uri`; `internal` is the runner's own unmonitored client. */
export async function runTest(file, test, { uri, internal }) {
  const entities = new EntityMap(uri)
  const context = { entities, internal }
  context.runOperations = async (operations) => {
    for (const operation of operations) await runOperation(operation, context)
  }
  let timer
  try {
    await Promise.race([
      runSteps(file, test, context),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new TestFailure(`runner: test timed out after ${TEST_TIMEOUT_MS} ms`)),
          TEST_TIMEOUT_MS,
        )
      }),
    ])
    return null
  } catch (error) {
    return error instanceof TestFailure ? error.message : `${error.name}: ${error.message}`
  } finally {
    clearTimeout(timer)
    await entities.close()
  }
}
