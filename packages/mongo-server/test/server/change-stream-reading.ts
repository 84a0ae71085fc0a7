import type { ChangeStream, Document } from 'mongodb'

/** Reads `count` events, failing after a deadline rather than hanging. */
export async function nextEvents<T extends Document>(
  stream: ChangeStream<T>,
  count: number,
  timeoutMs = 10_000,
): Promise<Document[]> {
  const events: Document[] = []
  const deadline = Date.now() + timeoutMs
  while (events.length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${events.length}`)
    const event = await stream.tryNext()
    if (event !== null) events.push(event)
  }
  return events
}

/** Reads events until the server closes the stream, failing after a deadline rather than hanging. */
export async function eventsUntilClosed<T extends Document>(
  stream: ChangeStream<T>,
  timeoutMs = 10_000,
): Promise<Document[]> {
  const events: Document[] = []
  const deadline = Date.now() + timeoutMs
  while (!stream.closed) {
    if (Date.now() > deadline) {
      const kinds = events.map((event) => event.operationType).join(', ')
      throw new Error(`the stream was still open after [${kinds}]`)
    }
    const event = await stream.tryNext()
    if (event !== null) events.push(event)
  }
  return events
}

/** Waits until the stream's cursor is open on the server, so writes after this are seen. */
export async function opened<T extends Document>(stream: ChangeStream<T>): Promise<ChangeStream<T>> {
  await stream.tryNext()
  return stream
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: number; codeName?: string; errorLabels?: string[] }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: number; codeName?: string; errorLabels?: string[] }
  }
  throw new Error('expected the operation to fail')
}
