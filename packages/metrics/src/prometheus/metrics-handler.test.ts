import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Gauge, type OpenMetricsContentType, Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetricsHandler } from './metrics-handler.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  )
})

async function listen(server: Server): Promise<number> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; contentType: string | undefined }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        body += chunk
      })
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, contentType: response.headers['content-type'] }),
      )
    })
      .on('error', reject)
      .end()
  })
}

describe('createMetricsHandler', () => {
  it('plugs into an existing node:http server next to its own routes', async () => {
    const registry = new Registry()
    new Gauge({ name: 'durabl_test_gauge', help: 'A gauge.', registers: [registry] }).set(42)
    const metrics = createMetricsHandler({ registry })
    const port = await listen(
      createServer((req, res) => {
        if (req.url === '/metrics') return metrics(req, res)
        res.end('app')
      }),
    )
    const reply = await get(port, '/metrics')
    expect(reply.status).toBe(200)
    expect(reply.contentType).toBe(registry.contentType)
    expect(reply.body).toContain('durabl_test_gauge 42')
    expect((await get(port, '/')).body).toBe('app')
  })

  it('serves the OpenMetrics content type of an OpenMetrics registry', async () => {
    const registry = new Registry<OpenMetricsContentType>()
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
    const port = await listen(createServer(createMetricsHandler({ registry })))
    const reply = await get(port, '/anything')
    expect(reply.contentType).toBe(Registry.OPENMETRICS_CONTENT_TYPE)
    expect(reply.body).toContain('# EOF')
  })

  it('checks the bearer token when one is set', async () => {
    const token = 'x'.repeat(32)
    const port = await listen(
      createServer(createMetricsHandler({ registry: new Registry(), bearerToken: token })),
    )
    expect((await get(port, '/metrics')).status).toBe(401)
    expect((await get(port, '/metrics', { Authorization: `Bearer ${token}` })).status).toBe(200)
  })

  it('answers 500 and survives an onError callback that throws', async () => {
    const registry = new Registry()
    new Gauge({
      name: 'durabl_broken',
      help: 'Fails to collect.',
      registers: [registry],
      collect() {
        throw new Error('boom')
      },
    })
    const onError = () => {
      throw new Error('logger down')
    }
    const port = await listen(createServer(createMetricsHandler({ registry, onError })))
    expect((await get(port, '/metrics')).status).toBe(500)
  })

  it('validates its options', () => {
    expect(() => createMetricsHandler({ registry: 'nope' as never })).toThrow('options.registry must be')
    expect(() => createMetricsHandler({ bearerToken: 'short' })).toThrow('options.bearerToken must be')
    expect(() => createMetricsHandler({ token: 'x' } as never)).toThrow('options.token is not a known option')
  })
})
