import type { WorkerInfo } from '@durabl/core'
import { formatDurationMs } from './durations.js'
import { renderTable } from './table.js'
import { formatTime } from './values.js'

/** How long before `now` the worker last registered, in milliseconds (0 for a clock behind it). */
export function lastSeenAgoMs(worker: WorkerInfo, now: Date): number {
  return Math.max(0, now.getTime() - worker.lastSeenAt.getTime())
}

/** `workers --json`: the registry's entries, each with the age of its last registration. */
export function workersForJson(workers: WorkerInfo[], now: Date): Record<string, unknown> {
  return {
    at: now,
    workers: workers.map((worker) => ({ ...worker, lastSeenAgoMs: lastSeenAgoMs(worker, now) })),
  }
}

/** One row per worker; its types as `type×concurrency`. */
export function renderWorkersTable(workers: WorkerInfo[], now: Date): string {
  const rows = workers.map((worker) => [
    worker.workerId,
    worker.host,
    String(worker.pid),
    worker.types.length === 0
      ? '-'
      : worker.types.map(({ type, concurrency }) => `${type}×${concurrency}`).join(','),
    String(worker.instanceConcurrency),
    worker.runsSchedules ? 'yes' : 'no',
    worker.version,
    formatTime(worker.startedAt),
    `${formatDurationMs(lastSeenAgoMs(worker, now))} ago`,
  ])
  return renderTable(
    [
      { header: 'WORKER' },
      { header: 'HOST' },
      { header: 'PID', align: 'right' },
      { header: 'TYPES' },
      { header: 'CONCURRENCY', align: 'right' },
      { header: 'SCHEDULES' },
      { header: 'VERSION' },
      { header: 'STARTED' },
      { header: 'LAST SEEN', align: 'right' },
    ],
    rows,
  )
}
