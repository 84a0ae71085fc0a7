import { ValidationError } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { TestClock } from './test-clock.js'

const start = new Date('2040-01-01T00:00:00.000Z')
const offset = (clock: TestClock) => clock.now().getTime() - start.getTime()

describe('TestClock', () => {
  it('starts at the given time and only moves when told', async () => {
    const clock = new TestClock(start)
    expect(clock.now()).toEqual(start)
    await clock.advance(1_500)
    expect(offset(clock)).toBe(1_500)
    clock.set(new Date(start.getTime() - 10))
    expect(offset(clock)).toBe(-10)
  })

  it('fires due timers in due-time order, ties in the order they were set, at their due time', async () => {
    const clock = new TestClock(start)
    const fired: string[] = []
    clock.setTimeout(() => fired.push(`b@${offset(clock)}`), 200)
    clock.setTimeout(() => fired.push(`a@${offset(clock)}`), 100)
    clock.setTimeout(() => fired.push(`c@${offset(clock)}`), 200)
    clock.setTimeout(() => fired.push('late'), 1_000)
    await clock.advance(500)
    expect(fired).toEqual(['a@100', 'b@200', 'c@200'])
    expect(offset(clock)).toBe(500)
    expect(clock.pendingTimerCount).toBe(1)
  })

  it('fires timers set by fired callbacks and by promise continuations within the window', async () => {
    const clock = new TestClock(start)
    const fired: number[] = []
    clock.setTimeout(() => {
      fired.push(offset(clock))
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => clock.setTimeout(() => fired.push(offset(clock)), 50))
    }, 100)
    await clock.advance(200)
    expect(fired).toEqual([100, 150])
  })

  it('does not fire cleared timers', async () => {
    const clock = new TestClock(start)
    let fired = false
    const timer = clock.setTimeout(() => {
      fired = true
    }, 10)
    clock.clearTimeout(timer)
    await clock.advance(100)
    expect(fired).toBe(false)
    expect(clock.pendingTimerCount).toBe(0)
  })

  it('advanceTo moves forward only; runNext jumps to the next timer', async () => {
    const clock = new TestClock(start)
    const fired: number[] = []
    clock.setTimeout(() => fired.push(offset(clock)), 300)
    await clock.advanceTo(new Date(start.getTime() + 100))
    expect(offset(clock)).toBe(100)
    await expect(clock.advanceTo(start)).rejects.toThrow(ValidationError)
    expect(await clock.runNext()).toBe(true)
    expect(fired).toEqual([300])
    expect(offset(clock)).toBe(300)
    expect(await clock.runNext()).toBe(false)
  })

  it('treats a negative or NaN delay as 0 and rejects a negative advance', async () => {
    const clock = new TestClock(start)
    let count = 0
    clock.setTimeout(() => count++, -5)
    clock.setTimeout(() => count++, Number.NaN)
    await clock.advance(0)
    expect(count).toBe(2)
    await expect(clock.advance(-1)).rejects.toThrow('ms must be a finite number >= 0, got -1')
  })
})
