import { describe, expect, it } from 'vitest'
import { bucketFor, statsWindow } from './api'

describe('statsWindow', () => {
  const now = Date.UTC(2026, 10, 27, 12, 0, 0)

  it('ends quick ranges now, with their bucket', () => {
    expect(statsWindow('6h', undefined, undefined, now)).toEqual({ from: '2026-11-27T06:00:00.000000Z', to: '2026-11-27T12:00:00.000000Z', minBucket: 'FIVE_MINUTES' })
  })

  it('takes an absolute range as given and picks a bucket that fits its length', () => {
    expect(statsWindow('abs', '2026-11-27T08:00:00Z', '2026-11-27T09:30:00Z', now)).toEqual({
      from: '2026-11-27T08:00:00.000000Z', to: '2026-11-27T09:30:00.000000Z', minBucket: 'MINUTE',
    })
    expect(statsWindow('abs', '2026-11-20T00:00:00Z', '2026-11-27T00:00:00Z', now).minBucket).toBe('HOUR')
    expect([bucketFor(2 * 3_600_000), bucketFor(2 * 3_600_000 + 1), bucketFor(12 * 3_600_000 + 1)]).toEqual(['MINUTE', 'FIVE_MINUTES', 'HOUR'])
  })

  it('says what is wrong with an absolute range', () => {
    expect(() => statsWindow('abs', '', '2026-11-27T09:00:00Z', now)).toThrow(/both ends/)
    expect(() => statsWindow('abs', 'soon', '2026-11-27T09:00:00Z', now)).toThrow(/not a valid start/)
    expect(() => statsWindow('abs', '2026-11-27T09:00:00Z', '2026-11-27T08:00:00Z', now)).toThrow(/before its end/)
    expect(() => statsWindow('2w', undefined, undefined, now)).toThrow(/not a known range/)
  })
})
