// The first module a durabl worker thread runs. Plain JavaScript, not TypeScript: Node starts it
// directly (from src/ in the package's own tests, from dist/ once built), with no loader in between.
// It imports the handler module once, then runs one job at a time for the main thread. The messages
// are described in thread-messages.ts; keep the two in step.
import { parentPort, workerData } from 'node:worker_threads'

const DURABL_ERROR_MARKER = Symbol.for('durabl.error')
const { moduleUrl, exportName } = workerData

/** Top-level module code runs here, once per thread. */
const loaded = import(moduleUrl).then((namespace) => {
  const handler = namespace[exportName]
  if (typeof handler !== 'function') {
    const found = exportName in namespace ? typeof handler : 'nothing'
    throw new TypeError(
      `the thread handler module ${moduleUrl} exports ${found} as "${exportName}", not a function`,
    )
  }
  return handler
})
// A failed import is reported to every run that needs the handler, not as an unhandled rejection.
loaded.catch(() => {})

/** The abort controller of the run in progress, by run id. */
const controllers = new Map()

parentPort.on('message', (message) => {
  if (message.kind === 'run') void run(message.runId, message.job)
  else if (message.kind === 'abort') controllers.get(message.runId)?.abort(reviveReason(message.reason))
})

async function run(runId, job) {
  const controller = new AbortController()
  controllers.set(runId, controller)
  const ctx = {
    signal: controller.signal,
    log(message) {
      if (typeof message !== 'string') throw new TypeError(`message must be a string, got ${typeof message}`)
      parentPort.postMessage({ kind: 'log', runId, message })
    },
    // Throws a DataCloneError here, in the handler, when the value cannot be sent.
    progress(value) {
      parentPort.postMessage({ kind: 'progress', runId, value })
    },
  }
  try {
    let handler
    try {
      handler = await loaded
    } catch (error) {
      // The module is broken in this thread for good: the main thread replaces the thread.
      settle({ kind: 'settled', runId, ok: false, error: serializeError(error), retire: true })
      return
    }
    const value = await handler(job, ctx)
    settle({ kind: 'settled', runId, ok: true, result: value === undefined ? null : value })
  } catch (error) {
    settle({ kind: 'settled', runId, ok: false, error: serializeError(error), retire: false })
  } finally {
    controllers.delete(runId)
  }
}

function settle(message) {
  try {
    parentPort.postMessage(message)
  } catch (error) {
    // A result structured clone cannot copy (a function, a class with private state...).
    const reason = new TypeError(
      `the handler's result cannot be sent to the main thread (${error?.message ?? error}); return plain data`,
    )
    parentPort.postMessage({
      kind: 'settled',
      runId: message.runId,
      ok: false,
      error: serializeError(reason),
    })
  }
}

/** What the main thread needs to record a failed attempt; `fatal` for an UnrecoverableError of any copy of @durabl/core. */
function serializeError(thrown) {
  const code = typeof thrown?.code === 'string' ? thrown.code : null
  let message = `a handler threw a non-error value: ${typeof thrown}`
  if (typeof thrown === 'string') message = thrown
  else if (typeof thrown?.message === 'string') message = thrown.message
  return {
    name: typeof thrown?.name === 'string' ? thrown.name : 'Error',
    message,
    stack: thrown instanceof Error && typeof thrown.stack === 'string' ? thrown.stack : null,
    code,
    fatal: thrown?.[DURABL_ERROR_MARKER] === true && code === 'UNRECOVERABLE',
  }
}

/** The main thread's abort reason as an Error that `JobTimeoutError.isInstance()` and friends recognise. */
function reviveReason(reason) {
  const error = new Error(reason.message)
  error.name = reason.name
  if (reason.code !== null) {
    error.code = reason.code
    if (reason.durabl) error[DURABL_ERROR_MARKER] = true
  }
  return error
}
