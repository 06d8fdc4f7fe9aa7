import { describe, expect, it } from 'vitest'
import { hasValues, isolatedPoints } from './timeChart'

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
