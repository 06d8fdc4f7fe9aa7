/**
 * The live tail's buffering, kept apart from Vue so it can be tested: incoming rows are batched and merged into a
 * bounded window (newest first) at most a few times a second, and what the server or this page never showed is
 * counted as skipped.
 */

/** What one flush changed: the window to show, and how many rows fell off its end (not skipped: they were shown or superseded). */
export interface FlushResult<T> {
  rows: T[]
  pushedOut: number
}

/**
 * A bounded window of rows, newest first, fed one row at a time and read once per frame. Between frames the batch
 * never holds more than the window: older rows in it would be pushed out by the flush anyway.
 */
export class LiveWindow<T> {
  private pending: T[] = []
  private current: T[] = []
  private pendingPushedOut = 0

  constructor(readonly max = 2_000) {
    if (max < 1) throw new Error('window must hold at least one row')
  }

  get rows(): readonly T[] {
    return this.current
  }

  get pendingCount(): number {
    return this.pending.length
  }

  push(row: T): void {
    this.pending.push(row)
    // Amortised: trim the batch once it holds twice the window.
    if (this.pending.length >= 2 * this.max) {
      const extra = this.pending.length - this.max
      this.pending.splice(0, extra)
      this.pendingPushedOut += extra
    }
  }

  /** Merges the batch into the window; null when nothing arrived since the last flush. */
  flush(): FlushResult<T> | null {
    if (!this.pending.length) return null
    const fresh = this.pending.length > this.max ? this.pending.slice(this.pending.length - this.max) : this.pending
    let pushedOut = this.pendingPushedOut + (this.pending.length - fresh.length)
    fresh.reverse()
    const keep = Math.max(0, this.max - fresh.length)
    pushedOut += Math.max(0, this.current.length - keep)
    this.current = keep > 0 ? fresh.concat(this.current.slice(0, keep)) : fresh
    this.pending = []
    this.pendingPushedOut = 0
    return { rows: this.current, pushedOut }
  }

  clear(): void {
    this.pending = []
    this.current = []
    this.pendingPushedOut = 0
  }
}

/** Rows the server never sent: its rate limit (`skipped`) and a queue this page was too slow for (`DROPPED`). */
export class SkipCounter {
  total = 0
  lastAt = -Infinity

  /** Adds the counts of one subscription item; `now` in ms. */
  add(item: { skipped?: number | null; dropped?: number | null }, now: number): void {
    const n = (item.skipped ?? 0) + (item.dropped ?? 0)
    if (n > 0) {
      this.total += n
      this.lastAt = now
    }
  }

  /** Whether the view skipped within the last `withinMs` (the dot is amber meanwhile). */
  recent(now: number, withinMs = 5_000): boolean {
    return now - this.lastAt <= withinMs
  }

  reset(): void {
    this.total = 0
    this.lastAt = -Infinity
  }
}

export interface FrameClock {
  request: (callback: () => void) => unknown
  now: () => number
}

const browserClock: FrameClock = {
  request: (cb) => (typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => cb()) : setTimeout(cb, 16)),
  now: () => performance.now(),
}

/**
 * Calls `render` on an animation frame after `schedule()`, at most `perSecond` times a second however often
 * `schedule()` is called: many rows between two frames make one render.
 */
export function frameBatcher(render: () => void, perSecond = 10, clock: FrameClock = browserClock) {
  const interval = 1_000 / perSecond
  let last = -Infinity
  let waiting = false
  let stopped = false

  function frame(): void {
    if (stopped) {
      waiting = false
      return
    }
    const now = clock.now()
    if (now - last < interval) {
      clock.request(frame)
      return
    }
    waiting = false
    last = now
    render()
  }

  return {
    schedule(): void {
      if (waiting || stopped) return
      waiting = true
      clock.request(frame)
    },
    stop(): void {
      stopped = true
    },
    resume(): void {
      stopped = false
    },
  }
}
