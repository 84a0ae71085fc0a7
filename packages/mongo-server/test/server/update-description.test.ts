import type { ChangeStream, Document } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { useMongo } from '../../src/harness.js'

const mongo = await useMongo()

/** The next event of `stream`, failing after a deadline rather than hanging. */
async function nextEvent(stream: ChangeStream, timeoutMs = 10_000): Promise<Document> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const event = await stream.tryNext()
    if (event !== null) return event
  }
  throw new Error('expected a change event')
}

/** Waits until the stream's cursor is open on the server, so writes after this are seen. */
async function opened(stream: ChangeStream): Promise<ChangeStream> {
  await stream.tryNext()
  return stream
}

// An update event's `updateDescription` describes the change field by field: a pipeline update
// that shortens an array reports `truncatedArrays: [{ field, newSize }]` (and the elements it
// changed) rather than the whole array in `updatedFields` (MongoDB 4.7+); with
// `showExpandedEvents` (6.1+), `disambiguatedPaths` gives, for every reported path with a dotted
// or numeric field name, its parts, array indexes as integers. Sources: the manual's change events
// page (reference/change-events/update, "updateDescription"); change-streams spec tests
// change-streams.json "Test array truncation" and change-streams-disambiguatedPaths.json.
describe('change stream update descriptions', () => {
  it('reports a shortened array as truncatedArrays', async (context) => {
    mongo.require(context, 'changeStreams')
    const items = (await mongo.db()).collection('items')
    await items.insertOne({ _id: 1, array: ['foo', { a: 'bar' }, 1, 2, 3] } as never)
    const stream = await opened(items.watch([], { maxAwaitTimeMS: 100 }))
    await items.updateOne({ _id: 1 } as never, [{ $set: { array: ['foo', { a: 'bar' }] } }])
    const event = await nextEvent(stream)
    await stream.close()
    expect(event.updateDescription.updatedFields).toEqual({})
    expect(event.updateDescription.removedFields).toEqual([])
    expect(event.updateDescription.truncatedArrays).toEqual([{ field: 'array', newSize: 2 }])
  })

  it('reports a changed array element by its index', async (context) => {
    mongo.require(context, 'changeStreams')
    const items = (await mongo.db()).collection('items')
    await items.insertOne({ _id: 1, tags: ['a', 'b'] } as never)
    const stream = await opened(items.watch([], { maxAwaitTimeMS: 100 }))
    await items.updateOne({ _id: 1 } as never, { $push: { tags: 'c' } } as never)
    const event = await nextEvent(stream)
    await stream.close()
    expect(event.updateDescription.updatedFields).toEqual({ 'tags.2': 'c' })
    expect(event.updateDescription.truncatedArrays).toEqual([])
  })

  // An operator update reports each path its operators name with the whole new value, even an
  // array that got shorter or a subdocument (mongod jstests/change_streams, "Test change stream
  // 'updateDescription' with 'showExpandedEvents'": $set of "arrayForReplacement": [0]).
  it('reports a path named by $set or $pull with its whole new value', async (context) => {
    mongo.require(context, 'changeStreams')
    const items = (await mongo.db()).collection('items')
    await items.insertOne({
      _id: 1,
      list: [0, 1, 2, 3],
      lease: { token: 'a', owner: 'w1' },
      tags: [1, 2],
    } as never)
    const stream = await opened(items.watch([], { maxAwaitTimeMS: 100 }))
    await items.updateOne(
      { _id: 1 } as never,
      {
        $set: { list: [0], lease: { token: 'b', owner: 'w1' } },
        $pull: { tags: 2 },
      } as never,
    )
    const event = await nextEvent(stream)
    await stream.close()
    expect(event.updateDescription.updatedFields).toEqual({
      list: [0],
      lease: { token: 'b', owner: 'w1' },
      tags: [1],
    })
    expect(event.updateDescription.truncatedArrays).toEqual([])
  })

  it('disambiguates numeric field names only with showExpandedEvents', async (context) => {
    mongo.require(context, 'changeStreams')
    const items = (await mongo.db()).collection('items')
    await items.insertOne({ _id: 1, a: { 1: 1 }, b: [{ 1: 1 }] } as never)
    const plain = await opened(items.watch([], { maxAwaitTimeMS: 100 }))
    const expanded = await opened(items.watch([], { maxAwaitTimeMS: 100, showExpandedEvents: true }))
    await items.updateOne({ _id: 1 } as never, { $set: { 'a.1': 2, 'b.0.1': 2 } })
    const [withoutPaths, withPaths] = [await nextEvent(plain), await nextEvent(expanded)]
    await Promise.all([plain.close(), expanded.close()])
    expect(withoutPaths.updateDescription.updatedFields).toEqual({ 'a.1': 2, 'b.0.1': 2 })
    expect(withoutPaths.updateDescription).not.toHaveProperty('disambiguatedPaths')
    expect(withPaths.updateDescription.disambiguatedPaths).toEqual({
      'a.1': ['a', '1'],
      'b.0.1': ['b', 0, '1'],
    })
  })
})
