import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'

/**
 * `${hostname}:${pid}:${random}`: readable in admin output, and unique even for two queues in one
 * process or a pid reused after a restart.
 */
export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
}
