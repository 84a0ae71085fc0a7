import { createServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import { baseUrl, listen } from './listen.js'

describe('listen', () => {
  it('resolves with the bound port, and rejects with one line naming the address when it is taken', async () => {
    const first = createServer()
    const port = await listen(first, 0, '127.0.0.1')
    expect(port).toBeGreaterThan(0)
    try {
      await expect(listen(createServer(), port, '127.0.0.1')).rejects.toThrow(
        `cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE)`,
      )
    } finally {
      await new Promise((resolve) => first.close(resolve))
    }
  })
})

describe('baseUrl', () => {
  it('puts an IPv6 address in brackets', () => {
    expect(baseUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000')
    expect(baseUrl('localhost', 80)).toBe('http://localhost:80')
    expect(baseUrl('::1', 3000)).toBe('http://[::1]:3000')
  })
})
