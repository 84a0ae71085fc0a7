import { describe, expect, it } from 'vitest'
import { createStopHandler, type StopStep } from './stop-handler.js'

function recorder(steps: StopStep[]) {
  const logged: string[] = []
  const errors: string[] = []
  const exits: number[] = []
  const stop = createStopHandler({
    steps: () => steps,
    log: (line) => logged.push(line),
    logError: (line) => errors.push(line),
    exit: (code) => exits.push(code),
  })
  return { stop, logged, errors, exits }
}

describe('createStopHandler', () => {
  it('runs every step in order and exits 0', async () => {
    const ran: string[] = []
    const steps = ['close the HTTP server', 'drain the queue', 'close MongoDB'].map((name) => ({
      name,
      run: async () => void ran.push(name),
    }))
    const { stop, logged, errors, exits } = recorder(steps)
    await stop('SIGTERM')
    expect(ran).toEqual(['close the HTTP server', 'drain the queue', 'close MongoDB'])
    expect(logged).toEqual([
      'SIGTERM: stopping: close the HTTP server, drain the queue, close MongoDB',
      'stopped cleanly',
    ])
    expect(errors).toEqual([])
    expect(exits).toEqual([0])
  })

  it('logs one line and exits 1 when a step rejects or throws, after running the rest', async () => {
    const ran: string[] = []
    const { stop, errors, exits } = recorder([
      { name: 'drain the queue', run: () => Promise.reject(new Error('shutdown failed\n    at stack')) },
      {
        name: 'close MongoDB',
        run: () => {
          ran.push('close MongoDB')
          throw new Error('client.close failed')
        },
      },
      { name: 'last', run: () => void ran.push('last') },
    ])
    await stop('SIGTERM')
    expect(ran).toEqual(['close MongoDB', 'last'])
    expect(errors).toEqual([
      'SIGTERM: stopping failed: drain the queue failed: shutdown failed; close MongoDB failed: client.close failed',
    ])
    expect(exits).toEqual([1])
  })

  it('ignores a second signal while stopping', async () => {
    let release = () => {}
    const { stop, exits } = recorder([{ name: 'slow', run: () => new Promise<void>((r) => (release = r)) }])
    const first = stop('SIGTERM')
    await stop('SIGINT')
    expect(exits).toEqual([])
    release()
    await first
    expect(exits).toEqual([0])
  })
})
