/**
 * Characters that must not reach a terminal raw: C0 controls (newline, carriage return, tab, ESC,
 * which starts ANSI sequences), DEL, C1 controls (U+009B is a one-byte CSI), the Unicode line and
 * paragraph separators, and the bidirectional overrides and isolates that reorder what is shown.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** What `JSON.stringify` leaves raw of the above (it escapes C0 controls inside strings itself). */
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function escapeCharacter(character: string): string {
  const named = NAMED_ESCAPES[character]
  if (named !== undefined) return named
  const code = character.charCodeAt(0)
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * Makes text from the database (type names, dedupe keys, errors, log lines, worker ids, metadata)
 * safe to print on one line: every character above becomes a visible escape (`\n`, `\x1b`,
 * `\u202e`), so stored text can neither break a table, forge a line of output, nor colour or
 * rewrite the terminal. Every formatter of the CLI goes through it (tables cell by cell).
 */
export function safeText(text: string): string {
  return text.replace(UNSAFE_CHARACTER, escapeCharacter)
}

/** Multi-line text (a stack, a message of several lines) as safe lines, each escaped by `safeText`. */
export function safeLines(text: string): string[] {
  return text.split(/\r?\n/).map(safeText)
}

/** Keeps the line breaks of a message and escapes everything else (messages on stderr). */
export function safeMessage(text: string): string {
  return safeLines(text).join('\n')
}

/**
 * JSON output stays valid JSON with the same values, but the characters `JSON.stringify` leaves
 * raw (DEL, C1 controls, separators, bidi controls) are written as `\u` escapes.
 */
export function safeJson(json: string): string {
  return json.replace(
    RAW_IN_JSON,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
