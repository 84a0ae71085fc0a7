import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ValidationError } from '@durabl/core'
import type { Registry, RegistryContentType } from 'prom-client'
import {
  rejectUnknownKeys,
  requireIntegerBetween,
  requireNonEmptyString,
  requireOptionsObject,
} from '../shared/option-rules.js'
import { createMetricsHandler } from './metrics-handler.js'

/** Defaults for {@link MetricsServerOptions}. */
export const METRICS_SERVER_DEFAULTS = {
  /** Loopback only: exposing metrics beyond the host is a decision, not a default. */
  host: '127.0.0.1',
  path: '/metrics',
} as const

export interface MetricsServerOptions {
  /** The TCP port; 0 picks a free one (read it back from `server.port`). */
  port: number
  /** The address to bind. Set `'0.0.0.0'` (or `'::'`) to accept scrapes from other hosts. @defaultValue '127.0.0.1' */
  host?: string
  /** The one path that serves metrics; every other path answers 404. @defaultValue '/metrics' */
  path?: string
  /** Requests to `path` without `Authorization: Bearer <token>` get 401. @defaultValue none */
  bearerToken?: string
  /** @defaultValue prom-client's global `register` */
  registry?: Registry<RegistryContentType>
  /** Called when collecting the metrics failed. @defaultValue none */
  onError?: (error: Error) => void
}

export interface MetricsServer {
  /** The bound address (the real port when `port` was 0). */
  readonly host: string
  readonly port: number
  /** Where Prometheus should scrape, such as `http://127.0.0.1:9464/metrics`. */
  readonly url: string
  /** The underlying server, for timeouts or tests. */
  readonly server: Server
  /** Stops accepting connections, closes idle keep-alive ones and resolves once in-flight scrapes ended. Idempotent. */
  close(): Promise<void>
}

const KEYS = ['port', 'host', 'path', 'bearerToken', 'registry', 'onError'] as const satisfies ReadonlyArray<
  keyof MetricsServerOptions
>

/**
 * Starts a small HTTP server that serves only the metrics: `GET|HEAD <path>` (with the bearer
 * token when one is set), 404 for every other path. Resolves once it is listening; rejects if the
 * port cannot be bound.
 *
 * ```ts
 * const server = await startMetricsServer({ port: 9464, bearerToken: process.env.METRICS_TOKEN })
 * process.on('SIGTERM', () => void server.close())
 * ```
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const input = requireOptionsObject('options', options)
  rejectUnknownKeys('options', input, KEYS)
  if (input.port === undefined)
    throw new ValidationError('options.port', 'is required (0 picks a free port)', undefined)
  const port = requireIntegerBetween('options.port', input.port, 0, 65_535)
  const host =
    input.host === undefined
      ? METRICS_SERVER_DEFAULTS.host
      : requireNonEmptyString('options.host', input.host, 255)
  const path =
    input.path === undefined
      ? METRICS_SERVER_DEFAULTS.path
      : requireNonEmptyString('options.path', input.path, 1_000)
  if (!path.startsWith('/') || path.includes('?') || path.includes('#')) {
    throw new ValidationError('options.path', 'must start with "/" and hold no query or fragment', path)
  }
  const handler = createMetricsHandler({
    ...(input.registry === undefined ? {} : { registry: input.registry as Registry<RegistryContentType> }),
    ...(input.bearerToken === undefined ? {} : { bearerToken: input.bearerToken as string }),
    ...(input.onError === undefined ? {} : { onError: input.onError as (error: Error) => void }),
  })

  const server = createServer((request, response) => {
    const pathname = (request.url ?? '').split('?', 1)[0]
    if (pathname !== path) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
      response.end('Not Found\n')
      return
    }
    handler(request, response)
  })

  await new Promise<void>((resolve, reject) => {
    const onListenError = (error: Error) => reject(error)
    server.once('error', onListenError)
    server.listen({ port, host }, () => {
      server.off('error', onListenError)
      resolve()
    })
  })

  const address = server.address() as AddressInfo
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  let closing: Promise<void> | null = null
  return {
    host: address.address,
    port: address.port,
    url: `http://${urlHost}:${address.port}${path}`,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeIdleConnections()
      })
      return closing
    },
  }
}
