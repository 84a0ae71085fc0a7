/**
 * Remembers whether this process's recent claims lost races, and turns that into how widely the
 * next claim spreads over the head of the queue (see docs/decisions/0003-claiming.md).
 *
 * Alone, a process claims strictly in order (spread 1). Each claim that loses a document to another
 * process doubles the spread, up to `maximum`; a run of clean claims halves it again. The spread
 * costs nothing when there is no contention, and keeps the order exact in single-process tests.
 */
export class ClaimContention {
  /** Clean claims in a row after which the spread halves. */
  static readonly CALM_ROUNDS = 16

  private current = 1
  private calmRounds = 0

  constructor(private readonly maximum: number) {}

  spread(): number {
    return this.current
  }

  /** Records one claim round: how many guarded writes lost their document out of how many tried. */
  record(lost: number, attempted: number): void {
    if (attempted === 0) return
    if (lost > 0) {
      this.current = Math.min(this.maximum, this.current * 2)
      this.calmRounds = 0
      return
    }
    this.calmRounds += 1
    if (this.calmRounds >= ClaimContention.CALM_ROUNDS && this.current > 1) {
      this.current = Math.max(1, Math.floor(this.current / 2))
      this.calmRounds = 0
    }
  }
}
