import type { CommandStartedEvent, Document, MongoClient } from 'mongodb'

const HOUSEKEEPING = new Set(['hello', 'ismaster', 'isMaster', 'endSessions', 'ping', 'killCursors'])

/**
 * Records the commands a client sends (the client needs `monitorCommands: true`), as the driver
 * sent them, leaving out handshakes and monitoring. `stop()` detaches.
 */
export function recordCommands(client: MongoClient): { commands: Document[]; stop(): void } {
  const commands: Document[] = []
  const listener = (event: CommandStartedEvent) => {
    if (!HOUSEKEEPING.has(event.commandName)) commands.push(event.command)
  }
  client.on('commandStarted', listener)
  return { commands, stop: () => client.off('commandStarted', listener) }
}

/** The name of a command document (its first key). */
export function commandName(command: Document): string {
  return Object.keys(command)[0] ?? ''
}
