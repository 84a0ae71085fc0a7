// biome-ignore-all lint/correctness/noUnusedVariables: the README snippet spliced in at the marker uses them
// The root README's "Metrics, traces and operations" snippet as a program. It uses `queue`,
// `registry` and an express-like `app` without defining them: this file defines them (`app` on
// node:http), splices the snippet in verbatim at the marker, runs one job, and prints /metrics.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { JobQueue } from '@durabl/core'
import { MongoBackend } from '@durabl/mongo'
import { MongoClient } from 'mongodb'
import { Registry } from 'prom-client'

type Handler = (request: IncomingMessage, response: ServerResponse) => void
const routes = new Map<string, Handler>()
const app = { get: (path: string, handler: Handler) => void routes.set(path, handler) }
const server = createServer((request, response) => {
  const handler = request.method === 'GET' ? routes.get(request.url ?? '') : undefined
  if (handler) return handler(request, response)
  response.writeHead(404).end()
})

const client = await MongoClient.connect(process.env.MONGO_URL!)
const queue = new JobQueue(new MongoBackend({ db: client.db('metrics_snippet'), useChangeStreams: 'auto' }))
const registry = new Registry()

// README: Metrics, traces and operations

queue.process<{ to: string }>('send-email', async () => {})
await queue.startup()
const id = await queue.enqueue('send-email', { to: 'u_1' })
const deadline = Date.now() + 20_000
while ((await queue.getJob(id!))?.state !== 'completed') {
  if (Date.now() > deadline) throw new Error(`job ${id} did not complete`)
  await new Promise((resolve) => setTimeout(resolve, 50))
}
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address() as AddressInfo
const response = await fetch(`http://127.0.0.1:${port}/metrics`)
console.log(JSON.stringify({ status: response.status, metrics: await response.text() }))
server.close()
await queue.shutdown(5_000)
await client.close()
