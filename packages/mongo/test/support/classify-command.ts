import type { CommandStartedEvent, Document } from 'mongodb'

/** What a worker-side command was for, from its shape (see the operations under src/operations). */
export type CommandPurpose =
  | 'enqueue'
  | 'claim'
  | 'claimConfirm'
  | 'ack'
  | 'heartbeat'
  | 'recovery'
  | 'push'
  | 'other'

function firstStatement(command: Document, field: string): Document | undefined {
  const statements = command[field]
  return Array.isArray(statements) ? statements[0] : undefined
}

export function classifyCommand(event: CommandStartedEvent): CommandPurpose {
  const command = event.command
  switch (event.commandName) {
    case 'insert':
      return 'enqueue'
    case 'find': {
      if (command.filter?.state === 'pending') return 'claim'
      const projection = command.projection ?? {}
      if ('lastAckId' in projection || 'attempts' in projection) return 'ack'
      // { state, leaseToken }: a claim that lost a race confirming which documents it won (or,
      // rarely, a heartbeat batch with a lost lease).
      return 'claimConfirm'
    }
    case 'update': {
      const statement = firstStatement(command, 'updates')
      const filter = statement?.q ?? {}
      if (filter.state === 'pending') return 'claim'
      if (filter.leaseExpiresAt !== undefined) return 'recovery'
      const update = statement?.u ?? {}
      if (!Array.isArray(update) && update.$set?.state === undefined) return 'heartbeat'
      return 'ack'
    }
    case 'aggregate':
      return Array.isArray(command.pipeline) && command.pipeline[0]?.$changeStream !== undefined
        ? 'push'
        : 'other'
    case 'getMore':
      return 'push'
    default:
      return 'other'
  }
}
