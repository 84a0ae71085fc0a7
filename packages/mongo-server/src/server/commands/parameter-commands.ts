import type { Document } from '../bson-values.js'
import { errorCodes, MongoCommandError } from '../errors.js'
import type { CommandContext, CommandHandler } from './command-context.js'

/** Server parameters this server knows, readable with getParameter and, where settable, setParameter. */
interface ServerParameter {
  get(context: CommandContext): unknown
  set?(context: CommandContext, value: unknown): void
}

const parameters: Record<string, ServerParameter> = {
  featureCompatibilityVersion: { get: () => ({ version: '7.0' }) },
  transactionLifetimeLimitSeconds: {
    get: (context) => context.server.sessions.transactions.lifetimeLimitSeconds,
    set(context, value) {
      const seconds = Number((value as { valueOf(): unknown } | null)?.valueOf())
      if (!Number.isInteger(seconds) || seconds < 1) {
        throw new MongoCommandError(
          errorCodes.badValue,
          `transactionLifetimeLimitSeconds must be greater than or equal to 1s, got ${String(value)}`,
        )
      }
      // As in mongod, transactions already open keep the limit they started with.
      context.server.sessions.transactions.lifetimeLimitSeconds = seconds
    },
  },
}

function requestedNames(command: Document, commandName: string): string[] {
  return Object.keys(command).filter((key) => key !== commandName && !key.startsWith('$') && key !== 'lsid')
}

/** `getParameter: 1` with the names asked for, or `getParameter: '*'` for every known parameter. */
const getParameter: CommandHandler = (context) => {
  const names =
    context.command.getParameter === '*'
      ? Object.keys(parameters)
      : requestedNames(context.command, 'getParameter')
  const reply: Document = {}
  for (const name of names) {
    const parameter = parameters[name]
    if (parameter === undefined) continue
    reply[name] = parameter.get(context)
  }
  if (Object.keys(reply).length === 0)
    throw new MongoCommandError(errorCodes.invalidOptions, 'no option found to get')
  return { ...reply, ok: 1 }
}

/** `setParameter: 1, <name>: <value>`; replies with the previous value as `was`. */
const setParameter: CommandHandler = (context) => {
  const names = requestedNames(context.command, 'setParameter')
  const [name] = names
  if (names.length !== 1 || name === undefined) {
    throw new MongoCommandError(errorCodes.invalidOptions, 'setParameter takes exactly one parameter to set')
  }
  const parameter = parameters[name]
  if (parameter?.set === undefined)
    throw new MongoCommandError(
      errorCodes.invalidOptions,
      `attempted to set unrecognized parameter [${name}]`,
    )
  const was = parameter.get(context)
  parameter.set(context, context.command[name])
  return { was, ok: 1 }
}

export const parameterCommands: Record<string, CommandHandler> = { getParameter, setParameter }
