/** The field of a job's fleet-wide limit slots (see `LimitSlots` in job-document.ts). */
export const LIMIT_SLOTS_FIELD = 'limitSlots'

/**
 * The `$unset` part every write that moves a job out of `active` carries, so the limit slots it
 * held free in the same write (a no-op on a job that held none).
 */
export const FREE_LIMIT_SLOTS = { [LIMIT_SLOTS_FIELD]: '' } as const
