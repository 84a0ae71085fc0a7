import { useMongo } from '@durabl/mongo-server/harness'
import type { CommandStartedEvent, Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { nextDueQuery } from '../src/operations/next-due-at.js'
import { newJob } from './support/new-job.js'

const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')

/** Every stage name in a classic or slot-based winning plan tree. */
function stagesOf(plan: Document | undefined): string[] {
  if (plan === undefined || plan === null) return []
  const tree = (plan.queryPlan as Document | undefined) ?? plan
  const children: Document[] = [
    ...(tree.inputStage ? [tree.inputStage as Document] : []),
    ...((tree.inputStages as Document[] | undefined) ?? []),
  ]
  return [String(tree.stage), ...children.flatMap((child) => stagesOf(child))]
}

function indexNamesOf(plan: Document | undefined): string[] {
  if (plan === undefined || plan === null) return []
  const tree = (plan.queryPlan as Document | undefined) ?? plan
  const children: Document[] = [
    ...(tree.inputStage ? [tree.inputStage as Document] : []),
    ...((tree.inputStages as Document[] | undefined) ?? []),
  ]
  return [
    ...(tree.indexName ? [String(tree.indexName)] : []),
    ...children.flatMap((child) => indexNamesOf(child)),
  ]
}

describe('nextDueAt on MongoDB', () => {
  it('costs one find, whatever the number of delayed jobs', async () => {
    const db = await mongo.db()
    const client = await mongo.newClient({ monitorCommands: true })
    const backend = new MongoBackend({ db: client.db(db.databaseName), useChangeStreams: false })
    await backend.startup()
    await backend.enqueueJobs({
      jobs: Array.from({ length: 50 }, (_, n) =>
        newJob({ type: n % 2 === 0 ? 'a' : 'b', runAt: new Date(T0 + 1_000 * (n + 1)) }),
      ),
      now: new Date(T0),
    })
    const commands: CommandStartedEvent[] = []
    const listener = (event: CommandStartedEvent) => {
      if (!['hello', 'ismaster', 'isMaster', 'endSessions'].includes(event.commandName)) commands.push(event)
    }
    client.on('commandStarted', listener)
    try {
      expect(await backend.nextDueAt({ types: ['b'], now: new Date(T0) })).toEqual(new Date(T0 + 2_000))
      expect(await backend.nextDueAt({ types: ['a', 'b'], now: new Date(T0 + 1_500) })).toEqual(
        new Date(T0 + 2_000),
      )
    } finally {
      client.off('commandStarted', listener)
      await backend.shutdown()
    }
    expect(commands.map((event) => event.commandName)).toEqual(['find', 'find'])
    expect(commands.every((event) => event.command.limit === 1)).toBe(true)
  })

  it('is answered by the durabl_next_due index without an in-memory sort', async () => {
    // mongod: a partial index serves a query whose filter implies its partialFilterExpression
    // (manual, "Partial Indexes"); an index sorts on a field after equality conditions on every
    // key before it (manual, "Use Indexes to Sort Query Results"); with `$in` on the prefix the
    // planner merges one index scan per value instead of sorting (SORT_MERGE, jstests/core/sortk.js).
    const db = await mongo.db()
    const backend = new MongoBackend({ db, useChangeStreams: false })
    await backend.startup()
    await backend.enqueueJobs({
      jobs: Array.from({ length: 20 }, (_, n) =>
        newJob({ type: n % 2 === 0 ? 'a' : 'b', priority: n % 3, runAt: new Date(T0 + 1_000 * (n + 1)) }),
      ),
      now: new Date(T0),
    })
    for (const types of [['a'], ['a', 'b']]) {
      const { filter, sort } = nextDueQuery(types, new Date(T0))
      const explain = await backend.collection.find(filter, { sort, limit: 1 }).explain('queryPlanner')
      const plan = (explain.queryPlanner as Document).winningPlan as Document
      expect(indexNamesOf(plan)).toContain('durabl_next_due')
      expect(stagesOf(plan)).not.toContain('SORT')
      expect(stagesOf(plan)).not.toContain('COLLSCAN')
    }
    await backend.shutdown()
  })
})
