import type { ClientConnection } from './client-connection.js'
import type { ServerState } from './server-state.js'

/** Fault injection for tests: each method reproduces something a real deployment does to clients. */
export interface MongoServerFaults {
  /** Destroys every client socket, as a network partition or restart would. */
  dropConnections(): void
  /** Kills open change-stream cursors: the next getMore gets CursorNotFound (43) and the driver resumes. */
  killChangeStreams(): number
  /** Delays every command reply (not monitoring hellos) by `delayMs`. */
  delayReplies(delayMs: number): void
  /** Holds every command reply (not monitoring hellos) until `clear()`, as a hung server would. */
  hangReplies(): void
  /**
   * For `durationMs`, refuses writes with NotWritablePrimary (10107, label RetryableWriteError)
   * and reports `isWritablePrimary: false` in hello, as during a step-down.
   */
  notPrimary(durationMs: number): void
  /** Ends every fault: releases held replies, removes delays, restores primary. */
  clear(): void
}

export function createFaults(server: ServerState, connections: Set<ClientConnection>): MongoServerFaults {
  let primaryTimer: NodeJS.Timeout | undefined
  return {
    dropConnections() {
      for (const connection of [...connections]) connection.close()
    },
    killChangeStreams() {
      const killed = server.cursors.removeWhere((cursor) => cursor.kind === 'changeStream')
      server.changeLog.wakeAll()
      return killed
    },
    delayReplies(delayMs) {
      server.faults.replyDelayMs = delayMs
    },
    hangReplies() {
      server.faults.hangingReplies = true
    },
    notPrimary(durationMs) {
      server.faults.notPrimaryUntil = Date.now() + durationMs
      server.topologyChanged()
      clearTimeout(primaryTimer)
      primaryTimer = setTimeout(() => server.topologyChanged(), durationMs + 1)
      primaryTimer.unref()
    },
    clear() {
      server.faults.replyDelayMs = 0
      server.faults.hangingReplies = false
      for (const connection of connections) connection.releaseHeldReplies()
      if (server.faults.notPrimaryUntil > Date.now()) {
        server.faults.notPrimaryUntil = 0
        server.topologyChanged()
      }
      clearTimeout(primaryTimer)
    },
  }
}
