import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { post, type StartedApp, startApp } from './start-app.js'

const TEN_MB = 10 * 1024 * 1024

describe('the example app refuses bad requests with the status that says why', () => {
  let app: StartedApp & { base: string }

  beforeAll(async () => {
    app = await startApp()
  })

  afterAll(async () => {
    if (app.child.exitCode !== null) return
    app.child.kill('SIGTERM')
    expect(await app.exited).toBe(0)
  })

  it('answers 413 to a 10 MB body, with or without a content-length', async () => {
    const body = `{"email":"${'a'.repeat(TEN_MB)}@example.com"}`
    const declared = await post(app.base, '/signup', body)
    expect(declared.status).toBe(413)
    expect(await declared.json()).toEqual({
      error: `the body must be at most 16384 bytes, got ${body.length} bytes`,
    })

    const chunk = new Uint8Array(64 * 1024).fill(0x20)
    let sent = 0
    const streamed = await fetch(`${app.base}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        pull(controller) {
          if (sent >= TEN_MB) return controller.close()
          sent += chunk.length
          controller.enqueue(chunk)
        },
      }),
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
    expect(((await streamed.json()) as { error: string }).error).toMatch(
      /^the body must be at most 16384 bytes/,
    )
  })

  it('answers 400 naming the expected shape to null, an array, a string or bad JSON', async () => {
    const expected = 'the body must be a JSON object like {"email":"you@example.com"}'
    for (const [body, got] of [
      ['null', ', got null'],
      ['[1]', ', got an array'],
      ['"you@example.com"', ', got "you@example.com"'],
    ]) {
      const response = await post(app.base, '/signup', body!)
      expect(response.status, body).toBe(400)
      expect(await response.json()).toEqual({ error: `${expected}${got}` })
    }
    const long = await post(app.base, '/signup', JSON.stringify('x'.repeat(10_000)))
    expect(((await long.json()) as { error: string }).error).toBe(
      `${expected}, got "${'x'.repeat(79)}… (10002 characters)`,
    )
    const broken = await post(app.base, '/signup', '{"email":')
    expect(broken.status).toBe(400)
    const { error } = (await broken.json()) as { error: string }
    expect(error.startsWith(`${expected}: `)).toBe(true)
    expect(error).not.toMatch(/TypeError|Cannot read/)
  })

  it('answers 415 to JSON sent as text/plain, or with no content type', async () => {
    const body = JSON.stringify({ email: 'plain@example.com' })
    const plain = await post(app.base, '/signup', body, 'text/plain;charset=UTF-8')
    expect(plain.status).toBe(415)
    expect(plain.headers.get('accept-post')).toBe('application/json')
    expect(await plain.json()).toEqual({
      error: 'content-type must be application/json, got "text/plain;charset=UTF-8"',
    })
    const none = await fetch(`${app.base}/signup`, {
      method: 'POST',
      body: new Uint8Array(Buffer.from(body)),
    })
    expect(none.status).toBe(415)
    expect(await none.json()).toEqual({ error: 'content-type must be application/json, got null' })

    const json = await post(app.base, '/signup', body, 'application/json; charset=utf-8')
    expect(json.status).toBe(202)
  })

  it('answers HEAD on every GET route with the GET headers and no body', async () => {
    for (const path of ['/metrics', '/healthz', '/stats']) {
      const head = await fetch(`${app.base}${path}`, { method: 'HEAD' })
      expect(head.status, path).toBe(200)
      expect(await head.text(), path).toBe('')
      const get = await fetch(`${app.base}${path}`)
      expect(head.headers.get('content-type'), path).toBe(get.headers.get('content-type'))
      expect(await get.text(), path).not.toBe('')
    }
    const healthz = await fetch(`${app.base}/healthz`, { method: 'HEAD' })
    expect(healthz.headers.get('content-length')).toBe(String(JSON.stringify({ ok: true }).length))
  })

  it('answers 405 with Allow to a known path asked with another method, 404 to an unknown path', async () => {
    const postMetrics = await post(app.base, '/metrics', '{}')
    expect(postMetrics.status).toBe(405)
    expect(postMetrics.headers.get('allow')).toBe('GET, HEAD')
    const getSignup = await fetch(`${app.base}/signup`)
    expect(getSignup.status).toBe(405)
    expect(getSignup.headers.get('allow')).toBe('POST')
    expect((await fetch(`${app.base}/nowhere`)).status).toBe(404)
  })
})
