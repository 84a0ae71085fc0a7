import { errorCodes, MongoCommandError } from '../errors.js'
import { setMaxTimeFailPoint } from '../query/deadline.js'
import type { CommandHandler } from './command-context.js'

/**
 * mongod's `configureFailPoint` test command, for the one fail point this server has:
 * `maxTimeAlwaysTimeOut`, which makes every command carrying a maxTimeMS fail with 50
 * MaxTimeMSExpired (modes `alwaysOn`, `off`, `{ times: n }`).
 */
const configureFailPoint: CommandHandler = (context) => {
  const name = context.command.configureFailPoint
  if (context.database !== 'admin') {
    throw new MongoCommandError(
      errorCodes.unauthorized,
      'configureFailPoint may only be run against the admin database.',
    )
  }
  if (name !== 'maxTimeAlwaysTimeOut') {
    throw new MongoCommandError(
      errorCodes.badValue,
      `fail point ${JSON.stringify(name)} is not supported by the in-process server (maxTimeAlwaysTimeOut is)`,
    )
  }
  setMaxTimeFailPoint(context.server, context.command.mode)
  return { count: 0, ok: 1 }
}

export const failPointCommands: Record<string, CommandHandler> = { configureFailPoint }
