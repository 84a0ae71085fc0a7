import { normalizeError } from '../errors/normalize-error.js'
import type { AttemptOutcome, EnqueueHookInfo, JobQueueHooks, ProcessHookInfo } from '../hooks.js'

/** Calls `run` once, however many times the returned function is called. */
export function once<T>(run: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | null = null
  return () => {
    promise ??= run()
    return promise
  }
}

/**
 * Wraps an attempt in the process hooks, the first registered outermost. The core step
 * (`coreNext`, run once) is authoritative and always runs: a hook that throws, or that returns
 * without calling `next()`, is reported through `onHookError` and the attempt still runs and its
 * outcome is still recorded. A hook's own return value is ignored; `next()` never rejects.
 */
export async function runProcessHooks(
  hooks: readonly JobQueueHooks[],
  info: ProcessHookInfo,
  coreNext: () => Promise<AttemptOutcome>,
  onHookError: (hookName: string, error: Error) => void,
): Promise<AttemptOutcome> {
  const layer = (index: number): (() => Promise<AttemptOutcome>) => {
    const hook = hooks[index]
    if (hook === undefined) return coreNext
    const inner = layer(index + 1)
    if (!hook.process) return inner
    return async () => {
      try {
        await hook.process?.(info, inner)
      } catch (error) {
        onHookError(hook.name, normalizeError(error))
      }
      return coreNext()
    }
  }
  return layer(0)()
}

/**
 * Wraps an enqueue in the enqueue hooks, the first registered outermost. The write (`coreWrite`,
 * run once) is authoritative:
 * - a hook that throws before the write started makes the enqueue reject, and nothing is written;
 * - a hook that throws after the write started is reported through `onHookError` (unless what it
 *   threw is the write's own error, passed on), and the write's own result (ids, or its error) is
 *   what the caller gets: losing the ids of written jobs would make callers enqueue them again;
 * - a hook that returns without calling `next()` cannot drop jobs: it is reported and the write
 *   happens anyway.
 */
export async function runEnqueueHooks(
  hooks: readonly JobQueueHooks[],
  info: EnqueueHookInfo,
  coreWrite: () => Promise<Array<string | null>>,
  onHookError: (hookName: string, error: Error) => void,
): Promise<Array<string | null>> {
  let writeStarted = false
  const writeOnce = once(coreWrite)
  const write = () => {
    writeStarted = true
    return writeOnce()
  }
  const layer = (index: number): (() => Promise<Array<string | null>>) => {
    const hook = hooks[index]
    if (hook === undefined) return write
    const inner = layer(index + 1)
    if (!hook.enqueue) return inner
    return async () => {
      try {
        await hook.enqueue?.(info, inner)
      } catch (error) {
        if (!writeStarted) throw error
        // A hook that passes the write's own failure on (a tracing hook does) is not at fault: the
        // caller gets that error below, and it is not reported twice.
        const writeFailure = await write().then(
          () => undefined,
          (failure: unknown) => failure,
        )
        if (error !== writeFailure) onHookError(hook.name, normalizeError(error))
      }
      if (!writeStarted) {
        onHookError(
          hook.name,
          new Error(
            `enqueue hook ${hook.name} returned without calling next(); the jobs were written anyway`,
          ),
        )
      }
      return write()
    }
  }
  return layer(0)()
}
