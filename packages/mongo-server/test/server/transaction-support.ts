import { type ClientSession, MongoServerError } from 'mongodb'
import { afterEach, expect } from 'vitest'
import type { MongoHarness } from '../../src/harness.js'

/** Sessions started by a test file, ended after each test (whatever state their transaction is in). */
export function sessionStarter(mongo: MongoHarness): () => ClientSession {
  const sessions: ClientSession[] = []
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.endSession().catch(() => undefined)))
  })
  return () => {
    const session = mongo.client().startSession()
    sessions.push(session)
    return session
  }
}

/** The server error a promise rejects with; fails the test when it resolves or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(MongoServerError)
  return error as MongoServerError
}
