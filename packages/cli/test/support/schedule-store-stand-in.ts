/**
 * TEMPORARY test stand-in, to delete once `MongoBackend.schedules` lands (another branch writes
 * it): gives a `MongoBackend` built without a schedule store the store of a `MemoryBackend`, one
 * per database, so the schedules commands run end to end through the real CLI, connection and
 * `JobQueue`. A `MongoBackend` that has its own store is left untouched, so the same tests then
 * run against MongoDB with no change. Installed with `vi.mock('@durabl/mongo', …)` in the test
 * file; the stand-in's jobs from `fireSchedule` live in memory, `trigger`'s go to MongoDB.
 */
import type { Backend, BackendCapabilities, ScheduleStore } from '@durabl/core'
import type { MongoBackend } from '@durabl/mongo'
import { MemoryBackend } from '@durabl/testing'

const storesByDatabase = new Map<string, ScheduleStore>()

/** True once a MongoBackend was given the stand-in store (so the tests ran on it, not on MongoDB). */
export let standInUsed = false

export function withScheduleStandIn(Real: typeof MongoBackend): typeof MongoBackend {
  return class MongoBackendWithStandIn extends Real {
    constructor(...args: ConstructorParameters<typeof MongoBackend>) {
      super(...args)
      if ((this as Backend).schedules !== undefined) return
      const database = this.options.db.databaseName
      let store = storesByDatabase.get(database)
      if (store === undefined) {
        store = new MemoryBackend().schedules as ScheduleStore
        storesByDatabase.set(database, store)
      }
      Object.defineProperty(this, 'schedules', { value: store, enumerable: true })
      ;(this.capabilities as BackendCapabilities).schedules = true
      standInUsed = true
    }
  }
}
