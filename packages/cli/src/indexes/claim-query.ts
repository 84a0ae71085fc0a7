/**
 * How many candidates `indexes check` asks the plan for: a batch of 10 at the claim's default
 * spread of 8. The filter and sort themselves come from `@durabl/mongo`'s `claimQuery`, the one
 * the backend runs.
 */
export const CLAIM_EXPLAIN_LIMIT = 80
