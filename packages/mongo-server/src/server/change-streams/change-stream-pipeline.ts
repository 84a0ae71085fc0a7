import { Aggregator } from 'mingo'
import { type Document, toPlain, valueKey } from '../bson-values.js'
import { errorCodes, MongoCommandError, toCommandError } from '../errors.js'
import { compileFilter } from '../query/select-records.js'
import { compileInclusionProjection, type InclusionProjection } from './inclusion-projection.js'

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

/** Stages that read the clock: an Aggregator reused across events would freeze it at the first. */
function readsClock(stages: Document[]): boolean {
  const text = JSON.stringify(stages)
  return text.includes('$$NOW') || text.includes('$$CLUSTER_TIME')
}

/**
 * The stages a change-stream cursor applies to each event. The leading `$match` stages run on the
 * BSON values (compiled once); the stages after them, if any, run in mingo on plain values.
 */
export class ChangeStreamPipeline {
  private readonly matchers: ((event: Document) => boolean)[] = []
  private readonly transformingStages: Document[] | undefined
  /** Built once for the transforming stages, unless they read the clock. */
  private readonly aggregator: Aggregator | undefined
  /** A lone inclusion `$project` after the matches, applied directly (see `compileInclusionProjection`). */
  private readonly projection: InclusionProjection | undefined

  /** Refuses, as mongod does when the aggregate is parsed, any stage not allowed in a change stream. */
  constructor(stages: Document[]) {
    const kept = validateStages(stages)
    const firstTransforming = kept.findIndex((stage) => !('$match' in stage))
    const leading = firstTransforming === -1 ? kept : kept.slice(0, firstTransforming)
    for (const stage of leading) {
      const compiled = compileFilter(stage.$match)
      this.matchers.push((event) => compiled.matches(event))
    }
    if (firstTransforming !== -1) {
      this.transformingStages = toPlain(kept.slice(firstTransforming)) as Document[]
      if (!readsClock(this.transformingStages)) this.aggregator = this.newAggregator()
      if (this.transformingStages.length === 1)
        this.projection = compileInclusionProjection(this.transformingStages[0]!)
    }
  }

  private newAggregator(): Aggregator {
    try {
      return new Aggregator(this.transformingStages!, {})
    } catch (error) {
      throw toCommandError(error)
    }
  }

  /**
   * The event as the client sees it, or undefined when a stage filtered it out. An event whose
   * `_id` (its resume token) the stages removed or changed fails the stream with 280, as mongod
   * fails it when such an event is produced.
   */
  apply(event: Document): Document | undefined {
    if (!this.matchers.every((matches) => matches(event))) return undefined
    if (this.transformingStages === undefined) return event
    let result: Document | undefined = this.projection?.(event)
    if (result === undefined) {
      try {
        const aggregator = this.aggregator ?? this.newAggregator()
        result = aggregator.run([toPlain(event)])[0] as Document | undefined
      } catch (error) {
        throw toCommandError(error)
      }
    } else if (result._id === event._id) {
      return result
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
