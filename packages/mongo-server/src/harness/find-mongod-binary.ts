import { existsSync, readdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

function containsMongod(directory: string, depth = 3): boolean {
  if (depth < 0 || !existsSync(directory)) return false
  let entries: string[]
  try {
    entries = readdirSync(directory)
  } catch {
    return false
  }
  for (const entry of entries) {
    const path = join(directory, entry)
    if (
      entry.startsWith('mongod') &&
      !entry.endsWith('.lock') &&
      statSync(path, { throwIfNoEntry: false })?.isFile()
    )
      return true
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory() && containsMongod(path, depth - 1))
      return true
  }
  return false
}

/**
 * Whether mongodb-memory-server could start without downloading: a system binary or a cached
 * one. Checking costs milliseconds; a failed download costs seconds per attempt.
 */
export function hasLocalMongodBinary(): boolean {
  const systemBinary = process.env.MONGOMS_SYSTEM_BINARY
  if (systemBinary !== undefined && systemBinary !== '') return existsSync(systemBinary)
  const candidates = [join(homedir(), '.cache', 'mongodb-binaries')]
  if (process.env.MONGOMS_DOWNLOAD_DIR) candidates.push(process.env.MONGOMS_DOWNLOAD_DIR)
  let directory = process.cwd()
  for (;;) {
    candidates.push(join(directory, 'node_modules', '.cache', 'mongodb-memory-server'))
    const parent = dirname(directory)
    if (parent === directory) break
    directory = parent
  }
  return candidates.some((candidate) => containsMongod(candidate))
}
