import type { IncomingMessage } from 'node:http'
import { HttpError, preview } from './http-error.js'

/** The largest request body read, in bytes; a larger one is refused with 413 before it is buffered. */
export const MAX_BODY_BYTES = 16 * 1024

/** `application/json`, with or without parameters such as `; charset=utf-8`. */
const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i

/**
 * Reads a request body that must be a JSON object: 415 for another content type, 413 for a body over
 * {@link MAX_BODY_BYTES}, 400 for bad JSON or JSON that is not an object (`null`, an array, a string).
 * `expected` shows the caller what to send, e.g. `{"email":"you@example.com"}`.
 */
export async function readJsonObject(
  request: IncomingMessage,
  expected: string,
): Promise<Record<string, unknown>> {
  const contentType = request.headers['content-type']
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType)) {
    throw new HttpError(
      415,
      `content-type must be application/json, got ${JSON.stringify(contentType ?? null)}`,
      { 'accept-post': 'application/json' },
    )
  }
  const declaredBytes = Number(request.headers['content-length'] ?? 0)
  if (declaredBytes > MAX_BODY_BYTES) throw tooLarge(`${declaredBytes} bytes`)

  const text = (await readBody(request)).toString('utf8')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    throw new HttpError(400, `the body must be a JSON object like ${expected}: ${(error as Error).message}`)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const got = Array.isArray(body) ? 'an array' : preview(body)
    throw new HttpError(400, `the body must be a JSON object like ${expected}, got ${got}`)
  }
  return body as Record<string, unknown>
}

/**
 * Buffers the body up to {@link MAX_BODY_BYTES}. Past that it rejects at once, and discards the rest
 * as it arrives rather than destroying the request: a client still sending would otherwise get a
 * broken pipe instead of the 413.
 */
function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let size = 0
    const chunks: Buffer[] = []
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk)
      request.off('data', onData)
      request.off('end', onEnd)
      request.resume()
      reject(tooLarge(`at least ${size} bytes`))
    }
    const onEnd = () => resolve(Buffer.concat(chunks))
    request.on('data', onData)
    request.once('end', onEnd)
    request.once('error', reject)
  })
}

function tooLarge(got: string): HttpError {
  return new HttpError(413, `the body must be at most ${MAX_BODY_BYTES} bytes, got ${got}`)
}
