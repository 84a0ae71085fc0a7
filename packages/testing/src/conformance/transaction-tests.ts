import type { TestContext } from 'vitest'
import { describe, expect, it } from 'vitest'
import type { ConformanceContext } from './conformance-context.js'
import type { ConformanceTransactions } from './conformance-target.js'
import { at, claim, claimOne, newJob } from './fixtures.js'

export function describeTransactionTests(context: ConformanceContext): void {
  function transactionsOrSkip(test: TestContext): ConformanceTransactions {
    if (!context.backend.capabilities.transactions)
      test.skip('the backend does not declare capabilities.transactions')
    const transactions = context.target.transactions
    if (transactions === undefined)
      test.skip('the conformance target provides no transactions to begin and commit')
    return transactions
  }

  describe('transactional enqueue', () => {
    it('makes committed jobs visible and claimable', async (test) => {
      const transactions = transactionsOrSkip(test)
      const session = await transactions.begin()
      const [id] = await context.backend.enqueueJobs({ jobs: [newJob()], session, now: at(0) })
      await transactions.commit(session)
      expect(typeof id).toBe('string')
      expect(await context.backend.getJob({ id: id as string })).toMatchObject({ id, state: 'pending' })
      expect((await claimOne(context.backend)).id).toBe(id)
    })

    it('never writes the jobs of an aborted transaction', async (test) => {
      const transactions = transactionsOrSkip(test)
      const session = await transactions.begin()
      const ids = await context.backend.enqueueJobs({ jobs: [newJob(), newJob()], session, now: at(0) })
      await transactions.abort(session)
      for (const id of ids) expect(await context.backend.getJob({ id: id as string })).toBeNull()
      expect((await context.backend.listJobs({ limit: 10 })).jobs).toEqual([])
      expect(await claim(context.backend)).toEqual([])
    })

    it('hides uncommitted jobs from claims and reads until commit', async (test) => {
      const transactions = transactionsOrSkip(test)
      const session = await transactions.begin()
      const [id] = await context.backend.enqueueJobs({ jobs: [newJob()], session, now: at(0) })
      try {
        expect(await claim(context.backend)).toEqual([])
        expect(await context.backend.getJob({ id: id as string })).toBeNull()
        expect((await context.backend.getStats({ now: at(0) })).total.pending).toBe(0)
      } finally {
        await transactions.commit(session)
      }
      expect((await claimOne(context.backend)).id).toBe(id)
    })
  })
}
