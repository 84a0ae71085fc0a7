import type { CatchUpPolicy, ScheduleOverlap } from '../schedule.js'

/** What `resolveScheduleDefinition` fills in for a field left out. */
export const SCHEDULE_DEFAULTS = {
  /** The zone a cron is read in. */
  timezone: 'UTC',
  overlap: 'allow' as ScheduleOverlap,
  catchUp: {
    policy: 'latest' as CatchUpPolicy,
    /** How late an occurrence may be enqueued and still count as on time: a minute. */
    graceMs: 60_000,
    /** `'all'` runs occurrences missed within this long before now: a day. */
    windowMs: 86_400_000,
    /** `'all'` runs at most this many missed occurrences per pass. */
    maxRuns: 10,
  },
  jitterMs: 0,
} as const

/** Bounds of a schedule definition. */
export const SCHEDULE_LIMITS = {
  /** The shortest `everyMs`: a schedule fires at most once a second (a cron's finest field is seconds too). */
  minEveryMs: 1_000,
  /** The most `catchUp.maxRuns`. */
  maxCatchUpRuns: 1_000,
  /** The longest `timezone` name accepted (IANA names are far shorter). */
  maxTimezoneLength: 100,
  /** The longest `cron` expression accepted. */
  maxCronLength: 500,
} as const
