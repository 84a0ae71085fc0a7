import type { JobQueue, ScheduleDeclaration } from '@durabl/core'

export interface WelcomeEmail {
  userId: string
  email: string
}

export interface FollowUp {
  userId: string
}

/** Waits `ms`, or rejects when the job's signal aborts (lease lost, timeout, shutdown). */
function work(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })
}

/** A sign-up's tenant: its e-mail's domain (lower case). */
export function tenantOf(email: string): string {
  return (email.split('@')[1] ?? 'unknown').toLowerCase().slice(0, 100)
}

/**
 * Fleet-wide limits of the welcome e-mails, stored at start (every worker applies them, whatever
 * code it runs): at most 2 sending at once per tenant, and 20 per second per tenant, as a mail
 * provider's per-domain quota would ask.
 */
export const WELCOME_EMAIL_LIMITS = {
  perKey: { concurrency: 2, rateLimit: { max: 20, perMs: 1_000 } },
}

/** The jobs a sign-up starts: one welcome email (deduplicated per user) and two follow-ups. */
export async function enqueueSignup(queue: JobQueue, userId: string, email: string) {
  const welcomeId = await queue.enqueue<WelcomeEmail>(
    'welcome-email',
    { userId, email },
    // Limited per tenant (the e-mail's domain) by WELCOME_EMAIL_LIMITS, across every worker.
    { dedupeKey: `welcome-email:${userId}`, maxAttempts: 5, limitKey: `tenant:${tenantOf(email)}` },
  )
  const followUpIds = await queue.enqueueMany([
    { type: 'provision-workspace', data: { userId }, options: { priority: -1 } },
    { type: 'send-tips', data: { userId }, options: { delayMs: 2_000 } },
  ])
  return { welcomeId, followUpIds }
}

/**
 * The app's recurring jobs, declared in code and reconciled at every start: `sync` creates or
 * updates them and, after a grace period, removes schedules this code stopped declaring. Every
 * started process takes part in running them; each occurrence becomes exactly one job.
 */
export const SCHEDULES: ScheduleDeclaration[] = [
  {
    id: 'usage-report',
    type: 'usage-report',
    everyMs: 5_000,
    data: { window: '5s' },
    overlap: 'skip', // a slow report never piles up behind itself
    catchUp: 'none',
  },
  {
    id: 'nightly-cleanup',
    type: 'cleanup',
    cron: '30 2 * * *', // 02:30 in Berlin: on the spring-forward night it runs once, at 03:00
    timezone: 'Europe/Berlin',
    data: { olderThanDays: 30 },
    catchUp: 'latest', // after downtime, run the missed night once
  },
]

/** Registers the handlers. The welcome email fails its first attempt to show a retry. */
export function registerHandlers(queue: JobQueue, log: (line: string) => void): void {
  queue.process<WelcomeEmail>(
    'welcome-email',
    async (job, ctx) => {
      if (job.attempts === 1)
        throw new Error('the mail provider timed out (a demo failure: the job is retried)')
      await work(20, ctx.signal)
      ctx.log(`sent to user ${job.data.userId}`)
      return { sent: true }
    },
    { concurrency: 4, backoff: { type: 'fixed', delayMs: 500 } },
  )
  queue.process<FollowUp>(
    'provision-workspace',
    async (job, ctx) => {
      await work(50, ctx.signal)
      ctx.progress(100)
      return { workspace: `ws_${job.data.userId}` }
    },
    { concurrency: 2 },
  )
  queue.process<FollowUp>('send-tips', async (_job, ctx) => work(10, ctx.signal), { concurrency: 2 })
  queue.process('usage-report', async (job, ctx) => {
    const stats = await queue.getStats()
    ctx.log(`occurrence ${job.metadata.durabl_occurrence}: ${stats.total.completed} jobs completed so far`)
  })
  queue.process('cleanup', async (_job, ctx) => work(10, ctx.signal))
  queue.on('job:completed', ({ job, durationMs }) =>
    log(
      `job ${job.type} ${job.id} completed after ${job.attempts} attempt(s) in ${Math.round(durationMs)} ms`,
    ),
  )
  queue.on('job:failed', ({ job, error, willRetry }) =>
    log(
      `job ${job.type} ${job.id} failed attempt ${job.attempts}: ${error.message}${willRetry ? ' (will retry)' : ''}`,
    ),
  )
}
