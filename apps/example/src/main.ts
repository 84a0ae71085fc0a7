import type { Server } from 'node:http'
import { JobQueue } from '@durabl/core'
import { createMetricsHandler, instrumentQueue } from '@durabl/metrics/prometheus'
import { tracingHooks } from '@durabl/metrics/tracing'
import { MongoBackend } from '@durabl/mongo'
import { Registry } from 'prom-client'
import { connectMongo, type MongoConnection } from './connect-mongo.js'
import { createHttpServer } from './http-server.js'
import { registerHandlers, SCHEDULES, WELCOME_EMAIL_LIMITS } from './jobs.js'
import { baseUrl, listen } from './listen.js'
import { type ExampleOptions, parseExampleOptions } from './options.js'
import { setupTracing } from './setup-tracing.js'
import { createStopHandler, type StopStep, stopInOrder } from './stop-handler.js'

const log = (line: string) => console.log(`[example] ${line}`)
const logError = (line: string) => console.error(`[example] ${line}`)

/** What has been started so far, so a failed start or a signal stops exactly that. */
interface Running {
  tracing?: { shutdown(): Promise<void> }
  mongo?: MongoConnection
  queue?: JobQueue
  metrics?: { stop(): void }
  server?: Server
}

/** The order of a graceful stop: no new requests, drain the jobs, flush, then disconnect. */
function stopSteps(running: Running, shutdownTimeoutMs: number): StopStep[] {
  const { server, queue, metrics, tracing, mongo } = running
  const steps: Array<StopStep | false | undefined> = [
    server && { name: 'close the HTTP server', run: () => closeServer(server) },
    queue && {
      name: `drain the queue (up to ${shutdownTimeoutMs} ms)`,
      run: () => queue.shutdown(shutdownTimeoutMs),
    },
    metrics && { name: 'stop the metrics', run: () => metrics.stop() },
    tracing && { name: 'flush the traces', run: () => tracing.shutdown() },
    mongo && { name: 'close MongoDB', run: () => mongo.close() },
  ]
  return steps.filter((step): step is StopStep => Boolean(step))
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
}

async function start(options: ExampleOptions, running: Running): Promise<string> {
  const tracing = setupTracing(process.env, log, `durabl-example-${options.role}`)
  running.tracing = tracing
  const mongo = await connectMongo(process.env)
  running.mongo = mongo
  log(`role ${options.role}; MongoDB at ${mongo.description}; traces to ${tracing.exporter}`)

  const backend = new MongoBackend({
    db: mongo.client.db(process.env.MONGO_DB ?? 'durabl_example'),
    useChangeStreams: 'auto',
  })
  const queue = new JobQueue(backend)
  queue.use(tracingHooks())
  queue.on('push:fallback', ({ reason }) => log(`change streams unavailable, polling: ${reason}`))
  queue.on('queue:error', ({ error, operation }) => log(`queue error in ${operation}: ${error.message}`))
  const registry = new Registry()
  running.metrics = instrumentQueue(queue, { registry, queueName: 'example' })
  if (options.role !== 'producer') registerHandlers(queue, log)
  running.queue = queue
  await queue.startup()
  if (options.role !== 'producer') {
    await queue.limits.set('welcome-email', WELCOME_EMAIL_LIMITS)
    const synced = await queue.schedules.sync(SCHEDULES)
    log(
      `schedules: ${SCHEDULES.map((schedule) => schedule.id).join(', ')} (created ${synced.created.length}, updated ${synced.updated.length})`,
    )
  }

  const server = createHttpServer({
    queue,
    acceptsSignups: options.role !== 'worker',
    metrics: createMetricsHandler({ registry }),
  })
  const port = await listen(server, options.port, options.host)
  running.server = server
  const base = baseUrl(options.host, port)
  log(`listening on ${base} (POST /signup, GET /stats, GET /metrics, GET /healthz)`)
  return base
}

async function sendDemoSignups(base: string, count: number): Promise<void> {
  for (let index = 1; index <= count; index++) {
    const response = await fetch(`${base}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `demo${index}@example.com` }),
    })
    log(`demo sign-up ${index}: ${response.status} ${await response.text()}`)
  }
  log(
    `try it: curl -X POST ${base}/signup -H 'content-type: application/json' -d '{"email":"you@example.com"}'; ` +
      `curl ${base}/metrics; Ctrl-C stops`,
  )
}

async function main(): Promise<void> {
  const running: Running = {}
  let options: ExampleOptions
  let base: string
  try {
    options = parseExampleOptions(process.argv.slice(2), process.env)
    base = await start(options, running)
  } catch (error) {
    // One line on stderr and exit 1, after stopping whatever had started (no stack trace: the
    // message names the setting and the value).
    const cleanup = await stopInOrder(stopSteps(running, 0))
    logError(`failed to start: ${(error as Error).message}${cleanup ? `; then ${cleanup}` : ''}`)
    process.exit(1)
  }

  const stop = createStopHandler({
    steps: () => stopSteps(running, options.shutdownTimeoutMs),
    log,
    logError,
    exit: (code) => process.exit(code),
  })
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))

  if (options.demoSignups > 0 && options.role !== 'worker') await sendDemoSignups(base, options.demoSignups)
}

main().catch((error: Error) => {
  logError(`failed: ${error.message}`)
  process.exit(1)
})
