import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, Socket } from 'node:net'

/** Debian's redis-server; override with BENCH_REDIS_SERVER. */
const DEFAULT_BINARY = '/usr/bin/redis-server'
const START_TIMEOUT_MS = 10_000

export interface RedisInstance {
  host: string
  port: number
  version: string
  stop(): Promise<void>
}

/** The result of trying to start Redis: an instance, or why there is none (BullMQ is then skipped). */
export type RedisStart = { ok: true; redis: RedisInstance } | { ok: false; reason: string }

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Sends one inline command and resolves with the first reply, or rejects. */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket()
    let reply = ''
    socket.setTimeout(1_000, () => socket.destroy(new Error('timeout')))
    socket.once('error', reject)
    socket.connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`))
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8')
      // A bulk reply ($len\r\n...\r\n) or a simple one (+OK\r\n).
      const complete = reply.startsWith('$')
        ? reply.length >= reply.indexOf('\r\n') + 2 + Number(reply.slice(1, reply.indexOf('\r\n'))) + 2
        : reply.endsWith('\r\n')
      if (complete) {
        socket.end()
        resolve(reply)
      }
    })
  })
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Starts the harness's own redis-server on 127.0.0.1 and a free port, without persistence
 * (`--save '' --appendonly no`). Installs nothing: when the binary is missing, says so.
 */
export async function startRedis(): Promise<RedisStart> {
  const binary = process.env.BENCH_REDIS_SERVER ?? DEFAULT_BINARY
  if (!existsSync(binary)) return { ok: false, reason: `redis-server not found at ${binary}` }
  const port = await freePort()
  let child: ChildProcess
  try {
    child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    )
  } catch (error) {
    return { ok: false, reason: `redis-server could not be started: ${(error as Error).message}` }
  }
  let exited = false
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true
      resolve()
    })
    child.once('error', () => {
      exited = true
      resolve()
    })
  })
  const stop = async () => {
    if (!exited) child.kill('SIGTERM')
    await exitedPromise
  }
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline && !exited) {
    try {
      if ((await redisCommand(port, 'PING')).startsWith('+PONG')) {
        const info = await redisCommand(port, 'INFO server')
        const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown'
        return { ok: true, redis: { host: '127.0.0.1', port, version, stop } }
      }
    } catch {
      // not listening yet
    }
    await delay(50)
  }
  await stop()
  return {
    ok: false,
    reason: exited ? 'redis-server exited at start' : 'redis-server did not answer PING in 10 s',
  }
}
