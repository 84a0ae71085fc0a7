import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { JobQueue } from '@durabl/core'
import type { MetricsHandler } from '@durabl/metrics/prometheus'
import { trace } from '@opentelemetry/api'
import { enqueueSignup } from './jobs.js'

const MAX_BODY_BYTES = 16 * 1024
const EMAIL = /^[^\s@]+@[^\s@]+$/

export interface HttpServerParams {
  queue: JobQueue
  /** Producers accept sign-ups; workers only serve metrics, stats and health. */
  acceptsSignups: boolean
  metrics: MetricsHandler
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new Error(`the body is larger than ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
}

/**
 * POST /signup {"email"} enqueues a sign-up's jobs inside a SERVER span, so each job's trace
 * starts at the request; GET /stats, GET /metrics, GET /healthz.
 */
export function createHttpServer({ queue, acceptsSignups, metrics }: HttpServerParams): Server {
  const tracer = trace.getTracer('durabl-example')
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]
    if (request.method === 'GET' && path === '/metrics') return void metrics(request, response)
    if (request.method === 'GET' && path === '/healthz') return send(response, 200, { ok: true })
    if (request.method === 'GET' && path === '/stats') {
      queue.getStats().then(
        (stats) => send(response, 200, stats),
        (error: Error) => send(response, 503, { error: error.message }),
      )
      return
    }
    if (request.method === 'POST' && path === '/signup' && acceptsSignups) {
      tracer.startActiveSpan('POST /signup', { kind: 1 }, async (span) => {
        try {
          const body = (await readJson(request)) as { email?: unknown }
          if (typeof body.email !== 'string' || !EMAIL.test(body.email)) {
            return send(response, 400, {
              error: `email must be an address, got ${JSON.stringify(body.email)}`,
            })
          }
          const userId = `u_${randomUUID().slice(0, 8)}`
          const jobs = await enqueueSignup(queue, userId, body.email)
          send(response, 202, { userId, jobs })
        } catch (error) {
          send(response, 400, { error: (error as Error).message })
        } finally {
          span.end()
        }
      })
      return
    }
    send(response, 404, { error: `no route ${request.method} ${path}` })
  })
}
