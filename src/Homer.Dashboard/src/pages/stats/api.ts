import { gql } from '@/api/graphql'

export type StatsBucket = 'MINUTE' | 'FIVE_MINUTES' | 'HOUR'
export interface KeyCount {
  key: string
  count: number
}
export interface StatsPoint {
  bucket: string
  requests: KeyCount[]
  responses: KeyCount[]
  callAttempts: number
  callsAnswered: number
  callsFailed4xx: number
  callsFailed5xx: number
  callsFailed6xx: number
  callsCancelled: number
  asr: number | null
  ner: number | null
  pddP50Ms: number | null
  pddP95Ms: number | null
  setupP50Ms: number | null
  acdSeconds: number | null
  mos: KeyCount[]
  registrations: number
  registrationFailures: number
  registrationChallenges: number
  retransmissionRatio: number | null
}
export interface Stats {
  from: string
  to: string
  bucket: StatsBucket
  points: StatsPoint[]
  totals: StatsPoint
  topSourceIps: KeyCount[]
  topUserAgents: KeyCount[]
}

const POINT = `bucket requests { key count } responses { key count } callAttempts callsAnswered callsFailed4xx callsFailed5xx callsFailed6xx callsCancelled
asr ner pddP50Ms pddP95Ms setupP50Ms acdSeconds mos { key count } registrations registrationFailures registrationChallenges retransmissionRatio`

export const STATS_QUERY = gql<{ stats: Stats }, { from: string; to: string; bucket: StatsBucket; node?: string | null }>(
  `query Stats($from: DateTime!, $to: DateTime!, $bucket: StatsBucket, $node: String) {
  stats(from: $from, to: $to, bucket: $bucket, node: $node) {
    from to bucket
    points { ${POINT} }
    totals { ${POINT} }
    topSourceIps { key count }
    topUserAgents { key count }
  }
}`,
  'Stats',
)

/** Ranges the stats page and widgets offer, with the bucket that gives a readable number of points. */
export const STATS_RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000, bucket: 'MINUTE' },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000, bucket: 'FIVE_MINUTES' },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000, bucket: 'HOUR' },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000, bucket: 'HOUR' },
] as const satisfies readonly { value: string; label: string; ms: number; bucket: StatsBucket }[]
export type StatsRange = (typeof STATS_RANGES)[number]['value']
