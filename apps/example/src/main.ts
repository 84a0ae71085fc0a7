import type { AddressInfo } from 'node:net'
import { JobQueue } from '@durabl/core'
import { createMetricsHandler, instrumentQueue } from '@durabl/metrics/prometheus'
import { tracingHooks } from '@durabl/metrics/tracing'
import { MongoBackend } from '@durabl/mongo'
import { Registry } from 'prom-client'
import { connectMongo } from './connect-mongo.js'
import { createHttpServer } from './http-server.js'
import { registerHandlers } from './jobs.js'
import { parseExampleOptions } from './options.js'
import { setupTracing } from './setup-tracing.js'

const log = (line: string) => console.log(`[example] ${line}`)

async function main(): Promise<void> {
  const options = parseExampleOptions(process.argv.slice(2), process.env)
  const tracing = setupTracing(process.env, log, `durabl-example-${options.role}`)
  const mongo = await connectMongo(process.env)
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
  const metrics = instrumentQueue(queue, { registry, queueName: 'example' })
  if (options.role !== 'producer') registerHandlers(queue, log)
  await queue.startup()

  const server = createHttpServer({
    queue,
    acceptsSignups: options.role !== 'worker',
    metrics: createMetricsHandler({ registry }),
  })
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve))
  const { port } = server.address() as AddressInfo
  const base = `http://${options.host}:${port}`
  log(`listening on ${base} (POST /signup, GET /stats, GET /metrics, GET /healthz)`)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log(`${signal}: draining (up to ${options.shutdownTimeoutMs} ms for running jobs)`)
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await queue.shutdown(options.shutdownTimeoutMs)
    metrics.stop()
    await tracing.shutdown()
    await mongo.close()
    log('stopped cleanly')
  }
  process.once('SIGTERM', () => void stop('SIGTERM').then(() => process.exit(0)))
  process.once('SIGINT', () => void stop('SIGINT').then(() => process.exit(0)))

  if (options.demoSignups > 0 && options.role !== 'worker') {
    for (let index = 1; index <= options.demoSignups; index++) {
      const response = await fetch(`${base}/signup`, {
        method: 'POST',
        body: JSON.stringify({ email: `demo${index}@example.com` }),
      })
      log(`demo sign-up ${index}: ${response.status} ${await response.text()}`)
    }
    log(
      `try it: curl -X POST ${base}/signup -d '{"email":"you@example.com"}'; curl ${base}/metrics; Ctrl-C stops`,
    )
  }
}

main().catch((error: Error) => {
  console.error(`[example] failed to start: ${error.message}`)
  process.exit(1)
})
