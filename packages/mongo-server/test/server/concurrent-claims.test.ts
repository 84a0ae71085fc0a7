import type { MongoClient } from 'mongodb'
import { expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

it('16 concurrent findOneAndUpdate claimers never hand a document out twice', async () => {
  const db = await mongo.db()
  const jobs = db.collection('jobs')
  await jobs.createIndex({ state: 1, priority: -1 })
  await jobs.insertMany(
    Array.from({ length: 200 }, (_, index) => ({ index, state: 'pending', priority: index % 5 })),
  )
  const clients: MongoClient[] = await Promise.all(
    Array.from({ length: 16 }, () => mongo.newClient({ maxPoolSize: 1 })),
  )
  const claims = await Promise.all(
    clients.map(async (client, worker) => {
      const collection = client.db(db.databaseName).collection('jobs')
      const claimed: number[] = []
      for (;;) {
        const job = await collection.findOneAndUpdate(
          { state: 'pending' },
          { $set: { state: 'active', worker } },
          { sort: { priority: -1 }, returnDocument: 'after' },
        )
        if (job === null) return claimed
        expect(job.worker).toBe(worker)
        claimed.push(job.index as number)
      }
    }),
  )
  const all = claims.flat().sort((left, right) => left - right)
  expect(all).toEqual(Array.from({ length: 200 }, (_, index) => index))
  expect(await jobs.countDocuments({ state: 'active' })).toBe(200)
})
