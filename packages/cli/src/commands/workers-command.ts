import { MONGO_DEFAULTS, MongoBackend } from '@durabl/mongo'
import { Command } from 'commander'
import { UsageError } from '../cli-errors.js'
import type { CommandContext } from '../command-context.js'
import { renderWorkersTable, workersForJson } from '../format/workers.js'

interface WorkersOptions {
  json?: boolean
  workersCollection?: string
}

export function workersCommand(context: CommandContext): Command {
  return new Command('workers')
    .description(
      'list the running queues: host, pid, types and concurrency, version, last registration (queues that stopped registering are left out)',
    )
    .option(
      '--workers-collection <name>',
      `the worker registry's collection (default: ${MONGO_DEFAULTS.workersCollectionName})`,
    )
    .option('--json', 'print JSON only: { at, workers }')
    .action(async (options: WorkersOptions, command: Command) => {
      const workersCollectionName = options.workersCollection ?? MONGO_DEFAULTS.workersCollectionName
      if (workersCollectionName === '' || workersCollectionName.includes('$')) {
        throw new UsageError(
          `--workers-collection must be a non-empty name without "$", got ${JSON.stringify(workersCollectionName)}`,
        )
      }
      await context.withConnection(command, async ({ client, resolved }) => {
        const backend = new MongoBackend({
          db: client.db(resolved.databaseName),
          collectionName: resolved.collectionName,
          workersCollectionName,
          useChangeStreams: false,
          createIndexes: false,
        })
        const now = context.now(command)
        const workers = await backend.workers.listWorkers({ now })
        if (options.json) {
          context.printJson(workersForJson(workers, now))
          return
        }
        context.print(workers.length === 0 ? 'no workers' : renderWorkersTable(workers, now))
      })
    })
}
