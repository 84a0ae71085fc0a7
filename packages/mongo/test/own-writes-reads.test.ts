import type { JobError } from '@durabl/core'
import { useMongo } from '@durabl/mongo-server/harness'
import type { Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoBackend } from '../src/index.js'
import { commandName, recordCommands } from './support/command-log.js'
import { newJob } from './support/new-job.js'

// A read right after a write sees it only on the primary with read concern "local" (or within a
// causally consistent session): a secondary may lag, and "majority" reads return data acknowledged
// by a majority, which may not include the write just made (manual, "Read Preference" and "Read
// Concern"). Reads that check durabl's own writes must therefore ignore the client's defaults.
// The driver sends a non-primary read preference as `$readPreference` and the read concern as
// `readConcern` on each command (driver specs, "Server Selection" and "Read and Write Concern").
const mongo = await useMongo()
const T0 = Date.parse('2040-01-01T00:00:00Z')
const at = (offsetMs: number) => new Date(T0 + offsetMs)
const READ_COMMANDS = new Set(['find', 'aggregate', 'count', 'distinct'])

const error: JobError = {
  attempt: 1,
  name: 'Error',
  message: 'boom',
  code: null,
  stack: null,
  fatal: false,
  at: at(0),
}

function readsOf(commands: Document[]): Document[] {
  return commands.filter((command) => READ_COMMANDS.has(commandName(command)))
}

describe('reads that must see durabl’s own writes', () => {
  it('go to the primary with local read concern, whatever the client’s defaults', async () => {
    const client = await mongo.newClient({
      monitorCommands: true,
      readPreference: 'secondaryPreferred',
      readConcern: { level: 'majority' },
    })
    const db = client.db((await mongo.db()).databaseName)
    const backend = new MongoBackend({ db, useChangeStreams: false })
    await backend.startup()
    const log = recordCommands(client)

    await backend.enqueueJobs({ jobs: [newJob(), newJob(), newJob(), newJob()], now: at(0) })
    const claimed = await backend.claimJobs({
      types: [{ type: 'job', limit: 4, leaseMs: 1_000 }],
      limit: 4,
      workerId: 'w',
      now: at(0),
    })
    expect(claimed).toHaveLength(4)
    const [first, second, third, fourth] = claimed.map((job) => ({
      id: job.id,
      leaseToken: job.leaseToken as string,
    }))
    if (!first || !second || !third || !fourth) throw new Error('expected four claimed jobs')
    const stale = { id: first.id, leaseToken: 'not-the-token' }
    // A stale lease in each batch makes the matched count fall short: each operation then reads.
    await backend.heartbeatJobs({
      jobs: [
        { ...first, leaseMs: 1_000 },
        { ...stale, leaseMs: 1_000 },
      ],
      now: at(1),
    })
    await backend.completeJobs({ jobs: [first, { ...stale, id: second.id }], now: at(2) })
    await backend.failJobs({
      jobs: [{ ...second, error, retryAt: at(3), dedupeKey: null, dedupeScope: null }],
      now: at(3),
    })
    await backend.recoverExpiredLeases({ now: at(60_000), error: { ...error, attempt: undefined } as never })
    await backend.getJob({ id: first.id })
    await backend.listJobs({ filter: { state: 'completed' }, limit: 10 })
    await backend.getStats({ now: at(60_000) })
    await backend.cancelJobs({ filter: { state: 'pending' }, now: at(60_001) })
    await backend.retryJobs({ filter: { state: 'cancelled' }, now: at(60_002) })
    log.stop()

    const reads = readsOf(log.commands)
    // enqueue has no read; claim, heartbeat, complete, fail, recovery, admin and stats do.
    expect(reads.length).toBeGreaterThanOrEqual(10)
    for (const read of reads) {
      expect({ command: commandName(read), readConcern: read.readConcern }).toEqual({
        command: commandName(read),
        readConcern: { level: 'local' },
      })
      const mode = read.$readPreference?.mode
      expect({ command: commandName(read), mode: mode ?? 'primary' }).toEqual({
        command: commandName(read),
        mode: 'primary',
      })
    }
  })
})
