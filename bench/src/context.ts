import type { MongoServerFaults } from '@durabl/mongo-server'
import type { MongoClient } from 'mongodb'
import type { CommandMeter } from './command-meter.js'
import type { BenchConfig, SystemName } from './config.js'
import type { RedisInstance } from './redis-server.js'
import type { BenchResults } from './results.js'
import { agendaProducer, bullmqProducer, durablProducer, type Producer } from './systems/producers.js'

/** What every scenario gets from the harness. */
export interface BenchContext {
  config: BenchConfig
  /** The connection string given to the driver (may hold credentials: never print it). */
  mongoUri: string
  /** The parent's client, with command monitoring; producers use it. */
  client: MongoClient
  meter: CommandMeter
  redis: RedisInstance | null
  results: BenchResults
  log(line: string): void
  /** A name no other run of this process used: each run gets its own database or Redis queue. */
  uniqueName(prefix: string): string
  /** The systems this run compares (BullMQ only when Redis started). */
  systems: SystemName[]
  /** The in-process server's fault injection (reply delays); null on any other target. */
  faults: MongoServerFaults | null
}

let counter = 0

export function uniqueName(prefix: string): string {
  counter += 1
  return `bench_${prefix}_${process.pid}_${counter}`
}

/** A producer for `system` on a fresh database (MongoDB) or queue name (Redis). */
export async function openProducer(
  context: BenchContext,
  system: SystemName,
  name: string,
): Promise<Producer> {
  switch (system) {
    case 'durabl':
      return durablProducer(context.client, name)
    case 'agenda':
      return agendaProducer(context.client, name)
    case 'bullmq':
      if (context.redis === null) throw new Error('BullMQ needs Redis, which did not start')
      return bullmqProducer(context.redis, name)
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
