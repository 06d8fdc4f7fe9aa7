import { describe, expect, it } from 'vitest'
import type { Stats, StatsPoint } from './api'
import { statsSeries, statsSlots } from './charts'

const point = (bucket: string, over: Partial<StatsPoint>): StatsPoint => ({
  bucket, requests: [], responses: [], callAttempts: 0, callsAnswered: 0, callsFailed4xx: 0, callsFailed5xx: 0, callsFailed6xx: 0, callsCancelled: 0,
  asr: null, ner: null, pddP50Ms: null, pddP95Ms: null, setupP50Ms: null, acdSeconds: null, mos: [], registrations: 0, registrationFailures: 0,
  registrationChallenges: 0, retransmissionRatio: null, ...over,
})

const stats: Stats = {
  from: '2026-11-27T10:00:00Z', to: '2026-11-27T10:02:00Z', bucket: 'MINUTE',
  points: [
    point('2026-11-27T10:00:00.000000Z', { requests: [{ key: 'INVITE', count: 5 }, { key: 'BYE', count: 1 }], responses: [{ key: '200', count: 4 }, { key: '486', count: 1 }, { key: '180', count: 3 }], asr: 80 }),
    point('2026-11-27T10:01:00.000000Z', { requests: [{ key: 'BYE', count: 9 }], responses: [{ key: '503', count: 2 }], asr: null }),
  ],
  totals: point('2026-11-27T10:00:00Z', {}),
  topSourceIps: [],
  topUserAgents: [],
}

describe('statsSeries', () => {
  it('puts buckets on a seconds axis and methods as series, most frequent first', () => {
    const s = statsSeries(stats, 'requests')
    expect(s.times).toEqual([Date.UTC(2026, 10, 27, 10, 0) / 1000, Date.UTC(2026, 10, 27, 10, 1) / 1000])
    expect(s.series.map((x) => [x.label, x.values])).toEqual([['BYE', [1, 9]], ['INVITE', [5, 0]]])
  })

  it('groups responses by class and keeps gaps as null', () => {
    const r = statsSeries(stats, 'responses')
    expect(Object.fromEntries(r.series.map((x) => [x.label, x.values]))).toMatchObject({ '1xx': [3, 0], '2xx': [4, 0], '4xx': [1, 0], '5xx': [0, 2] })
    expect(statsSeries(stats, 'asr').series[0]!.values).toEqual([80, null])
  })

  it('lays out every bucket of the asked range: missing buckets are null (gaps), counts of a bucket that exists are zero', () => {
    // Two days by the hour with data in one hour only: 48 slots, the axis spans the two days, not two minutes.
    const twoDays: Stats = {
      ...stats,
      from: '2026-11-26T00:30:00.000000Z',
      to: '2026-11-28T00:30:00.000000Z',
      bucket: 'HOUR',
      points: [point('2026-11-27T00:00:00.000000Z', { callAttempts: 90, callsAnswered: 60, asr: 66.7 })],
    }
    const s = statsSeries(twoDays, 'calls')
    expect(s.range).toEqual([Date.UTC(2026, 10, 26, 0, 0) / 1000, Date.UTC(2026, 10, 28, 0, 30) / 1000])
    expect(s.times.length).toBe(49)
    expect(s.times[0]).toBe(Date.UTC(2026, 10, 26, 0, 0) / 1000)
    expect(s.times[1]! - s.times[0]!).toBe(3600)
    const at = s.times.indexOf(Date.UTC(2026, 10, 27, 0, 0) / 1000)
    const attempts = s.series.find((x) => x.label === 'attempts')!.values
    const failed = s.series.find((x) => x.label === '6xx')!.values
    expect([attempts[at], failed[at]]).toEqual([90, 0])
    expect(attempts.filter((v) => v !== null)).toEqual([90])
    expect(failed.filter((v) => v === null).length).toBe(48)
    expect(statsSeries(twoDays, 'requests').series).toEqual([])
  })

  it('keeps a point that is off the bucket grid rather than dropping it', () => {
    const odd: Stats = { ...stats, bucket: 'FIVE_MINUTES', points: [point('2026-11-27T10:01:00.000000Z', { callAttempts: 1 })] }
    const { times, slots } = statsSlots(odd)
    expect(times).toEqual([Date.UTC(2026, 10, 27, 10, 0) / 1000, Date.UTC(2026, 10, 27, 10, 1) / 1000])
    expect(slots.map((p) => p?.callAttempts ?? null)).toEqual([null, 1])
  })
})
