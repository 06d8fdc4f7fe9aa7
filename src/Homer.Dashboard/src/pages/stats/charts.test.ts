import { describe, expect, it } from 'vitest'
import type { Stats, StatsPoint } from './api'
import { statsSeries } from './charts'

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
})
