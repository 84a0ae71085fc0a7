import type { PushStatus } from '@durabl/core'
import { type Document, type MongoClient, MongoServerError } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { CANCEL_REQUEST_CONDITION } from '../src/change-stream/cancel-request.js'
import {
  type ChangeStreamSource,
  HISTORY_LOST_CODES,
  JobChangeStream,
} from '../src/change-stream/job-change-stream.js'
import { streamPipeline } from '../src/change-stream/stream-pipeline.js'
import { jobWakeConditions, wakeFromChange } from '../src/change-stream/wake-pipeline.js'
import { waitUntil } from './support/wait-until.js'

// Unit level, with a fake driver stream (`db.watch`). From the MongoDB manual ("Change Events:
// invalidate", "Resume a Change Stream"): a database-level stream ends with an `invalidate` event
// when the database is dropped (dropping or renaming one of its collections does not end it);
// `resumeAfter` that event's token is refused, `startAfter` it opens a new stream. A resume point no longer in the
// oplog fails with ChangeStreamHistoryLost (286) (older servers: ChangeStreamFatalError 280 or
// CappedPositionLost 136), a token the server cannot use with InvalidResumeToken (260).

interface FakeStreamScript {
  /** What each tryNext does, in order; after the script, tryNext waits until close. */
  steps: Array<{ change: Document } | { error: Error }>
}

const collections = { jobs: 'durabl_jobs', schedules: 'durabl_schedules', controls: 'durabl_controls' }

function fakeDatabase(scripts: FakeStreamScript[]) {
  const opened: Document[] = []
  const db = {
    watch(_pipeline: Document[], options: Document) {
      opened.push(options)
      const script = scripts.shift() ?? { steps: [] }
      let closed = false
      let release: (() => void) | null = null
      const stream = {
        resumeToken: undefined as Document | undefined,
        get closed() {
          return closed
        },
        once(_event: string, listener: () => void) {
          queueMicrotask(listener)
        },
        async tryNext() {
          const step = script.steps.shift()
          if (step === undefined) {
            await new Promise<void>((resolve) => {
              release = resolve
            })
            return null
          }
          if ('error' in step) throw step.error
          stream.resumeToken = step.change._id
          return step.change
        },
        async close() {
          closed = true
          release?.()
        },
      }
      return stream
    },
  }
  return { source: { db, collections } as unknown as ChangeStreamSource, opened }
}

const client = { on: () => undefined, off: () => undefined } as unknown as MongoClient
const replicaSet = async () => ({ changeStreams: true, transactions: true, sharded: false, reason: null })

async function subscribe(source: ChangeStreamSource) {
  const statuses: PushStatus[] = []
  const stream = new JobChangeStream(source, client, replicaSet, 1_000)
  const subscription = await stream.subscribe({
    types: ['job'],
    onWake: () => undefined,
    onStatus: (status) => statuses.push(status),
  })
  return { statuses, subscription }
}

describe('JobChangeStream recovery', () => {
  it('after an invalidate event, opens again with startAfter its token and reports reconnected', async () => {
    const invalidateToken = { _data: 'invalidate-token' }
    const { source, opened } = fakeDatabase([
      {
        steps: [
          {
            change: {
              _id: { _data: 'insert-token' },
              operationType: 'insert',
              ns: { db: 'app', coll: 'durabl_jobs' },
              fullDocument: { type: 'job' },
            },
          },
          { change: { _id: invalidateToken, operationType: 'invalidate' } },
        ],
      },
    ])
    const { statuses, subscription } = await subscribe(source)
    await waitUntil(() => opened.length >= 2, 'the stream to open again')
    expect(opened[1]?.startAfter).toEqual(invalidateToken)
    expect(opened[1]?.resumeAfter).toBeUndefined()
    await waitUntil(() => statuses.some((status) => status.state === 'reconnected'), 'reconnected')
    expect(statuses[0]).toEqual({ state: 'connected' })
    await subscription.close()
  })

  it.each([...HISTORY_LOST_CODES])('starts afresh after server error %i (history lost)', async (code) => {
    const { source, opened } = fakeDatabase([
      {
        steps: [
          { change: { _id: { _data: 'seen' }, operationType: 'insert', fullDocument: { type: 'job' } } },
          { error: new MongoServerError({ message: `error ${code}`, errmsg: `error ${code}`, code }) },
        ],
      },
    ])
    const { statuses, subscription } = await subscribe(source)
    await waitUntil(() => opened.length >= 2, 'the stream to open again')
    expect(opened[1]?.resumeAfter).toBeUndefined()
    expect(opened[1]?.startAfter).toBeUndefined()
    await waitUntil(() => statuses.some((status) => status.state === 'reconnected'), 'reconnected')
    await subscription.close()
  })

  it('backs off when every stream opens and then fails on its first fetch', async () => {
    // A stream whose aggregate succeeds but whose first getMore fails, again and again, must not
    // reconnect (and make the runtime claim to catch up) every 100 ms.
    const failing = () => ({ steps: [{ error: new Error('getMore failed') }] })
    const { source, opened } = fakeDatabase([failing(), failing(), failing(), failing()])
    const pauses: number[] = []
    const stream = new JobChangeStream(source, client, replicaSet, 1_000)
    Object.assign(stream, {
      pause: async (delayMs: number) => {
        pauses.push(delayMs)
      },
    })
    const subscription = await stream.subscribe({
      types: ['job'],
      onWake: () => undefined,
      onStatus: () => {},
    })
    await waitUntil(() => opened.length >= 5, 'five opens')
    await subscription.close()
    expect(pauses.slice(0, 4)).toEqual([100, 200, 400, 800])
  })

  it('falls back to polling, saying which privilege is missing, when the user may not watch the database', async () => {
    // mongod refuses a database-level stream with 13 Unauthorized unless the user holds `find` and
    // `changeStream` on { db, collection: '' } (manual, "Change Streams: Access Control").
    const unauthorized = new MongoServerError({
      message: 'not authorized on app to execute command { aggregate: 1 }',
      errmsg: 'not authorized on app to execute command { aggregate: 1 }',
      code: 13,
    })
    const { source, opened } = fakeDatabase([{ steps: [{ error: unauthorized }] }])
    const { statuses, subscription } = await subscribe(source)
    await waitUntil(() => statuses.some((status) => status.state === 'fallback'), 'a fallback')
    expect(opened).toHaveLength(1)
    const fallback = statuses.find((status) => status.state === 'fallback')
    expect(fallback).toMatchObject({ reason: expect.stringContaining('changeStream') })
    await subscription.close()
  })

  it('treats 260 InvalidResumeToken as history lost', () => {
    expect([...HISTORY_LOST_CODES].sort()).toEqual([136, 260, 280, 286])
  })
})

describe('wake pipeline', () => {
  it('matches replace events of pending jobs and wakes with their type', () => {
    expect(jobWakeConditions(['job'])).toContainEqual({
      operationType: 'replace',
      'fullDocument.state': 'pending',
      'fullDocument.type': { $in: ['job'] },
    })
    // A database-level stream sees every collection: the job conditions hold for the jobs one.
    const [stage] = streamPipeline(collections, ['job'])
    expect(stage?.$match.$or).toContainEqual({
      'ns.coll': 'durabl_jobs',
      $or: [...jobWakeConditions(['job']), CANCEL_REQUEST_CONDITION],
    })
    const runAt = new Date('2040-01-01T00:00:00Z')
    expect(wakeFromChange({ operationType: 'replace', fullDocument: { type: 'job', runAt } })).toEqual({
      type: 'job',
      runAt,
    })
  })
})
