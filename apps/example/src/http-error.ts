/** A request the service refuses, with the HTTP status that says why and a message naming the value. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. `Accept-Post` on a 415. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** A value as JSON for an error message, cut to `maxChars` so a large body does not echo back whole. */
export function preview(value: unknown, maxChars = 80): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length} characters)`
}
