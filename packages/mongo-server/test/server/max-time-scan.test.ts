import { afterEach, describe, expect, it, vi } from 'vitest'
import { MongoCommandError } from '../../src/server/errors.js'
import { deadlineCheck, startCommandDeadline } from '../../src/server/query/deadline.js'
import { selectRecords } from '../../src/server/query/select-records.js'
import type { ServerState } from '../../src/server/server-state.js'
import { Collection } from '../../src/server/storage/collection.js'

// A unit test of the in-process server's maxTimeMS check inside a scan (mongod checks for interrupts
// while it examines documents and fails with 50 MaxTimeMSExpired once maxTimeMS has passed). The
// clock is faked, so the scan "takes" as long as the test says, without timing anything.

afterEach(() => {
  vi.useRealTimers()
})

function collectionOf(count: number): Collection {
  const collection = new Collection('db', 'items')
  for (let position = 0; position < count; position += 1) collection.insert({ _id: position, n: position })
  return collection
}

describe('maxTimeMS during a scan', () => {
  it('stops a scan that runs past its maxTimeMS with 50, and lets one within it finish', () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const server = {} as ServerState
    const collection = collectionOf(2_000)
    const command = { find: 'items', maxTimeMS: 100 }
    startCommandDeadline(server, command)
    const interrupt = deadlineCheck(command)
    expect(selectRecords(collection, { n: { $gte: 0 } }, { interrupt })).toHaveLength(2_000)
    vi.advanceTimersByTime(101)
    let caught: unknown
    try {
      selectRecords(collection, { n: { $gte: 0 } }, { interrupt })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(MongoCommandError)
    expect((caught as MongoCommandError).code).toBe(50)
  })

  it('sets no deadline without maxTimeMS or with maxTimeMS: 0', () => {
    const server = {} as ServerState
    expect(deadlineCheck(startAndReturn(server, { find: 'items' }))).toBeUndefined()
    expect(deadlineCheck(startAndReturn(server, { find: 'items', maxTimeMS: 0 }))).toBeUndefined()
  })
})

function startAndReturn(server: ServerState, command: Record<string, unknown>) {
  startCommandDeadline(server, command)
  return command
}
