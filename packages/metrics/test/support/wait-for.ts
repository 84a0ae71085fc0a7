/** Deadline for polls: generous, since a poll that succeeds returns at once. */
const DEFAULT_TIMEOUT_MS = 5_000

/**
 * Waits until `condition()` holds, checking after each turn of the event loop, and fails with
 * `what` once `timeoutMs` of wall time passed. A poll with a deadline, never a fixed sleep.
 */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** A promise with its resolve function, for handlers a test releases by hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((done) => {
    resolve = done
  })
  return { promise, resolve }
}
