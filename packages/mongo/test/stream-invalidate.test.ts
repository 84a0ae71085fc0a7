import type { PushStatus } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { newJob } from './support/new-job.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()

describe('change stream across a dropped jobs collection (needs server-fidelity-streams in-process)', () => {
  // durabl watches the database (`db.watch`), not the collection. mongod: dropping a collection
  // gives a database-level stream a `drop` event and the stream goes on; only `dropDatabase`
  // invalidates it (manual, "Change Events: drop" and "invalidate": a collection stream would get
  // `drop` then `invalidate` and close). durabl reports `reconnected` on the drop of the jobs
  // collection, as it did after the invalidate of a collection stream, so the runtime claims once.
  // Jobs of the recreated collection wake subscribers again.
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
