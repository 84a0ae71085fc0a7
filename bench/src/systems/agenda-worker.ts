import {
  MongoBackend as AgendaMongoBackend,
  MongoChangeStreamNotificationChannel,
} from '@agendajs/mongo-backend'
import { Agenda } from 'agenda'
import { MongoClient } from 'mongodb'
import { CommandMeter } from '../command-meter.js'
import { sharedClockMs, type WorkerSpec } from '../ipc.js'
import type { BenchJobData, WorkerCallbacks, WorkerSystem } from './worker-system.js'

/** The Agenda settings every run uses, so the report can state them. */
export function agendaSettings(spec: Pick<WorkerSpec, 'concurrency' | 'agendaProcessEveryMs'>) {
  return {
    processEvery: spec.agendaProcessEveryMs,
    defaultConcurrency: spec.concurrency,
    // Agenda's global cap (default 20) would otherwise hold concurrency 64 back.
    maxConcurrency: Math.max(20, spec.concurrency),
  }
}

/**
 * Agenda 6 with @agendajs/mongo-backend on the harness's MongoDB, configured as a user who wants
 * throughput would: processEvery lowered from the 5 s default, per-type concurrency set, lock
 * limits left at their defaults. With `push`, Agenda's change-stream notification channel.
 */
export async function startAgendaWorker(
  spec: WorkerSpec,
  uri: string,
  callbacks: WorkerCallbacks,
): Promise<WorkerSystem> {
  const client = new MongoClient(uri, { monitorCommands: true })
  const meter = new CommandMeter(client, 'agenda')
  await client.connect()
  const db = client.db(spec.dbName)
  const agenda = new Agenda({
    backend: new AgendaMongoBackend({ mongo: db }),
    ...agendaSettings(spec),
    ...(spec.push ? { notificationChannel: new MongoChangeStreamNotificationChannel({ db }) } : {}),
  })
  agenda.on('error', (error: Error) => process.stderr.write(`[agenda worker] error: ${error.message}\n`))
  agenda.on('complete', () => callbacks.completed())
  for (const type of spec.types) {
    agenda.define(
      type,
      async (job) => {
        if (spec.mode === 'latency')
          callbacks.started(sharedClockMs() - (job.attrs.data as BenchJobData).sentAtMs)
      },
      { concurrency: spec.concurrency },
    )
  }
  await agenda.ready
  if (spec.mode !== 'count') await agenda.start()
  return {
    go: async () => {
      meter.reset()
      if (spec.mode === 'count') await agenda.start()
    },
    commands: () => meter.snapshot(),
    stop: async () => {
      await agenda.stop()
      await client.close()
    },
  }
}
