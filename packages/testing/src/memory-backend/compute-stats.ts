import type { Job, QueueStats, TypeStats } from '@durabl/core'

function emptyStats(type: string): TypeStats {
  return {
    type,
    pending: 0,
    active: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    due: 0,
    delayed: 0,
    oldestDueAt: null,
  }
}

function addJob(stats: Omit<TypeStats, 'type'>, job: Job, now: Date): void {
  stats[job.state] += 1
  if (job.state !== 'pending') return
  if (job.runAt.getTime() > now.getTime()) {
    stats.delayed += 1
    return
  }
  stats.due += 1
  if (stats.oldestDueAt === null || job.runAt.getTime() < stats.oldestDueAt.getTime()) {
    stats.oldestDueAt = new Date(job.runAt)
  }
}

/** Counts per type and state, due (`runAt <= now`) and delayed pending jobs, and totals. */
export function computeStats(jobs: Iterable<Job>, now: Date, type?: string): QueueStats {
  const byType = new Map<string, TypeStats>()
  const { type: _total, ...total } = emptyStats('')
  for (const job of jobs) {
    if (type !== undefined && job.type !== type) continue
    let stats = byType.get(job.type)
    if (stats === undefined) {
      stats = emptyStats(job.type)
      byType.set(job.type, stats)
    }
    addJob(stats, job, now)
    addJob(total, job, now)
  }
  const types = [...byType.values()].sort((first, second) =>
    first.type < second.type ? -1 : first.type > second.type ? 1 : 0,
  )
  return { types, total }
}
