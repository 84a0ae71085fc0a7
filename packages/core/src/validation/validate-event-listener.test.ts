import { describe, expect, it } from 'vitest'
import { JOB_QUEUE_EVENT_NAMES } from '../events.js'
import { JobQueue } from '../runtime/job-queue.js'
import { createStubBackend } from '../runtime/test-support/stub-backend.js'
import { closeEventNames } from './validate-event-listener.js'

describe('queue.on / once / off', () => {
  const queue = new JobQueue(createStubBackend())

  it('refuse an unknown event, naming it, the closest names and every event', () => {
    const typo = () => queue.on('job:finshed' as never, () => {})
    expect(typo).toThrow(TypeError)
    expect(typo).toThrow(
      'queue.on(): unknown event "job:finshed" (did you mean "job:failed"?); the events are job:enqueued, ',
    )
    expect(() => queue.once('completed' as never, () => {})).toThrow(
      'queue.once(): unknown event "completed" (did you mean "job:completed"?)',
    )
    expect(() => queue.off('bogus-thing' as never, () => {})).toThrow(
      /^queue\.off\(\): unknown event "bogus-thing"; the events are /,
    )
    expect(() => queue.on(Symbol('x') as never, () => {})).toThrow('queue.on(): unknown event Symbol(x)')
  })

  it('refuse a listener that is not a function', () => {
    expect(() => queue.on('job:failed', 'log' as never)).toThrow(
      new TypeError('queue.on("job:failed", listener): listener must be a function, got "log"'),
    )
    expect(() => queue.once('job:completed', undefined as never)).toThrow(
      'queue.once("job:completed", listener): listener must be a function, got undefined',
    )
  })

  it('accept every known event', () => {
    for (const event of JOB_QUEUE_EVENT_NAMES) expect(queue.on(event, () => {})).toBe(queue)
    expect(JOB_QUEUE_EVENT_NAMES).toHaveLength(25)
  })
})

describe('closeEventNames', () => {
  it('suggests by suffix, then by fewest edits, and nothing for far-off names', () => {
    expect(closeEventNames('failed')).toEqual(['job:failed'])
    expect(closeEventNames('job:complete')).toEqual(['job:completed'])
    expect(closeEventNames('queue:stoped')).toEqual(['queue:stopped'])
    expect(closeEventNames('something-else-entirely')).toEqual([])
  })
})
