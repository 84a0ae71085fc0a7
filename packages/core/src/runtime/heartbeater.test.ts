import { describe, expect, it } from 'vitest'
import { JobCancelledError } from '../errors/job-cancelled-error.js'
import { LeaseLostError } from '../errors/lease-lost-error.js'
import { Heartbeater } from './heartbeater.js'
import { RunningAttempt } from './running-attempt.js'
import { ManualClock } from './test-support/manual-clock.js'
import { activeJob, createStubBackend } from './test-support/stub-backend.js'

function setUp() {
  const backend = createStubBackend()
  const clock = new ManualClock()
  const lost: string[] = []
  const cancelled: string[] = []
  const errors: string[] = []
  const heartbeater = new Heartbeater({
    backend,
    clock,
    onLeaseLost: (attempt) => lost.push(attempt.id),
    onCancelRequested: (attempt) => cancelled.push(attempt.id),
    onError: (error, operation) => errors.push(`${operation}: ${error.message}`),
  })
  const attempt = (leaseMs: number, heartbeatMs: number) => {
    const now = clock.now().getTime()
    return new RunningAttempt({
      job: activeJob({ leaseExpiresAt: new Date(now + leaseMs) }),
      leaseMs,
      heartbeatMs,
      startedAtMs: now,
    })
  }
  return { backend, clock, lost, cancelled, errors, heartbeater, attempt }
}

describe('Heartbeater', () => {
  it('sends one batched call per tick for the attempts due, each at its own interval', async () => {
    const { backend, clock, heartbeater, attempt } = setUp()
    const fast = attempt(3_000, 1_000)
    const slow = attempt(9_000, 3_000)
    heartbeater.track(fast)
    heartbeater.track(slow)
    fast.setProgress({ percent: 10 })
    fast.addLog({ attempt: 1, message: 'hello', at: clock.now() })
    await clock.advance(1_000)
    expect(backend.heartbeatJobs).toHaveBeenCalledTimes(1)
    expect(backend.heartbeatJobs.mock.calls[0]?.[0].jobs).toEqual([
      {
        id: fast.id,
        leaseToken: fast.leaseToken,
        leaseMs: 3_000,
        progress: { percent: 10 },
        logs: [{ attempt: 1, message: 'hello', at: expect.any(Date) }],
      },
    ])
    await clock.advance(2_000)
    const third = backend.heartbeatJobs.mock.calls.at(-1)?.[0].jobs.map((job) => job.id)
    expect(third).toEqual([fast.id, slow.id])
    heartbeater.stop()
  })

  it('reports a lease the backend says is lost', async () => {
    const { backend, clock, heartbeater, attempt, lost } = setUp()
    const running = attempt(3_000, 1_000)
    backend.heartbeatJobs.mockResolvedValueOnce({ applied: [], lost: [running.id], cancelRequested: [] })
    heartbeater.track(running)
    await clock.advance(1_000)
    expect(lost).toEqual([running.id])
  })

  it('treats the lease as lost locally when heartbeats fail past its deadline', async () => {
    const { backend, clock, heartbeater, attempt, lost, errors } = setUp()
    const running = attempt(3_000, 1_000)
    running.addLog({ attempt: 1, message: 'kept for the retry', at: clock.now() })
    backend.heartbeatJobs.mockRejectedValue(new Error('unreachable'))
    heartbeater.track(running)
    await clock.advance(2_999)
    expect(lost).toEqual([])
    expect(errors.length).toBeGreaterThan(0)
    expect(backend.heartbeatJobs.mock.calls.at(-1)?.[0].jobs[0]?.logs?.[0]?.message).toBe(
      'kept for the retry',
    )
    await clock.advance(1)
    expect(lost).toEqual([running.id])
  })

  it('heartbeatNow rejects with LeaseLostError when the lease is gone', async () => {
    const { backend, heartbeater, attempt, lost } = setUp()
    const running = attempt(3_000, 1_000)
    backend.heartbeatJobs.mockResolvedValueOnce({ applied: [], lost: [running.id], cancelRequested: [] })
    await expect(heartbeater.heartbeatNow(running)).rejects.toSatisfy(LeaseLostError.isInstance)
    expect(lost).toEqual([running.id])
  })

  it('reports a job whose cancel was requested, stops heartbeating it and keeps its unwritten logs', async () => {
    const { backend, clock, heartbeater, attempt, cancelled, lost } = setUp()
    const running = attempt(3_000, 1_000)
    running.addLog({ attempt: 1, message: 'goes with the cancel', at: clock.now() })
    backend.heartbeatJobs.mockResolvedValueOnce({ applied: [], lost: [], cancelRequested: [running.id] })
    heartbeater.track(running)
    await clock.advance(1_000)
    expect(cancelled).toEqual([running.id])
    expect(lost).toEqual([])
    expect(running.takeUpdates().logs?.map((line) => line.message)).toEqual(['goes with the cancel'])
    await clock.advance(5_000)
    expect(backend.heartbeatJobs).toHaveBeenCalledTimes(1)
  })

  it('heartbeatNow rejects with JobCancelledError when the job was cancelled', async () => {
    const { backend, heartbeater, attempt, cancelled } = setUp()
    const running = attempt(3_000, 1_000)
    backend.heartbeatJobs.mockResolvedValueOnce({ applied: [], lost: [], cancelRequested: [running.id] })
    await expect(heartbeater.heartbeatNow(running)).rejects.toSatisfy(JobCancelledError.isInstance)
    expect(cancelled).toEqual([running.id])
  })

  it('stops heartbeating an attempt once its outcome is decided', async () => {
    const { backend, clock, heartbeater, attempt } = setUp()
    const running = attempt(3_000, 1_000)
    heartbeater.track(running)
    running.decide({ kind: 'complete', result: null })
    await clock.advance(5_000)
    expect(backend.heartbeatJobs).not.toHaveBeenCalled()
    expect(clock.pendingTimerCount).toBe(0)
  })
})
