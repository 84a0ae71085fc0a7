import type { PushStatus } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { newJob } from './support/new-job.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()

describe('change stream across a dropped jobs collection (needs server-fidelity-streams in-process)', () => {
  // mongod: dropping the watched collection sends `drop` then `invalidate` and closes the cursor
  // (manual, "Change Events: invalidate"); durabl then opens a new stream with `startAfter` the
  // invalidate token (manual, "Change Streams: startAfter") and reports `reconnected`, so the
  // runtime claims once. Jobs of the recreated collection wake subscribers again.
  it('reports reconnected after the drop and wakes for jobs of the recreated collection', async (context) => {
    mongo.require(context, 'changeStreams')
    const db = await mongo.db()
    const backend = new MongoBackend({ db, useChangeStreams: true })
    await backend.startup()
    const statuses: PushStatus[] = []
    const wakes: Array<string | undefined> = []
    const subscription = await backend.subscribe?.({
      types: ['job'],
      onWake: (wake) => wakes.push(wake.type),
      onStatus: (status) => statuses.push(status),
    })
    try {
      await waitUntil(() => statuses.some((status) => status.state === 'connected'), 'connected')
      await backend.collection.drop()
      await waitUntil(
        () => statuses.some((status) => status.state === 'reconnected'),
        'reconnected after the drop',
      )
      await backend.enqueueJobs({ jobs: [newJob()], now: new Date() })
      await waitUntil(() => wakes.includes('job'), 'a wake for a job of the recreated collection')
      expect(statuses.filter((status) => status.state === 'fallback')).toEqual([])
    } finally {
      await subscription?.close()
    }
  })
})
