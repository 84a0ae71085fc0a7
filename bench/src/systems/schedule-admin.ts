import { JobQueue, type ScheduleDefinitionInput } from '@durabl/core'
import { MongoBackend } from '@durabl/mongo'
import type { MongoClient } from 'mongodb'

/** The harness's side of the schedules scenario: writes schedules, runs none of them. */
export interface ScheduleAdmin {
  upsertAll(definitions: Array<{ id: string } & ScheduleDefinitionInput>): Promise<void>
  close(): Promise<void>
}

/**
 * A queue on the harness's client that creates the indexes and writes schedules but never runs
 * them (`schedules.run: false`), so every occurrence is fired by the worker processes.
 */
export async function openScheduleAdmin(client: MongoClient, dbName: string): Promise<ScheduleAdmin> {
  const queue = new JobQueue(new MongoBackend({ db: client.db(dbName), useChangeStreams: false }), {
    schedules: { run: false },
  })
  await queue.startup()
  return {
    upsertAll: async (definitions) => {
      for (const { id, ...definition } of definitions) await queue.schedules.upsert(id, definition)
    },
    close: async () => {
      await queue.shutdown()
    },
  }
}
