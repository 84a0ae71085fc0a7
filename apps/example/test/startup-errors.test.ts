import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { spawnApp } from './start-app.js'

/** Runs the app until it exits; resolves with its exit code and the lines it wrote to stderr. */
async function runUntilExit(args: string[]) {
  const app = spawnApp(args)
  const code = await app.exited
  return { code, stderrLines: app.stderr().trimEnd().split('\n'), stdout: app.stdout() }
}

describe('the example app fails to start with one line on stderr and exit code 1', () => {
  it('when the port is taken', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const { port } = taken.address() as { port: number }
    try {
      const { code, stderrLines } = await runUntilExit(['--port', String(port), '--host', '127.0.0.1'])
      expect(code).toBe(1)
      expect(stderrLines).toEqual([
        `[example] failed to start: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE)`,
      ])
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })

  it('when the host is not an address of this machine', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a local interface.
    const { code, stderrLines } = await runUntilExit(['--port', '0', '--host', '192.0.2.1'])
    expect(code).toBe(1)
    expect(stderrLines).toEqual([
      '[example] failed to start: cannot listen on 192.0.2.1:0: the address is not one of this machine’s (EADDRNOTAVAIL)',
    ])
  })

  it('when an option is bad', async () => {
    const { code, stderrLines, stdout } = await runUntilExit(['--port', 'eighty'])
    expect(code).toBe(1)
    expect(stderrLines).toEqual([
      '[example] failed to start: --port must be an integer from 0 to 65535, got "eighty"',
    ])
    expect(stdout).toBe('')
  })
})
