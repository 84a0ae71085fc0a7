import { Aggregator } from 'mingo'
import { type Document, toPlain, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError, toCommandError } from '../errors.js'
import { compileFilter } from '../query/select-records.js'

/** The stages mongod 7/8 allow after `$changeStream` (manual, "Modify Change Stream Output"). */
const allowedStages = new Set([
  '$match',
  '$project',
  '$addFields',
  '$set',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
  '$redact',
])

/**
 * Splits events over 16 MiB into fragments (7.0, 6.0.9). Accepted as the last stage; events here
 * never reach 16 MiB in practice, so it passes them through unsplit.
 */
const splitLargeEventStage = '$changeStreamSplitLargeEvent'

/** Stages mongod knows but refuses in a change stream; anything else is an unknown stage (40324). */
const refusedStages = new Set([
  '$bucket',
  '$bucketAuto',
  '$collStats',
  '$count',
  '$currentOp',
  '$densify',
  '$documents',
  '$facet',
  '$fill',
  '$geoNear',
  '$graphLookup',
  '$group',
  '$indexStats',
  '$limit',
  '$listLocalSessions',
  '$listSearchIndexes',
  '$listSessions',
  '$lookup',
  '$merge',
  '$out',
  '$planCacheStats',
  '$sample',
  '$search',
  '$searchMeta',
  '$setWindowFields',
  '$skip',
  '$sort',
  '$sortByCount',
  '$unionWith',
  '$unwind',
  '$vectorSearch',
])

/** mongod expands these before validating, so its error names the stage they become. */
const expandedNames: Record<string, string> = { $count: '$group', $sortByCount: '$group', $bucket: '$group' }

function validateStages(stages: Document[]): Document[] {
  const kept: Document[] = []
  stages.forEach((stage, position) => {
    const names = Object.keys(stage)
    if (names.length !== 1) {
      throw new MongoCommandError(
        40323,
        'A pipeline stage specification object must contain exactly one field.',
      )
    }
    const name = names[0]!
    if (name === '$changeStream') {
      throw new MongoCommandError(40602, '$changeStream is only valid as the first stage in a pipeline.')
    }
    if (name === splitLargeEventStage) {
      if (position !== stages.length - 1) {
        throw new MongoCommandError(7182802, `${splitLargeEventStage} must be the last stage in the pipeline`)
      }
      return
    }
    if (allowedStages.has(name)) {
      kept.push(stage)
      return
    }
    if (!refusedStages.has(name)) {
      throw new MongoCommandError(40324, `Unrecognized pipeline stage name: '${name}'`)
    }
    throw new MongoCommandError(
      errorCodes.illegalOperation,
      `${expandedNames[name] ?? name} is not permitted in a $changeStream pipeline`,
    )
  })
  return kept
}

/**
 * The stages a change-stream cursor applies to each event. A `$match`-only pipeline runs on the
 * BSON values; anything else runs in mingo on plain values.
 */
export class ChangeStreamPipeline {
  private readonly matchers: ((event: Document) => boolean)[] = []
  private readonly transformingStages: Document[] | undefined

  /** Refuses, as mongod does when the aggregate is parsed, any stage not allowed in a change stream. */
  constructor(stages: Document[]) {
    const kept = validateStages(stages)
    if (kept.every((stage) => '$match' in stage)) {
      for (const stage of kept) {
        const compiled = compileFilter(stage.$match)
        this.matchers.push((event) => compiled.matches(event))
      }
    } else {
      this.transformingStages = toPlain(kept) as Document[]
    }
  }

  /**
   * The event as the client sees it, or undefined when a stage filtered it out. An event whose
   * `_id` (its resume token) the stages removed or changed fails the stream with 280, as mongod
   * fails it when such an event is produced.
   */
  apply(event: Document): Document | undefined {
    if (this.transformingStages === undefined) {
      return this.matchers.every((matches) => matches(event)) ? event : undefined
    }
    let result: Document | undefined
    try {
      result = new Aggregator(this.transformingStages, {}).run([toPlain(event)])[0] as Document | undefined
    } catch (error) {
      throw toCommandError(error)
    }
    if (result !== undefined && valueKey(toPlain(result._id)) !== valueKey(toPlain(event._id))) {
      throw new MongoCommandError(
        errorCodes.changeStreamFatalError,
        'Encountered an event whose _id field, which contains the resume token, was modified by the ' +
          'pipeline. Modifying the _id field of an event makes it impossible to resume the stream from ' +
          'that point. Only transformations that retain the unmodified _id field are allowed. ' +
          `Expected: ${JSON.stringify({ _id: event._id })} but found: ` +
          (result._id === undefined ? '{}' : JSON.stringify({ _id: toPlain(result._id) })),
        // mongod labels it so that drivers close the stream instead of resuming (change-streams spec).
        { errorLabels: ['NonResumableChangeStreamError'] },
      )
    }
    return result
  }
}
