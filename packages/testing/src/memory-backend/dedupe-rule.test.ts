import type { Job } from '@durabl/core'
import { describe, expect, it } from 'vitest'
import { canCoexist, type DedupeCandidate, findDedupeConflict } from './dedupe-rule.js'

const job = (
  state: DedupeCandidate['state'],
  dedupeScope: DedupeCandidate['dedupeScope'],
  dedupeKey = 'k',
) => ({
  state,
  dedupeScope,
  dedupeKey,
})

describe('canCoexist', () => {
  it.each([
    ['pending', 'pending', 'pending', 'pending', false],
    ['pending', 'pending', 'active', 'pending', true],
    ['active', 'pending', 'active', 'pending', false],
    ['pending', 'pending+active', 'active', 'pending+active', false],
    ['pending', 'pending+active', 'pending', 'pending+active', false],
    ['pending', 'pending', 'active', 'pending+active', false],
    ['pending', 'pending+active', 'active', 'pending', false],
  ] as const)('%s/%s with %s/%s: %s', (firstState, firstScope, secondState, secondScope, expected) => {
    expect(canCoexist(job(firstState, firstScope), job(secondState, secondScope))).toBe(expected)
    expect(canCoexist(job(secondState, secondScope), job(firstState, firstScope))).toBe(expected)
  })

  it('ignores different keys, missing keys and finished jobs', () => {
    expect(canCoexist(job('pending', 'pending'), job('pending', 'pending', 'other'))).toBe(true)
    expect(
      canCoexist({ state: 'pending', dedupeScope: null, dedupeKey: null }, job('pending', 'pending')),
    ).toBe(true)
    for (const state of ['completed', 'failed', 'cancelled'] as const) {
      expect(canCoexist(job('pending', 'pending+active'), job(state, 'pending+active'))).toBe(true)
    }
  })

  it('treats a key without a scope as the default pending+active', () => {
    expect(canCoexist(job('pending', null), job('active', 'pending'))).toBe(false)
  })
})

describe('findDedupeConflict', () => {
  it('skips the candidate itself by id', () => {
    const stored = { id: 'a', ...job('pending', 'pending') } as Job
    expect(findDedupeConflict({ ...stored }, [stored])).toBeUndefined()
    expect(findDedupeConflict({ ...job('pending', 'pending') }, [stored])).toBe(stored)
  })
})
