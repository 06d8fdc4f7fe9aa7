import { describe, expect, it } from 'vitest'
import { formatEpochMs } from '@/utils/time'
import { axisLabels, hasValues, isolatedPoints, callAxis } from './timeChart'

describe('timeChart helpers', () => {
  it('finds the values a gapped line cannot draw', () => {
    expect(isolatedPoints([1, null, 2, 3, null, 4])).toEqual([0, 5])
    expect(isolatedPoints([null, 0, null])).toEqual([1])
    expect(isolatedPoints([1, 2])).toEqual([])
  })

  it('tells an all-null chart from one with zeros', () => {
    expect(hasValues([{ values: [null, null] }])).toBe(false)
    expect(hasValues([{ values: [null, 0] }])).toBe(true)
    expect(hasValues([])).toBe(false)
  })
})

describe('axisLabels', () => {
  it('labels ticks in the dashboard format, with the date where it changes', () => {
    const t = Date.UTC(2026, 10, 26, 23, 0) / 1000
    const labels = axisLabels([t, t + 1800, t + 3600], (ms, p) => formatEpochMs(ms, 'UTC', p))
    expect(labels).toEqual(['23:00\n2026-11-26', '23:30', '00:00\n2026-11-27'])
    expect(axisLabels([t, t + 15], (ms, p) => formatEpochMs(ms, 'UTC', p))).toEqual(['23:00:00\n2026-11-26', '23:00:15'])
  })
})

describe('callAxis', () => {
  it('puts one sample on the call span, not on an axis two minutes wide', () => {
    const [from, to] = callAxis([1_000_009], [1_000_000, 1_000_010])!
    expect(from).toBeLessThan(1_000_000)
    expect(to).toBeGreaterThan(1_000_009)
    expect(to - from).toBeLessThan(11)
  })

  it('without a call span: 10 s around a single sample', () => {
    expect(callAxis([500])).toEqual([500 - 5 - 0.3, 505 + 0.3])
  })
})
