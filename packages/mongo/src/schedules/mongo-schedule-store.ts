import type {
  FireScheduleParams,
  FireScheduleResult,
  PatchScheduleParams,
  Schedule,
  ScheduleStore,
  UpsertScheduleParams,
  UpsertScheduleResult,
} from '@durabl/core'
import { runOperation } from '../to-backend-error.js'
import { fireSchedule } from './fire-schedule.js'
import { getSchedule } from './get-schedule.js'
import { listSchedules } from './list-schedules.js'
import { patchSchedule } from './patch-schedule.js'
import { removeSchedule } from './remove-schedule.js'
import type { ScheduleContext } from './schedule-document.js'
import { upsertSchedule } from './upsert-schedule.js'

/**
 * `MongoBackend.schedules`: schedules live one document per schedule in their own collection
 * (`schedulesCollectionName`, `_id` = the schedule id); the jobs they enqueue go to the jobs
 * collection with a unique occurrence key. One operation per file in this folder; this class wires
 * them to the contract and turns driver errors into `BackendError`s.
 */
export class MongoScheduleStore implements ScheduleStore {
  constructor(private readonly context: ScheduleContext) {}

  upsertSchedule(params: UpsertScheduleParams): Promise<UpsertScheduleResult> {
    return runOperation('upsertSchedule', () => upsertSchedule(this.context, params))
  }

  getSchedule(params: { id: string }): Promise<Schedule | null> {
    return runOperation('getSchedule', () => getSchedule(this.context, params))
  }

  listSchedules(_params: Record<string, never>): Promise<Schedule[]> {
    return runOperation('listSchedules', () => listSchedules(this.context))
  }

  patchSchedule(params: PatchScheduleParams): Promise<Schedule | null> {
    return runOperation('patchSchedule', () => patchSchedule(this.context, params))
  }

  removeSchedule(params: { id: string }): Promise<boolean> {
    return runOperation('removeSchedule', () => removeSchedule(this.context, params))
  }

  fireSchedule(params: FireScheduleParams): Promise<FireScheduleResult> {
    return runOperation('fireSchedule', () => fireSchedule(this.context, params))
  }
}
