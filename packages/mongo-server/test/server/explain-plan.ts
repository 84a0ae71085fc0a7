import type { Document } from 'mongodb'

/** The winning plan's root, in the classic shape or the slot-based engine's (`queryPlan`). */
export function winningPlan(explain: Document): Document {
  const planner = (explain.queryPlanner ?? explain.stages?.[0]?.$cursor?.queryPlanner) as Document
  const plan = planner.winningPlan as Document
  return (plan.queryPlan as Document | undefined) ?? plan
}

/** Every stage of a plan, root first. */
export function stagesOf(plan: Document): Document[] {
  const children = [plan.inputStage, ...((plan.inputStages as Document[] | undefined) ?? [])].filter(
    (child): child is Document => child !== undefined,
  )
  return [plan, ...children.flatMap(stagesOf)]
}
