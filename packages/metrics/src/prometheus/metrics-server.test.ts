import { request } from 'node:http'
import { Counter, Registry } from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type MetricsServer, startMetricsServer } from './metrics-server.js'

const TOKEN = 'a-long-enough-secret-token-0123'

const servers: MetricsServer[] = []
async function start(options: Parameters<typeof startMetricsServer>[0]): Promise<MetricsServer> {
  const server = await startMetricsServer(options)
  servers.push(server)
  return server
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

function registryWithSample(): Registry {
  const registry = new Registry()
  new Counter({ name: 'durabl_test_total', help: 'A test counter.', registers: [registry] }).inc(3)
  return registry
}

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function fetchText(
  server: MetricsServer,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: server.host, port: server.port, path, method: init.method ?? 'GET', headers: init.headers },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          body += chunk
        })
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        )
      },
    )
    outgoing.on('error', reject)
    outgoing.end()
  })
}

describe('startMetricsServer', () => {
  it('binds 127.0.0.1 by default and serves the exposition format at /metrics', async () => {
    const server = await start({ port: 0, registry: registryWithSample() })
    expect(server.host).toBe('127.0.0.1')
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`)
    const reply = await fetchText(server, '/metrics')
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(reply.headers['cache-control']).toBe('no-store')
    expect(reply.body).toContain('# TYPE durabl_test_total counter')
    expect(reply.body).toContain('durabl_test_total 3')
    // A query string does not change the path.
    expect((await fetchText(server, '/metrics?x=1')).status).toBe(200)
  })

  it('answers 404 on every other path, and 405 to other methods', async () => {
    const server = await start({ port: 0, registry: registryWithSample(), path: '/internal/metrics' })
    expect((await fetchText(server, '/metrics')).status).toBe(404)
    expect((await fetchText(server, '/')).status).toBe(404)
    expect((await fetchText(server, '/internal/metrics')).status).toBe(200)
    const post = await fetchText(server, '/internal/metrics', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.allow).toBe('GET, HEAD')
    const head = await fetchText(server, '/internal/metrics', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
  })

  it('enforces the bearer token when one is set', async () => {
    const server = await start({ port: 0, registry: registryWithSample(), bearerToken: TOKEN })
    const missing = await fetchText(server, '/metrics')
    expect(missing.status).toBe(401)
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="metrics"')
    expect(missing.body).not.toContain('durabl_test_total')
    const wrong = await fetchText(server, '/metrics', { headers: { Authorization: `Bearer ${TOKEN}x` } })
    expect(wrong.status).toBe(401)
    const basic = await fetchText(server, '/metrics', { headers: { Authorization: `Basic ${TOKEN}` } })
    expect(basic.status).toBe(401)
    const right = await fetchText(server, '/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } })
    expect(right.status).toBe(200)
    expect(right.body).toContain('durabl_test_total 3')
    const lowercase = await fetchText(server, '/metrics', { headers: { authorization: `bearer ${TOKEN}` } })
    expect(lowercase.status).toBe(200)
    // Other paths stay 404 with or without the token.
    expect((await fetchText(server, '/other')).status).toBe(404)
  })

  it('answers a bare 500 when collection fails, without leaking the error', async () => {
    const registry = new Registry()
    new Counter({
      name: 'durabl_broken_total',
      help: 'Fails to collect.',
      registers: [registry],
      collect() {
        throw new Error('mongodb://user:hunter2@db/secret failed')
      },
    })
    const onError = vi.fn()
    const server = await start({ port: 0, registry, onError })
    const reply = await fetchText(server, '/metrics')
    expect(reply.status).toBe(500)
    expect(reply.body).toBe('Metrics collection failed\n')
    expect(onError).toHaveBeenCalledTimes(1)
  })

  it('binds the host it is given', async () => {
    const server = await start({ port: 0, host: '0.0.0.0', registry: registryWithSample() })
    expect(server.host).toBe('0.0.0.0')
  })

  it('closes cleanly, also with a keep-alive connection open, and close() is idempotent', async () => {
    const server = await startMetricsServer({ port: 0, registry: registryWithSample() })
    const reply = await fetchText(server, '/metrics', { headers: { Connection: 'keep-alive' } })
    expect(reply.status).toBe(200)
    await Promise.all([server.close(), server.close()])
    expect(server.server.listening).toBe(false)
  })

  it('rejects when the port is taken', async () => {
    const first = await start({ port: 0, registry: registryWithSample() })
    await expect(startMetricsServer({ port: first.port, registry: registryWithSample() })).rejects.toThrow(
      /EADDRINUSE/,
    )
  })

  it('validates its options without ever echoing the token', async () => {
    await expect(startMetricsServer({} as never)).rejects.toThrow('options.port is required')
    await expect(startMetricsServer({ port: 70_000 })).rejects.toThrow('options.port must be an integer')
    await expect(startMetricsServer({ port: 0, path: 'metrics' })).rejects.toThrow('options.path must start')
    const shortToken = 'hunter2'
    const error = await startMetricsServer({ port: 0, bearerToken: shortToken }).catch(
      (caught: Error) => caught,
    )
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toContain('options.bearerToken must be at least 16')
    expect((error as Error).message).not.toContain(shortToken)
    expect(JSON.stringify(error)).not.toContain(shortToken)
    const spaced = `${TOKEN} with spaces`
    const spacedError = await startMetricsServer({ port: 0, bearerToken: spaced }).catch(
      (caught: Error) => caught,
    )
    expect((spacedError as Error).message).not.toContain(spaced)
  })
})
