import { ValidationError } from '@durabl/core'

/** Defaults for {@link MemoryBackendOptions}, named so docs and errors can point at them. */
export const MEMORY_BACKEND_DEFAULTS = {
  maxErrorHistory: 10,
  maxLogEntries: 50,
} as const

export interface MemoryBackendOptions {
  /** The most errors kept in each job's `errors` history (the oldest are dropped). An integer >= 1. @defaultValue 10 */
  maxErrorHistory?: number
  /** The most log lines kept in each job's `logs` (the oldest are dropped). An integer >= 1. @defaultValue 50 */
  maxLogEntries?: number
}

export interface ResolvedMemoryBackendOptions {
  maxErrorHistory: number
  maxLogEntries: number
}

/** Applies defaults and checks every option once, at construction. */
export function resolveMemoryBackendOptions(
  options: MemoryBackendOptions = {},
): ResolvedMemoryBackendOptions {
  const maxErrorHistory = options.maxErrorHistory ?? MEMORY_BACKEND_DEFAULTS.maxErrorHistory
  const maxLogEntries = options.maxLogEntries ?? MEMORY_BACKEND_DEFAULTS.maxLogEntries
  if (!Number.isInteger(maxErrorHistory) || maxErrorHistory < 1) {
    throw new ValidationError('maxErrorHistory', 'must be an integer >= 1', maxErrorHistory)
  }
  if (!Number.isInteger(maxLogEntries) || maxLogEntries < 1) {
    throw new ValidationError('maxLogEntries', 'must be an integer >= 1', maxLogEntries)
  }
  return { maxErrorHistory, maxLogEntries }
}
