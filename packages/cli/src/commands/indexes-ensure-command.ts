import { ensureJobIndexes, MONGO_INDEXES } from '@durabl/mongo'
import { Command } from 'commander'
import { CommandFailure } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import { renderTable } from '../format/table.js'
import { compareIndexes, formatIndexKey } from '../indexes/compare-indexes.js'
import { listLiveIndexes } from '../indexes/live-indexes.js'

interface EnsureOptions {
  json?: boolean
}

type EnsureStatus = 'created' | 'present' | 'conflict'

export function indexesEnsureCommand(context: CommandContext): Command {
  return new Command('ensure')
    .description('create the indexes the backend needs (idempotent); reports created vs already present')
    .option('--json', 'print JSON only')
    .action(async (options: EnsureOptions, command: Command) => {
      await context.withConnection(command, async ({ collection, resolved }) => {
        const before = (await listLiveIndexes(collection)) ?? []
        const comparison = compareIndexes(MONGO_INDEXES, before)
        const conflicts = comparison.expected.filter((index) => index.status === 'different')
        const missing = comparison.expected.filter((index) => index.status === 'missing')
        if (conflicts.length === 0) {
          // The backend's own routine, so the CLI creates exactly what startup() would.
          await ensureJobIndexes(collection)
        } else if (missing.length > 0) {
          // createIndexes fails as a whole on a conflicting name: create only the missing ones.
          const wanted = new Set(missing.map((index) => index.name))
          await collection.createIndexes(
            MONGO_INDEXES.filter((index) => wanted.has(index.name)).map((index) => ({
              key: index.key,
              name: index.name,
              ...index.options,
            })),
          )
        }
        const results = comparison.expected.map((index) => ({
          name: index.name,
          status: (index.status === 'ok'
            ? 'present'
            : index.status === 'missing'
              ? 'created'
              : 'conflict') as EnsureStatus,
          key: index.expected.key,
          differences: index.differences,
        }))
        const namespace = `${resolved.databaseName}.${resolved.collectionName}`
        if (options.json) {
          context.printJson({ collection: namespace, indexes: results, extra: comparison.extra })
        } else {
          const created = results.filter((result) => result.status === 'created').length
          const present = results.filter((result) => result.status === 'present').length
          context.print(`indexes of ${namespace}: ${created} created, ${present} already present`)
          context.print(
            renderTable(
              [{ header: 'NAME' }, { header: 'STATUS' }, { header: 'KEY' }],
              results.map((result) => [result.name, result.status, formatIndexKey(result.key)]),
            ),
          )
          for (const extra of comparison.extra) {
            context.print(
              `note: ${extra.name} ${formatIndexKey(extra.key)} is not defined by this version of durabl; drop it if nothing uses it`,
            )
          }
        }
        if (conflicts.length > 0) {
          const lines = conflicts.map(
            (index) =>
              `index ${index.name} exists with a different definition (${index.differences.join('; ')}); drop it (db.${resolved.collectionName}.dropIndex('${index.name}')) and run durabl indexes ensure again`,
          )
          throw new CommandFailure(lines.join('\n'))
        }
      })
    })
}
