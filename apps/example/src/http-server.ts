import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { JobQueue } from '@durabl/core'
import type { MetricsHandler } from '@durabl/metrics/prometheus'
import { trace } from '@opentelemetry/api'
import { HttpError, preview } from './http-error.js'
import { enqueueSignup } from './jobs.js'
import { readJsonObject } from './read-json-object.js'

const EMAIL = /^[^\s@]+@[^\s@]+$/
const SIGNUP_EXAMPLE = '{"email":"you@example.com"}'

export interface HttpServerParams {
  queue: JobQueue
  /** Producers accept sign-ups; workers only serve metrics, stats and health. */
  acceptsSignups: boolean
  metrics: MetricsHandler
}

type Route = (request: IncomingMessage, response: ServerResponse) => void

/**
 * Sends a JSON body with its length, so HEAD answers carry the same headers as GET (Node leaves the
 * body out of an answer to HEAD).
 */
function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  })
  response.end(text)
}

function sendError(response: ServerResponse, error: unknown) {
  if (error instanceof HttpError) {
    return send(response, error.status, { error: error.message }, error.headers)
  }
  send(response, 500, { error: (error as Error).message })
}

/**
 * POST /signup {"email"} enqueues a sign-up's jobs inside a SERVER span, so each job's trace
 * starts at the request; GET (and HEAD) /stats, /schedules, /limits, /metrics, /healthz. A known path asked with another
 * method gets 405 and an `Allow` header; an unknown path gets 404.
 */
export function createHttpServer({ queue, acceptsSignups, metrics }: HttpServerParams): Server {
  const tracer = trace.getTracer('durabl-example')
  const read: Record<string, Route> = {
    '/metrics': metrics,
    '/healthz': (_request, response) => send(response, 200, { ok: true }),
    '/stats': (_request, response) =>
      void queue.getStats().then(
        (stats) => send(response, 200, stats),
        (error: Error) => send(response, 503, { error: error.message }),
      ),
    '/limits': (_request, response) =>
      void queue.limits.list().then(
        (limits) => send(response, 200, limits),
        (error: Error) => send(response, 503, { error: error.message }),
      ),
    '/schedules': (_request, response) =>
      void queue.schedules.list().then(
        (schedules) =>
          send(
            response,
            200,
            schedules.map(
              ({ id, definition, nextRunAt, lastRunAt, paused, runs, skipped, missed, lagMs }) => ({
                id,
                type: definition.type,
                cron: definition.cron,
                everyMs: definition.everyMs,
                timezone: definition.timezone,
                nextRunAt,
                lastRunAt,
                paused,
                runs,
                skipped,
                missed,
                lagMs,
              }),
            ),
          ),
        (error: Error) => send(response, 503, { error: error.message }),
      ),
  }
  const signup: Route = (request, response) =>
    tracer.startActiveSpan('POST /signup', { kind: 1 }, async (span) => {
      try {
        const body = await readJsonObject(request, SIGNUP_EXAMPLE)
        if (typeof body.email !== 'string' || !EMAIL.test(body.email)) {
          throw new HttpError(400, `email must be an address, got ${preview(body.email)}`)
        }
        const userId = `u_${randomUUID().slice(0, 8)}`
        const jobs = await enqueueSignup(queue, userId, body.email)
        send(response, 202, { userId, jobs })
      } catch (error) {
        sendError(response, error)
      } finally {
        span.end()
      }
    })

  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    const method = request.method ?? 'GET'
    const readRoute = read[path]
    if (readRoute) {
      if (method === 'GET' || method === 'HEAD') return readRoute(request, response)
      return send(
        response,
        405,
        { error: `${path} answers GET and HEAD, got ${method}` },
        { allow: 'GET, HEAD' },
      )
    }
    if (path === '/signup' && acceptsSignups) {
      if (method === 'POST') return signup(request, response)
      return send(response, 405, { error: `/signup answers POST, got ${method}` }, { allow: 'POST' })
    }
    send(response, 404, { error: `no route ${method} ${path}` })
  })
}
