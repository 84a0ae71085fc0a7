import type { Job, JobFilter, JobState, QueueStats } from '@durabl/core'
import type { MongoBackend } from '@durabl/mongo'
import type { Command } from 'commander'
import { parseJobIds, parseStates, parseTypes } from '../arguments.js'
import { CommandFailure, UsageError } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import { confirmChange } from '../confirm.js'
import { renderTable } from '../format/table.js'

/**
 * The flow `jobs retry` and `jobs cancel` share: select by ids and/or a state/type filter; a
 * filter without ids may touch many jobs, so it is counted first and confirmed (or only counted
 * with `--dry-run`); ids that were not changed are explained and make the command fail.
 */

export interface ChangeOptions {
  state?: string[]
  type?: string[]
  yes?: boolean
  dryRun?: boolean
  json?: boolean
}

type SelectionFilter = JobFilter & { state: JobState[] }

export interface ChangeSpec {
  /** `retry`, `cancel` */
  verb: string
  /** `retried`, `cancelled` */
  pastTense: string
  /** The states the operation changes; `--state` may name only these. */
  changeable: readonly JobState[]
  /** The states a filter selects when `--state` is absent. */
  defaultStates: JobState[]
  apply(backend: MongoBackend, params: { ids?: string[]; filter?: JobFilter; now: Date }): Promise<string[]>
  /** Why a job in a changeable state was left as it is, when the operation knows better than the default. */
  explain?(job: Job): string | undefined
}

interface Selection {
  ids: string[] | undefined
  filter: SelectionFilter | undefined
}

function plural(count: number): string {
  return `${count} job${count === 1 ? '' : 's'}`
}

function parseSelection(rawIds: string[], options: ChangeOptions, spec: ChangeSpec): Selection {
  const ids = rawIds.length === 0 ? undefined : parseJobIds(rawIds)
  const states = parseStates(options.state, spec.changeable)
  const types = parseTypes(options.type)
  if (ids === undefined && states === undefined && types === undefined) {
    throw new UsageError(`jobs ${spec.verb}: give job ids, or select jobs with --state and/or --type`)
  }
  if (ids !== undefined && options.dryRun) {
    throw new UsageError(
      `jobs ${spec.verb}: --dry-run counts the jobs a filter selects; it cannot be used with ids`,
    )
  }
  if (states === undefined && types === undefined) return { ids, filter: undefined }
  const filter: SelectionFilter = { state: states ?? spec.defaultStates }
  if (types !== undefined) filter.type = types
  return { ids, filter }
}

/** How many jobs per type a state/type filter matches, from one `getStats` read. */
export function countMatches(stats: QueueStats, filter: SelectionFilter): Map<string, number> {
  const types =
    filter.type === undefined ? undefined : Array.isArray(filter.type) ? filter.type : [filter.type]
  const counts = new Map<string, number>()
  for (const entry of stats.types) {
    if (types !== undefined && !types.includes(entry.type)) continue
    const count = filter.state.reduce((sum, state) => sum + entry[state], 0)
    if (count > 0) counts.set(entry.type, count)
  }
  return counts
}

export function renderCounts(counts: Map<string, number>): string {
  const rows = [...counts].map(([type, count]) => [type, String(count)])
  if (counts.size > 1)
    rows.push(['TOTAL', String([...counts.values()].reduce((sum, count) => sum + count, 0))])
  return renderTable([{ header: 'TYPE' }, { header: 'JOBS', align: 'right' }], rows)
}

async function explainUnchanged(
  backend: MongoBackend,
  ids: string[],
  spec: ChangeSpec,
): Promise<Array<{ id: string; reason: string }>> {
  const reasons: Array<{ id: string; reason: string }> = []
  for (const id of ids) {
    const job = await backend.getJob({ id })
    let reason: string
    const known = job === null ? undefined : spec.explain?.(job)
    if (job === null) reason = 'no job has this id'
    else if (known !== undefined) reason = known
    else if (!spec.changeable.includes(job.state)) {
      reason = `it is ${job.state}; only ${spec.changeable.join(', ')} jobs can be ${spec.pastTense}`
    } else {
      reason = `it is ${job.state} but did not match --state/--type, or another job holds its dedupe key`
    }
    reasons.push({ id, reason })
  }
  return reasons
}

/** Prints at most `shown` ids, one a line. */
function listIds(ids: string[], shown = 20): string {
  const lines = ids.slice(0, shown).map((id) => `  ${id}`)
  if (ids.length > shown) lines.push(`  … and ${ids.length - shown} more`)
  return lines.join('\n')
}

export async function changeJobs(
  context: CommandContext,
  command: Command,
  rawIds: string[],
  options: ChangeOptions,
  spec: ChangeSpec,
): Promise<void> {
  const selection = parseSelection(rawIds, options, spec)
  const now = context.now(command)
  await context.withConnection(command, async ({ backend }) => {
    if (selection.ids === undefined && selection.filter !== undefined) {
      const counts = countMatches(await backend.getStats({ now }), selection.filter)
      const total = [...counts.values()].reduce((sum, count) => sum + count, 0)
      if (options.dryRun || total === 0) {
        if (options.json)
          context.printJson({ dryRun: options.dryRun === true, matches: Object.fromEntries(counts), total })
        else if (total === 0) context.print(`no jobs match: nothing to ${spec.verb}`)
        else context.print(`would ${spec.verb} ${plural(total)}:\n${renderCounts(counts)}`)
        return
      }
      // The summary goes to stderr under --json, so stdout stays one JSON document.
      const summary = `${spec.verb} selects ${plural(total)}:\n${renderCounts(counts)}\n`
      if (options.json) context.io.stderr.write(summary)
      else context.io.stdout.write(summary)
      await confirmChange(context, {
        yes: options.yes,
        action: `${spec.verb} ${plural(total)}`,
        dryRunHint: true,
      })
    }
    const params: { ids?: string[]; filter?: JobFilter; now: Date } = { now }
    if (selection.ids !== undefined) params.ids = selection.ids
    if (selection.filter !== undefined) params.filter = selection.filter
    const changed = await spec.apply(backend, params)
    const changedIds = new Set(changed)
    const missed = (selection.ids ?? []).filter((id) => !changedIds.has(id))
    const unchanged = await explainUnchanged(backend, missed, spec)

    if (options.json) context.printJson({ [spec.pastTense]: changed, unchanged })
    else {
      context.print(
        changed.length === 0
          ? `${spec.pastTense} no jobs`
          : `${spec.pastTense} ${plural(changed.length)}:\n${listIds(changed)}`,
      )
    }
    if (unchanged.length > 0) {
      const lines = unchanged.map(({ id, reason }) => `job ${id} was not ${spec.pastTense}: ${reason}`)
      throw new CommandFailure(lines.join('\n'))
    }
  })
}
