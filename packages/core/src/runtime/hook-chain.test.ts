import { describe, expect, it } from 'vitest'
import type { AttemptOutcome, JobQueueHooks } from '../hooks.js'
import { once, runEnqueueHooks, runProcessHooks } from './hook-chain.js'
import { activeJob } from './test-support/stub-backend.js'

const completed: AttemptOutcome = { status: 'completed', result: 1, durationMs: 5 }

describe('runProcessHooks', () => {
  it('wraps the attempt, first hook outermost, and returns the core outcome', async () => {
    const calls: string[] = []
    const hooks: JobQueueHooks[] = ['outer', 'inner'].map((name) => ({
      name,
      async process(_info, next) {
        calls.push(`${name}:before`)
        const outcome = await next()
        calls.push(`${name}:after`)
        return { ...outcome, status: 'released', durationMs: 0 } as AttemptOutcome
      },
    }))
    const outcome = await runProcessHooks(
      hooks,
      { job: activeJob() },
      once(async () => {
        calls.push('core')
        return completed
      }),
      () => {},
    )
    expect(calls).toEqual(['outer:before', 'inner:before', 'core', 'inner:after', 'outer:after'])
    expect(outcome).toBe(completed)
  })

  it('runs the attempt once even when a hook throws or never calls next()', async () => {
    let runs = 0
    const errors: string[] = []
    const hooks: JobQueueHooks[] = [
      {
        name: 'throws',
        async process() {
          throw new Error('bug')
        },
      },
      {
        name: 'skips',
        async process() {
          return completed
        },
      },
    ]
    const outcome = await runProcessHooks(
      hooks,
      { job: activeJob() },
      once(async () => {
        runs++
        return completed
      }),
      (name, error) => errors.push(`${name}: ${error.message}`),
    )
    expect(outcome).toBe(completed)
    expect(runs).toBe(1)
    expect(errors).toEqual(['throws: bug'])
  })
})

describe('runEnqueueHooks', () => {
  const info = () => ({ operation: 'enqueue' as const, jobs: [] })

  it('rejects when a hook throws before the write, writing nothing', async () => {
    let writes = 0
    const write = once(async () => {
      writes++
      return ['id']
    })
    await expect(
      runEnqueueHooks(
        [
          {
            name: 'h',
            async enqueue() {
              throw new Error('no')
            },
          },
        ],
        info(),
        write,
        () => {},
      ),
    ).rejects.toThrow('no')
    expect(writes).toBe(0)
  })

  it('returns the ids when a hook throws after the write, reporting it', async () => {
    const errors: string[] = []
    const ids = await runEnqueueHooks(
      [
        {
          name: 'late',
          async enqueue(_info, next) {
            await next()
            throw new Error('after')
          },
        },
      ],
      info(),
      once(async () => ['id-1']),
      (name) => errors.push(name),
    )
    expect(ids).toEqual(['id-1'])
    expect(errors).toEqual(['late'])
  })

  it('writes anyway when a hook returns without calling next()', async () => {
    const errors: string[] = []
    const ids = await runEnqueueHooks(
      [
        {
          name: 'lazy',
          async enqueue() {
            return [null]
          },
        },
      ],
      info(),
      once(async () => ['id-1']),
      (name, error) => errors.push(`${name}: ${error.message}`),
    )
    expect(ids).toEqual(['id-1'])
    expect(errors[0]).toMatch(/^lazy: enqueue hook lazy returned without calling next\(\)/)
  })

  it('does not report a hook that passes the write error on, but reports a different one', async () => {
    const reported: string[] = []
    const failingWrite = () =>
      once(async (): Promise<Array<string | null>> => {
        throw new Error('server down')
      })
    const rethrowing = {
      name: 'tracing',
      async enqueue(_info: unknown, next: () => Promise<Array<string | null>>) {
        return await next()
      },
    }
    await expect(
      runEnqueueHooks([rethrowing], info(), failingWrite(), (name) => reported.push(name)),
    ).rejects.toThrow('server down')
    expect(reported).toEqual([])
    const replacing = {
      name: 'wrapper',
      async enqueue(_info: unknown, next: () => Promise<Array<string | null>>) {
        await next().catch(() => {
          throw new Error('wrapped')
        })
        return []
      },
    }
    await expect(
      runEnqueueHooks([replacing], info(), failingWrite(), (name) => reported.push(name)),
    ).rejects.toThrow('server down')
    expect(reported).toEqual(['wrapper'])
  })

  it('passes a write error through', async () => {
    await expect(
      runEnqueueHooks(
        [{ name: 'pass', enqueue: (_info, next) => next() }],
        info(),
        once(async () => {
          throw new Error('duplicate key')
        }),
        () => {},
      ),
    ).rejects.toThrow('duplicate key')
  })
})
