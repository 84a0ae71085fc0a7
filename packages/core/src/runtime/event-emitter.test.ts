import { describe, expect, it } from 'vitest'
import { TypedEventEmitter } from './event-emitter.js'
import { flushTurns } from './test-support/manual-clock.js'

describe('TypedEventEmitter', () => {
  it('calls listeners in the order they were added', () => {
    const emitter = new TypedEventEmitter()
    const calls: string[] = []
    emitter.on('queue:started', () => calls.push('first'))
    emitter.on('queue:started', () => calls.push('second'))
    emitter.emit('queue:started', {})
    expect(calls).toEqual(['first', 'second'])
  })

  it('isolates a throwing listener: the others still run and the error becomes queue:error', () => {
    const emitter = new TypedEventEmitter()
    const reports: Array<{ message: string; operation: string }> = []
    let reached = false
    emitter.on('push:fallback', () => {
      throw new Error('broken listener')
    })
    emitter.on('push:fallback', () => {
      reached = true
    })
    emitter.on('queue:error', ({ error, operation }) => reports.push({ message: error.message, operation }))
    expect(() => emitter.emit('push:fallback', { reason: 'x' })).not.toThrow()
    expect(reached).toBe(true)
    expect(reports).toEqual([{ message: 'broken listener', operation: 'listener:push:fallback' }])
  })

  it('reports a listener promise that rejects', async () => {
    const emitter = new TypedEventEmitter()
    const operations: string[] = []
    emitter.on('queue:stopped', async () => {
      throw 'not even an Error'
    })
    emitter.on('queue:error', ({ operation, error }) => operations.push(`${operation}: ${error.message}`))
    emitter.emit('queue:stopped', {})
    await flushTurns()
    expect(operations).toEqual(['listener:queue:stopped: not even an Error'])
  })

  it('swallows a throwing queue:error listener instead of looping', () => {
    const emitter = new TypedEventEmitter()
    let calls = 0
    emitter.on('queue:error', () => {
      calls++
      throw new Error('also broken')
    })
    emitter.on('queue:started', () => {
      throw new Error('broken')
    })
    expect(() => emitter.emit('queue:started', {})).not.toThrow()
    expect(calls).toBe(1)
  })

  it('supports off and once', () => {
    const emitter = new TypedEventEmitter()
    const calls: string[] = []
    const persistent = () => calls.push('on')
    const single = () => calls.push('once')
    emitter.on('queue:started', persistent)
    emitter.once('queue:started', single)
    emitter.emit('queue:started', {})
    emitter.emit('queue:started', {})
    emitter.off('queue:started', persistent)
    emitter.emit('queue:started', {})
    expect(calls).toEqual(['on', 'once', 'on'])
    emitter.once('queue:stopped', single)
    emitter.off('queue:stopped', single)
    expect(emitter.listenerCount('queue:stopped')).toBe(0)
  })
})
