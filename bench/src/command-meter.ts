import type {
  CommandFailedEvent,
  CommandStartedEvent,
  CommandSucceededEvent,
  Document,
  MongoClient,
} from 'mongodb'

/**
 * What a MongoDB command was for. `schedule` is durabl's recurring jobs: reading schedules
 * (`listSchedules`, `getSchedule`), writing them and firing occurrences (`fireSchedule`: the
 * occurrence's insert and the schedule's advance). `driver` is the driver's own traffic that reaches command
 * monitoring (`endSessions`, `ping`, handshakes); the monitor's heartbeats never do, and are
 * counted apart as `heartbeats`.
 */
export const COMMAND_CATEGORIES = [
  'enqueue',
  'claim',
  'ack',
  'heartbeat',
  'recovery',
  'push',
  'schedule',
  'setup',
  'other',
  'driver',
] as const
export type CommandCategory = (typeof COMMAND_CATEGORIES)[number]

/** Which queue's commands are classified: the two write different shapes. */
export type CommandDialect = 'durabl' | 'agenda'

export type CommandCounts = Record<CommandCategory, number>

/** Counts as of one moment, with the detail by `category:command` for the report's evidence. */
export interface CommandSnapshot {
  counts: CommandCounts
  byCommand: Record<string, number>
  /** `category:command` → summed round-trip time in ms (driver-measured, start to reply). */
  durationMs: Record<string, number>
  /** Server heartbeats (the monitor's hello, every heartbeatFrequencyMS), not in `counts`. */
  heartbeats: number
  /**
   * `operation:command` → count, where the operation is durabl's command comment
   * (`durabl:fireSchedule` → `fireSchedule:insert`); a getMore counts under its cursor's operation.
   * Commands without a durabl comment are left out.
   */
  byOperation: Record<string, number>
}

const DRIVER_COMMANDS = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'ping',
  'buildInfo',
  'endSessions',
  'saslStart',
  'saslContinue',
  'getLastError',
])
const SETUP_COMMANDS = new Set([
  'createIndexes',
  'listIndexes',
  'create',
  'listCollections',
  'drop',
  'dropDatabase',
])

export function emptyCounts(): CommandCounts {
  return Object.fromEntries(COMMAND_CATEGORIES.map((category) => [category, 0])) as CommandCounts
}

function cursorKey(id: unknown): string {
  return id === undefined || id === null ? '' : String(id)
}

function firstUpdate(command: Document): { q: Document; u: Document } {
  const updates = command.updates as Array<{ q?: Document; u?: Document | Document[] }> | undefined
  const first = updates?.[0]
  const u = Array.isArray(first?.u) ? Object.assign({}, ...first.u) : (first?.u ?? {})
  return { q: first?.q ?? {}, u }
}

/** What each `comment: 'durabl:<operation>'` is for; operations not listed count as `other`. */
const DURABL_OPERATIONS: Record<string, CommandCategory> = {
  startup: 'setup',
  enqueueJobs: 'enqueue',
  claimJobs: 'claim',
  claimOneJob: 'claim',
  claimConfirm: 'claim',
  claimSlots: 'claim',
  reserveStarts: 'claim',
  nextDueAt: 'claim',
  heartbeatJobs: 'heartbeat',
  completeJobs: 'ack',
  failJobs: 'ack',
  releaseJobs: 'ack',
  acknowledgeJobs: 'ack',
  ackConfirm: 'ack',
  recoverExpiredLeases: 'recovery',
  changeStream: 'push',
  upsertSchedule: 'schedule',
  getSchedule: 'schedule',
  listSchedules: 'schedule',
  patchSchedule: 'schedule',
  removeSchedule: 'schedule',
  fireSchedule: 'schedule',
}

/** The category of a durabl operation (a command comment without its `durabl:` prefix). */
export function durablOperationCategory(operation: string): CommandCategory {
  return DURABL_OPERATIONS[operation] ?? 'other'
}

/** The durabl operation a command's comment names (`durabl:claimJobs` → `claimJobs`), if any. */
function durablOperation(command: Document): string | undefined {
  const comment: unknown = command.comment
  return typeof comment === 'string' && comment.startsWith('durabl:')
    ? comment.slice('durabl:'.length)
    : undefined
}

function classifyDurabl(name: string, command: Document): CommandCategory {
  // durabl names every command it sends; the shapes below only serve versions that did not.
  const operation = durablOperation(command)
  if (operation !== undefined) return DURABL_OPERATIONS[operation] ?? 'other'
  switch (name) {
    case 'insert':
      return 'enqueue'
    case 'find': {
      const filter = (command.filter ?? {}) as Document
      const projection = (command.projection ?? {}) as Document
      if (filter.state === 'pending') return 'claim'
      // A contended claim reads which guarded writes it won, by the lease tokens it wrote.
      if ('leaseToken' in filter || 'leaseToken' in projection) return 'claim'
      if ('lastAckId' in projection) return 'ack' // a short acknowledgement tells applied from lost
      if ('leaseExpiresAt' in filter) return 'recovery'
      return 'other'
    }
    case 'update': {
      const { q, u } = firstUpdate(command)
      const set = (u.$set ?? {}) as Document
      if (set.state === 'active') return 'claim'
      if ('leaseExpiresAt' in q) return 'recovery'
      if ('leaseToken' in q) return 'state' in set ? 'ack' : 'heartbeat'
      return 'other'
    }
    case 'findAndModify': {
      const query = (command.query ?? {}) as Document
      return query.state === 'pending' ? 'claim' : 'other'
    }
    case 'aggregate': {
      const pipeline = (command.pipeline ?? []) as Document[]
      return pipeline[0] !== undefined && '$changeStream' in pipeline[0] ? 'push' : 'other'
    }
    default:
      return 'other'
  }
}

/**
 * Agenda 6 per job: an `insert` (enqueue), a `findAndModify` that locks it (claim), an `update`
 * that marks it running (counted with the claim) and an `update` that records the finish (ack).
 */
function classifyAgenda(name: string, command: Document): CommandCategory {
  switch (name) {
    case 'insert':
      return 'enqueue'
    case 'findAndModify': {
      const query = (command.query ?? {}) as Document
      if (command.upsert === true && !('lockedAt' in query) && !('$or' in query)) return 'enqueue'
      return 'claim'
    }
    case 'update': {
      const { u } = firstUpdate(command)
      const set = (u.$set ?? {}) as Document
      if (set.lastFinishedAt instanceof Date) return 'ack'
      if ('lastRunAt' in set) return 'claim'
      return 'other'
    }
    case 'aggregate': {
      const pipeline = (command.pipeline ?? []) as Document[]
      return pipeline[0] !== undefined && '$changeStream' in pipeline[0] ? 'push' : 'other'
    }
    default:
      return 'other'
  }
}

/**
 * Counts the commands a MongoClient sends, by purpose, through driver command monitoring (the
 * client must be created with `monitorCommands: true`). `getMore`/`killCursors` are charged to
 * the command that opened the cursor, so change-stream polling shows up as `push`.
 */
export class CommandMeter {
  private counts = emptyCounts()
  private byCommand: Record<string, number> = {}
  private durationMs: Record<string, number> = {}
  private heartbeats = 0
  private byOperation: Record<string, number> = {}
  /** requestId → the command in flight, until its reply. */
  private readonly inFlight = new Map<number, { key: string; operation: string | undefined }>()
  /** Open cursor id → what opened it, so its getMores and killCursors are charged to it. */
  private readonly cursors = new Map<string, { category: CommandCategory; operation: string | undefined }>()

  constructor(
    client: MongoClient,
    private readonly dialect: CommandDialect,
  ) {
    client.on('commandStarted', (event) => this.started(event))
    client.on('commandSucceeded', (event) => this.succeeded(event))
    client.on('commandFailed', (event) => this.finished(event))
    client.on('serverHeartbeatSucceeded', () => {
      this.heartbeats += 1
    })
  }

  snapshot(): CommandSnapshot {
    return {
      counts: { ...this.counts },
      byCommand: { ...this.byCommand },
      durationMs: { ...this.durationMs },
      heartbeats: this.heartbeats,
      byOperation: { ...this.byOperation },
    }
  }

  reset(): void {
    this.counts = emptyCounts()
    this.byCommand = {}
    this.durationMs = {}
    this.heartbeats = 0
    this.byOperation = {}
  }

  private started(event: CommandStartedEvent): void {
    const name = event.commandName
    const command = event.command as Document
    let category: CommandCategory
    let operation = this.dialect === 'durabl' ? durablOperation(command) : undefined
    const cursor =
      name === 'getMore'
        ? this.cursors.get(cursorKey(command.getMore))
        : name === 'killCursors'
          ? this.cursors.get(cursorKey(((command.cursors ?? []) as unknown[])[0]))
          : undefined
    if (DRIVER_COMMANDS.has(name)) category = 'driver'
    else if (SETUP_COMMANDS.has(name)) category = 'setup'
    else if (name === 'getMore' || name === 'killCursors') {
      category = cursor?.category ?? 'other'
      operation = cursor?.operation ?? operation
    } else
      category = this.dialect === 'durabl' ? classifyDurabl(name, command) : classifyAgenda(name, command)
    this.counts[category] += 1
    const key = `${category}:${name}`
    this.byCommand[key] = (this.byCommand[key] ?? 0) + 1
    if (operation !== undefined) {
      const byOperationKey = `${operation}:${name}`
      this.byOperation[byOperationKey] = (this.byOperation[byOperationKey] ?? 0) + 1
    }
    this.inFlight.set(event.requestId, { key, operation })
  }

  private finished(event: CommandFailedEvent): void {
    this.inFlight.delete(event.requestId)
  }

  private succeeded(event: CommandSucceededEvent): void {
    const started = this.inFlight.get(event.requestId)
    if (started === undefined) return
    const { key, operation } = started
    this.inFlight.delete(event.requestId)
    this.durationMs[key] = (this.durationMs[key] ?? 0) + event.duration
    const category = key.slice(0, key.indexOf(':')) as CommandCategory
    const name = event.commandName
    if (name !== 'find' && name !== 'aggregate' && name !== 'getMore') return
    const cursor = (event.reply as Document | undefined)?.cursor as Document | undefined
    const id = cursorKey(cursor?.id)
    if (id !== '' && id !== '0') this.cursors.set(id, { category, operation })
  }
}

/** `after - before`, per category and per command. */
export function diffSnapshots(before: CommandSnapshot, after: CommandSnapshot): CommandSnapshot {
  const counts = emptyCounts()
  for (const category of COMMAND_CATEGORIES)
    counts[category] = after.counts[category] - before.counts[category]
  const delta = (left: Record<string, number>, right: Record<string, number>) => {
    const result: Record<string, number> = {}
    for (const [key, value] of Object.entries(right)) {
      const change = value - (left[key] ?? 0)
      if (change !== 0) result[key] = change
    }
    return result
  }
  return {
    counts,
    byCommand: delta(before.byCommand, after.byCommand),
    durationMs: delta(before.durationMs, after.durationMs),
    heartbeats: after.heartbeats - before.heartbeats,
    byOperation: delta(before.byOperation, after.byOperation),
  }
}

/** Sums snapshots of several processes. */
export function sumSnapshots(snapshots: CommandSnapshot[]): CommandSnapshot {
  const total: CommandSnapshot = {
    counts: emptyCounts(),
    byCommand: {},
    durationMs: {},
    heartbeats: 0,
    byOperation: {},
  }
  for (const snapshot of snapshots) {
    for (const category of COMMAND_CATEGORIES) total.counts[category] += snapshot.counts[category]
    for (const [key, value] of Object.entries(snapshot.byCommand)) {
      total.byCommand[key] = (total.byCommand[key] ?? 0) + value
    }
    for (const [key, value] of Object.entries(snapshot.durationMs)) {
      total.durationMs[key] = (total.durationMs[key] ?? 0) + value
    }
    for (const [key, value] of Object.entries(snapshot.byOperation)) {
      total.byOperation[key] = (total.byOperation[key] ?? 0) + value
    }
    total.heartbeats += snapshot.heartbeats
  }
  return total
}

/** Application commands: everything but driver traffic (handshakes, endSessions) and heartbeats. */
export function applicationCommands(snapshot: CommandSnapshot): number {
  return COMMAND_CATEGORIES.filter((category) => category !== 'driver').reduce(
    (sum, category) => sum + snapshot.counts[category],
    0,
  )
}
