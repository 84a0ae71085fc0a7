import { Int32, Long } from 'bson'
import { describe, expect, it } from 'vitest'
import { compileInclusionProjection } from './inclusion-projection.js'

const event = {
  _id: { _data: '82' },
  operationType: 'insert',
  fullDocument: {
    _id: 1,
    state: 'pending',
    type: 'mail',
    priority: new Int32(3),
    runAt: new Date(5),
    n: Long.fromNumber(7),
  },
  ns: { db: 'app', coll: 'jobs' },
}

describe('compileInclusionProjection', () => {
  it('keeps the included paths, in the document order, with their BSON types', () => {
    const project = compileInclusionProjection({
      $project: {
        'fullDocument.n': 1,
        operationType: 1,
        'fullDocument.priority': true,
        'updateDescription.x': 1,
      },
    })!
    const projected = project(event)!
    expect(Object.keys(projected)).toEqual(['_id', 'operationType', 'fullDocument'])
    expect(Object.keys(projected.fullDocument as object)).toEqual(['priority', 'n'])
    expect((projected.fullDocument as { priority: unknown }).priority).toBeInstanceOf(Int32)
    expect((projected.fullDocument as { n: unknown }).n).toBeInstanceOf(Long)
  })

  it('keeps an embedded document holding none of the sub-paths as an empty one', () => {
    const project = compileInclusionProjection({ $project: { 'ns.other': 1 } })!
    expect(project(event)).toEqual({ _id: event._id, ns: {} })
  })

  it('leaves arrays on a path, exclusions and computed fields to mingo', () => {
    const project = compileInclusionProjection({ $project: { 'list.a': 1 } })!
    expect(project({ _id: 1, list: [{ a: 1 }] })).toBeUndefined()
    expect(compileInclusionProjection({ $project: { state: 0 } })).toBeUndefined()
    expect(compileInclusionProjection({ $project: { state: '$type' } })).toBeUndefined()
    expect(compileInclusionProjection({ $project: { a: 1, 'a.b': 1 } })).toBeUndefined()
  })

  it('drops _id when told to, so that the stream can refuse the event', () => {
    const project = compileInclusionProjection({ $project: { _id: 0, operationType: 1 } })!
    expect(project(event)).toEqual({ operationType: 'insert' })
  })
})
