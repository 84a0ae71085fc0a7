import { describe, expect, it } from 'vitest'
import { isTerminalState, JOB_STATES, type JobState } from './job.js'
import { canTransition, findTransition, statesAllowing, TRANSITIONS } from './state-machine.js'

describe('the transition table', () => {
  it('allows exactly these moves', () => {
    const moves = TRANSITIONS.map(
      (transition) => `${transition.name}: ${transition.from} -> ${transition.to}`,
    )
    expect(moves).toEqual([
      'claim: pending -> active',
      'complete: active -> completed',
      'retry: active -> pending',
      'fail: active -> failed',
      'release: active -> pending',
      'recover: active -> pending',
      'recover-fail: active -> failed',
      'recover-cancel: active -> cancelled',
      'cancel: pending -> cancelled',
      'cancel-running: active -> cancelled',
      'rerun: failed -> pending',
      'rerun: cancelled -> pending',
      'rerun: completed -> pending',
    ])
  })

  it('fences every worker-made change out of active with the lease token, and nothing else', () => {
    for (const transition of TRANSITIONS) {
      const workerMade = ['complete', 'retry', 'fail', 'release', 'cancel-running'].includes(transition.name)
      expect({ name: transition.name, requiresLease: transition.requiresLease }).toEqual({
        name: transition.name,
        requiresLease: workerMade,
      })
    }
  })

  it('never leaves a terminal state except by an operator rerun', () => {
    for (const transition of TRANSITIONS) {
      if (isTerminalState(transition.from)) expect(transition.name).toBe('rerun')
    }
  })

  it('only enters active by a claim', () => {
    expect(
      TRANSITIONS.filter((transition) => transition.to === 'active').map((transition) => transition.name),
    ).toEqual(['claim'])
  })

  it('answers canTransition for every pair of states', () => {
    const allowed = new Set(TRANSITIONS.map((transition) => `${transition.from}->${transition.to}`))
    for (const from of JOB_STATES) {
      for (const to of JOB_STATES) {
        expect(canTransition(from as JobState, to as JobState)).toBe(allowed.has(`${from}->${to}`))
      }
    }
  })

  it('finds transitions by name and state', () => {
    expect(findTransition('complete', 'active')?.to).toBe('completed')
    expect(findTransition('complete', 'pending')).toBeUndefined()
    expect(statesAllowing('rerun').sort()).toEqual(['cancelled', 'completed', 'failed'])
    expect(statesAllowing('cancel')).toEqual(['pending'])
  })
})
