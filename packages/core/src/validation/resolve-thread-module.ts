import { existsSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ValidationError } from '../errors/validation-error.js'
import { DEFAULTS } from '../options.js'
import type { ThreadModule } from '../runtime/thread/thread-handler.js'
import { isPlainObject, rejectUnknownKeys, requireNonEmptyString } from './rules.js'

const THREAD_MODULE_KEYS = ['module', 'exportName'] as const satisfies ReadonlyArray<keyof ThreadModule>

/** A `ThreadModule` after validation: the module as a `file:` URL string a thread can import. */
export interface ResolvedThreadModule {
  moduleUrl: string
  exportName: string
}

/**
 * Validates `{ module, exportName }`. The file must exist now, so a typo fails at `process()`
 * instead of failing every attempt; whether it exports a function is known only once a thread
 * imported it (importing it here would run its top-level code in the main thread).
 */
export function resolveThreadModule(input: unknown, field = 'handler'): ResolvedThreadModule {
  if (!isPlainObject(input)) {
    throw new ValidationError(
      field,
      'must be a function, or { module, exportName? } for a thread handler',
      input,
    )
  }
  rejectUnknownKeys(field, input, THREAD_MODULE_KEYS)
  const url = moduleUrl(`${field}.module`, input.module)
  const exportName =
    input.exportName === undefined
      ? DEFAULTS.threadExportName
      : requireNonEmptyString(`${field}.exportName`, input.exportName, 200)
  return { moduleUrl: url, exportName }
}

function moduleUrl(field: string, value: unknown): string {
  let url: URL
  if (value instanceof URL) {
    url = value
  } else if (typeof value === 'string' && URL.canParse(value) && value.startsWith('file:')) {
    url = new URL(value)
  } else if (typeof value === 'string' && isAbsolute(value)) {
    url = pathToFileURL(value)
  } else {
    throw new ValidationError(
      field,
      "must be a file: URL (new URL('./handler.js', import.meta.url)) or an absolute path: a relative path would be resolved from inside @durabl/core",
      value,
    )
  }
  if (url.protocol !== 'file:') throw new ValidationError(field, 'must be a file: URL', url.href)
  const path = fileURLToPath(url)
  // The path goes in the rule: the value alone would be shortened, and its end is what matters.
  if (!existsSync(path))
    throw new ValidationError(field, `must name an existing file (not found: ${path})`, url.href)
  return url.href
}
