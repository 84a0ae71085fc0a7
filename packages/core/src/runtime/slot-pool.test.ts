import { describe, expect, it } from 'vitest'
import { RunningAttempt } from './running-attempt.js'
import { SlotPool } from './slot-pool.js'
import { activeJob } from './test-support/stub-backend.js'

function attemptOf(type = 'work'): RunningAttempt {
  return new RunningAttempt({
    job: activeJob({ type }),
    leaseMs: 30_000,
    heartbeatMs: 10_000,
    startedAtMs: 0,
  })
}

function setUp(maxAwaitingAck = 10) {
  const freed: string[] = []
  const pool = new SlotPool({ maxAwaitingAck, onSlotFreed: (type) => freed.push(type) })
  return { pool, freed }
}

describe('SlotPool', () => {
  it('frees a slot when the handler returns, and forgets the attempt once its outcome is recorded', () => {
    const { pool, freed } = setUp()
    const attempt = attemptOf('a')
    pool.add(attempt, 'fetched')
    expect(pool.inUse()).toBe(1)
    expect(pool.inUse('a')).toBe(1)
    expect(pool.inUse('b')).toBe(0)
    pool.handlerReturned(attempt)
    expect(freed).toEqual(['a'])
    expect(pool.inUse()).toBe(0)
    // Still listed for shutdown until the acknowledgement is recorded.
    expect(pool.attempts()).toEqual([attempt])
    pool.recorded(attempt)
    pool.runEnded(attempt)
    expect(pool.attempts()).toEqual([])
    expect(freed).toEqual(['a'])
  })

  it('keeps a slot until its write once maxAwaitingAck acknowledgements are unwritten', () => {
    const { pool, freed } = setUp(1)
    const [first, second] = [attemptOf(), attemptOf()]
    pool.add(first!, 'fetched')
    pool.add(second!, 'fetched')
    pool.handlerReturned(first!)
    pool.handlerReturned(second!)
    expect(pool.inUse()).toBe(1)
    pool.recorded(second!)
    pool.runEnded(second!)
    expect(pool.inUse()).toBe(0)
    expect(freed).toEqual(['work', 'work'])
    // The first write landed: the next slot may free early again.
    pool.recorded(first!)
    const third = attemptOf()
    pool.add(third, 'fetched')
    pool.handlerReturned(third)
    expect(pool.inUse()).toBe(0)
  })

  it('frees a slot whose run ended without the handler returning first (a hook answered)', () => {
    const { pool, freed } = setUp()
    const attempt = attemptOf()
    pool.add(attempt, 'fetched')
    pool.recorded(attempt)
    pool.runEnded(attempt)
    expect(freed).toEqual(['work'])
    expect(pool.attempts()).toEqual([])
  })

  it('records handles without a slot, until their outcome is recorded', () => {
    const { pool, freed } = setUp()
    const handle = attemptOf()
    pool.add(handle, 'handle')
    expect(pool.inUse()).toBe(0)
    expect(pool.runningCount).toBe(0)
    expect(pool.unrecorded()).toEqual([handle])
    pool.recorded(handle)
    expect(pool.attempts()).toEqual([])
    expect(freed).toEqual([])
  })
})
