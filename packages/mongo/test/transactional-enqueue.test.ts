import { JobQueue } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { waitUntil } from './support/wait-until.js'

const mongo = await useMongo()

describe('transactional enqueue (outbox)', () => {
  it('runs jobs whose transaction committed; jobs of an aborted one never exist', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    const orders = db.collection('orders')
    await orders.insertOne({ _id: 'seed' as never })
    const backend = new MongoBackend({ db })
    const queue = new JobQueue(backend)
    const ran: string[] = []
    queue.process<{ orderId: string }>(
      'send-receipt',
      (job) => {
        ran.push(job.data.orderId)
      },
      { pollIntervalMs: 50 },
    )
    await queue.startup()
    const session = mongo.client().startSession()
    try {
      let committedId: string | null = null
      await session.withTransaction(async () => {
        await orders.insertOne({ _id: 'order-1' as never }, { session })
        committedId = await queue.enqueue('send-receipt', { orderId: 'order-1' }, { session })
      })
      let abortedId: string | null = null
      await expect(
        session.withTransaction(async () => {
          await orders.insertOne({ _id: 'order-2' as never }, { session })
          abortedId = await queue.enqueue('send-receipt', { orderId: 'order-2' }, { session })
          throw new Error('payment declined')
        }),
      ).rejects.toThrow('payment declined')

      await waitUntil(() => ran.includes('order-1'), 'the committed job to run')
      expect(typeof committedId).toBe('string')
      expect(typeof abortedId).toBe('string')
      expect(await backend.getJob({ id: abortedId as unknown as string })).toBeNull()
      expect(await orders.countDocuments({ _id: 'order-2' as never })).toBe(0)
      const stats = await backend.getStats({ now: new Date() })
      expect(stats.total).toMatchObject({ completed: 1, pending: 0, active: 0 })
      expect(ran).toEqual(['order-1'])
    } finally {
      await session.endSession()
      await queue.shutdown(2_000)
    }
  })

  it('returns null for a duplicate inside a transaction without aborting it', async (context) => {
    mongo.require(context, 'transactions')
    const db = await mongo.db()
    const backend = new MongoBackend({ db })
    const queue = new JobQueue(backend)
    await queue.startup()
    await queue.enqueue('send-receipt', { orderId: 'x' }, { dedupeKey: 'receipt:x' })
    const session = mongo.client().startSession()
    try {
      const ids = await session.withTransaction(async () => {
        const duplicate = await queue.enqueue(
          'send-receipt',
          { orderId: 'x' },
          { dedupeKey: 'receipt:x', session },
        )
        const fresh = await queue.enqueue(
          'send-receipt',
          { orderId: 'y' },
          { dedupeKey: 'receipt:y', session },
        )
        return [duplicate, fresh]
      })
      expect(ids[0]).toBeNull()
      expect(typeof ids[1]).toBe('string')
      expect((await backend.getStats({ now: new Date() })).total.pending).toBe(2)
    } finally {
      await session.endSession()
      await queue.shutdown(1_000)
    }
  })
})
