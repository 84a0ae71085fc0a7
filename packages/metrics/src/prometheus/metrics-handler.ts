import type { IncomingMessage, ServerResponse } from 'node:http'
import { normalizeError } from '@durabl/core'
import { type Registry, type RegistryContentType, register } from 'prom-client'
import { rejectUnknownKeys, requireFunction, requireOptionsObject } from '../shared/option-rules.js'
import { createBearerCheck, requireBearerToken } from './bearer-token.js'
import { requireRegistry } from './instrument-queue-options.js'

export interface MetricsHandlerOptions {
  /** The registry to expose. @defaultValue prom-client's global `register` */
  registry?: Registry<RegistryContentType>
  /**
   * When set, requests without `Authorization: Bearer <token>` get 401. At least 16 visible ASCII
   * characters; compared in constant time. @defaultValue none (no authentication)
   */
  bearerToken?: string
  /** Called when collecting the metrics failed (the response is a bare 500). @defaultValue none */
  onError?: (error: Error) => void
}

/** A `node:http` request listener; Express accepts it as a route handler as it is. */
export type MetricsHandler = (request: IncomingMessage, response: ServerResponse) => void

const KEYS = ['registry', 'bearerToken', 'onError'] as const satisfies ReadonlyArray<
  keyof MetricsHandlerOptions
>

/**
 * Serves the registry in the Prometheus text format (or OpenMetrics, if the registry is set to it)
 * to GET and HEAD requests, whatever the path: route to it yourself.
 *
 * - `node:http`: `if (request.url === '/metrics') return handler(request, response)`
 * - Express: `app.get('/metrics', handler)`
 * - Fastify: `app.get('/metrics', (request, reply) => { reply.hijack(); handler(request.raw, reply.raw) })`
 *
 * Error details never reach the response: a failed collection answers a bare 500 and goes to
 * `onError`.
 */
export function createMetricsHandler(options?: MetricsHandlerOptions): MetricsHandler {
  const input = requireOptionsObject('options', options)
  rejectUnknownKeys('options', input, KEYS)
  const registry = input.registry === undefined ? register : requireRegistry(input.registry)
  const isAuthorized =
    input.bearerToken === undefined
      ? null
      : createBearerCheck(requireBearerToken('options.bearerToken', input.bearerToken))
  const onError =
    input.onError === undefined
      ? null
      : requireFunction<(error: Error) => void>('options.onError', input.onError)

  return (request, response) => {
    if (isAuthorized !== null && !isAuthorized(request.headers.authorization)) {
      respond(response, 401, 'Unauthorized\n', { 'WWW-Authenticate': 'Bearer realm="metrics"' })
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      respond(response, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' })
      return
    }
    registry.metrics().then(
      (body) => {
        response.writeHead(200, {
          'Content-Type': registry.contentType,
          'Cache-Control': 'no-store',
          'Content-Length': Buffer.byteLength(body),
        })
        response.end(request.method === 'HEAD' ? undefined : body)
      },
      (error: unknown) => {
        respond(response, 500, 'Metrics collection failed\n')
        try {
          onError?.(normalizeError(error))
        } catch {
          // Nobody awaits this promise: a throwing callback must not become an unhandled rejection.
        }
      },
    )
  }
}

function respond(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.end()
    return
  }
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  })
  response.end(body)
}
