/** When the TTL index may delete a job that finished at `now`; null keeps it forever. */
export function retentionDeadline(now: Date, retentionMs: number | null): Date | null {
  return retentionMs === null ? null : new Date(now.getTime() + retentionMs)
}
