import { ALL_TYPES, type TypeControlResult } from '@durabl/core'
import { Command } from 'commander'
import type { CommandContext } from '../command-context.js'
import {
  CONTROLS_COLLECTION_OPTION,
  controlsCollectionOption,
  typeOrAll,
  withControls,
} from './type-controls-access.js'

interface PauseOptions {
  all?: boolean
  json?: boolean
  controlsCollection?: string
}

/** `durabl pause <type> | --all` and `durabl resume <type> | --all`. */
export function pauseCommand(context: CommandContext, paused: boolean): Command {
  const verb = paused ? 'pause' : 'resume'
  return new Command(verb)
    .description(
      paused
        ? 'stop every worker claiming jobs of a type (or of every type with --all); running jobs finish'
        : 'let every worker claim jobs of a paused type again (or of every type with --all)',
    )
    .argument('[type]', 'the job type')
    .option('--all', paused ? 'every type' : "every type (resumes 'durabl pause --all')")
    .option(...CONTROLS_COLLECTION_OPTION)
    .option('--json', 'print JSON only: { type, paused, rev, updatedAt, warning }')
    .action(async (rawType: string | undefined, options: PauseOptions, command: Command) => {
      const type = typeOrAll(rawType, options.all, verb)
      const collection = controlsCollectionOption(options.controlsCollection)
      await withControls(context, command, collection, async (queue) => {
        const result = paused ? await queue.pause(type) : await queue.resume(type)
        if (options.json) {
          context.printJson(resultForJson(result))
          return
        }
        context.print(describe(result))
        if (result.warning !== null) context.io.stderr.write(`durabl: warning: ${result.warning}\n`)
      })
    })
}

function resultForJson({ control, warning }: TypeControlResult): Record<string, unknown> {
  return {
    type: control.type,
    paused: control.paused,
    rev: control.rev,
    updatedAt: control.updatedAt,
    warning,
  }
}

function describe({ control }: TypeControlResult): string {
  const all = control.type === ALL_TYPES
  const what = all ? 'every type' : `type ${JSON.stringify(control.type)}`
  if (control.paused) {
    const undo = all ? 'durabl resume --all' : `durabl resume ${control.type}`
    return `paused ${what}: workers claim none of its jobs until \`${undo}\` (running jobs finish; within a second with change streams, else one poll interval)`
  }
  return `resumed ${what}: workers claim its jobs again`
}
