import { describe, expect, it } from 'vitest'
import { frameBatcher, LiveWindow, SkipCounter, type FrameClock } from './liveWindow'

describe('LiveWindow', () => {
  it('merges a batch newest first and reports nothing when nothing arrived', () => {
    const w = new LiveWindow<number>(5)
    expect(w.flush()).toBeNull()
    w.push(1)
    w.push(2)
    expect(w.flush()).toEqual({ rows: [2, 1], pushedOut: 0 })
    w.push(3)
    expect(w.flush()).toEqual({ rows: [3, 2, 1], pushedOut: 0 })
    expect(w.flush()).toBeNull()
  })

  it('keeps at most the window, counting what falls off the end as pushed out', () => {
    const w = new LiveWindow<number>(3)
    for (const n of [1, 2, 3]) w.push(n)
    w.flush()
    w.push(4)
    w.push(5)
    expect(w.flush()).toEqual({ rows: [5, 4, 3], pushedOut: 2 })
  })

  it('a batch larger than the window keeps its newest rows and stays bounded between frames', () => {
    const w = new LiveWindow<number>(100)
    for (let i = 0; i < 10_000; i++) {
      w.push(i)
      expect(w.pendingCount).toBeLessThan(200)
    }
    const r = w.flush()!
    expect(r.rows).toHaveLength(100)
    expect(r.rows[0]).toBe(9_999)
    expect(r.rows[99]).toBe(9_900)
    expect(r.pushedOut).toBe(9_900)
  })

  it('every row pushed is either shown or counted as pushed out', () => {
    const w = new LiveWindow<number>(50)
    let pushed = 0
    let out = 0
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < batch * 7; i++) w.push(pushed++)
      out += w.flush()?.pushedOut ?? 0
    }
    expect(out + w.rows.length).toBe(pushed)
    expect(w.rows[0]).toBe(pushed - 1)
  })
})

describe('SkipCounter', () => {
  it('adds server skips and drops, and stays amber only while skips are recent', () => {
    const s = new SkipCounter()
    s.add({ skipped: 0, dropped: null }, 0)
    expect(s.total).toBe(0)
    expect(s.recent(0)).toBe(false)
    s.add({ skipped: 12 }, 1_000)
    s.add({ dropped: 3, skipped: null }, 2_000)
    expect(s.total).toBe(15)
    expect(s.recent(6_000)).toBe(true)
    expect(s.recent(7_001)).toBe(false)
    s.reset()
    expect(s.total).toBe(0)
  })
})

/** A clock the test drives: frames run when the test says, at the time it sets. */
function fakeClock() {
  let time = 0
  let queue: (() => void)[] = []
  const clock: FrameClock = { request: (cb) => queue.push(cb), now: () => time }
  return {
    clock,
    /** Runs the frames due at `ms` (each frame 1000/60 ms apart) up to that time. */
    advance(ms: number) {
      const end = time + ms
      while (time < end) {
        time += 1_000 / 60
        const due = queue
        queue = []
        due.forEach((cb) => cb())
      }
    },
    get waiting() {
      return queue.length
    },
  }
}

describe('frameBatcher', () => {
  it('renders once per frame however many rows are scheduled before it', () => {
    const c = fakeClock()
    let renders = 0
    const b = frameBatcher(() => renders++, 10, c.clock)
    for (let i = 0; i < 500; i++) b.schedule()
    expect(c.waiting).toBe(1)
    c.advance(20)
    expect(renders).toBe(1)
  })

  it('renders at most perSecond times a second under a steady stream, and never when nothing is scheduled', () => {
    const c = fakeClock()
    let renders = 0
    const b = frameBatcher(() => renders++, 10, c.clock)
    for (let ms = 0; ms < 3_000; ms += 1) {
      b.schedule()
      if (ms % 16 === 0) c.advance(16)
    }
    expect(renders).toBeLessThanOrEqual(31)
    expect(renders).toBeGreaterThanOrEqual(25)
    // The rows scheduled last still render, once; after that nothing is left to render.
    c.advance(200)
    const before = renders
    c.advance(2_000)
    expect(renders).toBe(before)
    expect(c.waiting).toBe(0)
  })

  it('stops rendering when stopped and renders again after resume', () => {
    const c = fakeClock()
    let renders = 0
    const b = frameBatcher(() => renders++, 10, c.clock)
    b.schedule()
    b.stop()
    c.advance(500)
    expect(renders).toBe(0)
    b.resume()
    b.schedule()
    c.advance(200)
    expect(renders).toBe(1)
  })
})
