import { Long } from 'bson'
import type { Document } from './bson-values.js'
import type { ChangeStream } from './change-streams/change-stream.js'

export interface BatchCursor {
  readonly kind: 'batch'
  readonly id: Long
  readonly namespace: string
  readonly documents: Document[]
  position: number
  readonly sessionKey: string | undefined
}

export interface ChangeStreamCursor {
  readonly kind: 'changeStream'
  readonly id: Long
  readonly namespace: string
  readonly stream: ChangeStream
  readonly sessionKey: string | undefined
  /** Set by killCursors or a fault while a getMore waits, so the waiting getMore fails. */
  killed: boolean
}

export type ServerCursor = BatchCursor | ChangeStreamCursor

/** Open cursors by id. Ids are random positive Int64s, as the driver requires. */
export class CursorRegistry {
  private cursors = new Map<string, ServerCursor>()

  newId(): Long {
    for (;;) {
      const id = Long.fromBits((Math.random() * 0x7fffffff) | 0, (Math.random() * 0x7fffffff) | 0)
      if (!id.isZero() && !this.cursors.has(id.toString())) return id
    }
  }

  add(cursor: ServerCursor): void {
    this.cursors.set(cursor.id.toString(), cursor)
  }

  get(id: unknown): ServerCursor | undefined {
    return this.cursors.get(String(id))
  }

  remove(id: unknown): boolean {
    const cursor = this.cursors.get(String(id))
    if (cursor?.kind === 'changeStream') cursor.killed = true
    return this.cursors.delete(String(id))
  }

  /** Removes matching cursors and returns how many. */
  removeWhere(predicate: (cursor: ServerCursor) => boolean): number {
    let count = 0
    for (const cursor of [...this.cursors.values()]) {
      if (predicate(cursor)) {
        this.remove(cursor.id)
        count += 1
      }
    }
    return count
  }

  get size(): number {
    return this.cursors.size
  }
}
