import type { CommandStartedEvent, MongoClient } from 'mongodb'

/** The driver's own housekeeping, not work done for jobs. */
const HOUSEKEEPING = new Set(['hello', 'ismaster', 'isMaster', 'endSessions', 'ping', 'killCursors'])

/**
 * Counts the commands a client sends (the client needs `monitorCommands: true`), by name, leaving
 * out handshakes and monitoring. `getMore` is the change stream's wait (claims and acks read in one
 * batch), so it is time-driven rather than per job and reported apart.
 */
export class CommandCounter {
  readonly counts = new Map<string, number>()
  private readonly listener = (event: CommandStartedEvent) => {
    if (HOUSEKEEPING.has(event.commandName)) return
    this.counts.set(event.commandName, (this.counts.get(event.commandName) ?? 0) + 1)
  }

  constructor(private readonly client: MongoClient) {
    client.on('commandStarted', this.listener)
  }

  stop(): void {
    this.client.off('commandStarted', this.listener)
  }

  snapshot(): Map<string, number> {
    return new Map(this.counts)
  }

  /** Commands since a snapshot, by name. */
  since(before: Map<string, number>): Map<string, number> {
    const delta = new Map<string, number>()
    for (const [name, count] of this.counts) {
      const difference = count - (before.get(name) ?? 0)
      if (difference > 0) delta.set(name, difference)
    }
    return delta
  }
}

/** Sums counts, over all names or the given ones. */
export function total(counts: Map<string, number>, names?: string[]): number {
  let sum = 0
  for (const [name, count] of counts) if (names === undefined || names.includes(name)) sum += count
  return sum
}
