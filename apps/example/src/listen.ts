import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Binds `server`, resolving with the bound port or rejecting with one line that names the address
 * and the reason (`cannot listen on 127.0.0.1:3000: address already in use (EADDRINUSE)`), where a
 * bare `listen()` would throw its error, with a stack, from an `error` event nobody handles.
 */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const reason = REASONS[error.code ?? ''] ?? error.message
      reject(new Error(`cannot listen on ${host}:${port}: ${reason}${error.code ? ` (${error.code})` : ''}`))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use',
  EADDRNOTAVAIL: 'the address is not one of this machine’s',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  ENOTFOUND: 'the host name does not resolve',
}

/** The base URL of a server bound to `host` and `port`; an IPv6 address goes in brackets. */
export function baseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}
