// Just enough PromQL text handling for the checks: split an expression at its top-level set
// operators, drop threshold comparisons, and read the range and subquery windows it uses.

const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 }

/** Seconds in a PromQL duration such as `15m` or `1h30m`. */
export function durationSeconds(text) {
  let total = 0
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g))
    total += Number(amount) * UNIT_SECONDS[unit]
  return total
}

/**
 * The operands of the top-level `and` / `unless` / `or` operators of `expr` (with any `on(…)` or
 * `ignoring(…)` dropped), or `[expr]` when it has none.
 */
export function setOperands(expr) {
  const operands = []
  let depth = 0
  let quote = null
  let start = 0
  for (let index = 0; index < expr.length; index++) {
    const char = expr[index]
    if (quote) {
      if (char === '\\') index++
      else if (char === quote) quote = null
      continue
    }
    if (char === '"' || char === "'" || char === '`') quote = char
    else if ('([{'.includes(char)) depth++
    else if (')]}'.includes(char)) depth--
    else if (depth === 0 && /\s/.test(char)) {
      const match = /^\s(and|unless|or)\s+(?:(?:on|ignoring)\s*\([^)]*\)\s*)?/.exec(expr.slice(index))
      if (match) {
        operands.push(expr.slice(start, index).trim())
        index += match[0].length - 1
        start = index + 1
      }
    }
  }
  operands.push(expr.slice(start).trim())
  return operands.filter(Boolean)
}

/** `expr` without comparisons against a number at its end (`… > 0.05` → `…`). */
export function withoutThreshold(expr) {
  return expr.replace(/\s*(?:>=|<=|==|!=|>|<)\s*(?:bool\s+)?-?\d+(?:\.\d+)?(?:e-?\d+)?\s*$/, '').trim()
}

/**
 * How much history `expr` needs before it can return anything: two points of its coarsest
 * subquery resolution (`[1h:5m]` → 10 minutes), else two scrapes.
 */
export function historyNeededSeconds(expr, scrapeIntervalSeconds) {
  let needed = 2 * scrapeIntervalSeconds
  for (const [, resolution] of expr.matchAll(/\[[^\]:]+:([^\]]+)\]/g)) {
    needed = Math.max(needed, 2 * durationSeconds(resolution))
  }
  return needed
}

/** Whether the outermost function of `expr` is `name(…)`. */
export function outerFunction(expr) {
  const match = /^\s*([a-z_]+)\s*(?:by|without)?\s*(?:\([^()]*\)\s*)?\(/.exec(expr)
  return match?.[1]
}
