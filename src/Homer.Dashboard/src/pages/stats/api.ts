import { gql } from '@/api/graphql'
import type * as Schema from '@/api/schema.generated'
import { parseTimeInput, toIsoMicros } from '@/utils/time'

export type StatsBucket = Schema.StatsBucket
// The fields the query selects, written once: the query string joins them, the types pick them from the schema.
const POINT_FIELDS = [
  'bucket', 'requests', 'responses', 'callAttempts', 'callsAnswered', 'callsFailed4xx', 'callsFailed5xx', 'callsFailed6xx', 'callsCancelled', 'asr',
  'ner', 'pddP50Ms', 'pddP95Ms', 'setupP50Ms', 'acdSeconds', 'mos', 'registrations', 'registrationFailures', 'registrationChallenges',
  'retransmissionRatio',
] as const satisfies readonly (keyof Schema.StatsPoint)[]
/** The fields of StatsPoint that are lists of key counts. */
const KEY_COUNT_LISTS: readonly string[] = ['requests', 'responses', 'mos'] satisfies readonly (typeof POINT_FIELDS)[number][]

export type KeyCount = Schema.KeyCount
export type StatsPoint = Pick<Schema.StatsPoint, (typeof POINT_FIELDS)[number]>
export type Stats = Omit<Schema.Stats, 'points' | 'totals'> & { points: StatsPoint[]; totals: StatsPoint }

const POINT = POINT_FIELDS.map((f) => (KEY_COUNT_LISTS.includes(f) ? `${f} { key count }` : f)).join(' ')

/**
 * Asked without a bucket: the server answers from the finest width still kept for the whole range (minute buckets
 * are kept 7 days by default) but no finer than minBucket, and says which in `bucket`.
 */
export const STATS_QUERY = gql<{ stats: Stats }, { from: string; to: string; minBucket: StatsBucket; node?: string | null }>(
  `query Stats($from: DateTime!, $to: DateTime!, $minBucket: StatsBucket, $node: String) {
  stats(from: $from, to: $to, minBucket: $minBucket, node: $node) {
    from to bucket
    points { ${POINT} }
    totals { ${POINT} }
    topSourceIps { key count }
    topUserAgents { key count }
  }
}`,
  'Stats',
)

/** Ranges the stats page and widgets offer, with the finest bucket that gives a readable number of points. */
export const STATS_RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000, bucket: 'MINUTE' },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000, bucket: 'FIVE_MINUTES' },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000, bucket: 'HOUR' },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000, bucket: 'HOUR' },
  { value: '30d', label: 'Last 30 days', ms: 30 * 24 * 3_600_000, bucket: 'HOUR' },
  { value: '90d', label: 'Last 90 days', ms: 90 * 24 * 3_600_000, bucket: 'HOUR' },
] as const satisfies readonly { value: string; label: string; ms: number; bucket: StatsBucket }[]
export type StatsRange = (typeof STATS_RANGES)[number]['value']

/** Seconds per bucket. */
export const BUCKET_SECONDS: Record<StatsBucket, number> = { MINUTE: 60, FIVE_MINUTES: 300, HOUR: 3600 }

/** The stats page's choices: the quick ranges and an absolute from/to ("abs"), as on the search page. */
export const STATS_PAGE_RANGES = [...STATS_RANGES, { value: 'abs', label: 'Absolute…' }] as const

export interface StatsWindow {
  from: string
  to: string
  /** The finest bucket worth drawing; the server may answer coarser (when finer ones have expired). */
  minBucket: StatsBucket
}

/** Up to 2 h by the minute, up to 12 h by five minutes, longer by the hour: a readable number of points. */
export function bucketFor(spanMs: number): StatsBucket {
  if (spanMs <= 2 * 3_600_000) return 'MINUTE'
  if (spanMs <= 12 * 3_600_000) return 'FIVE_MINUTES'
  return 'HOUR'
}

/**
 * The window a stats query asks for: a quick range ends now; an absolute one is read as typed, 24-hour, in the zone
 * the picker's label shows (the user's choice). Throws an Error whose message the page shows.
 */
export function statsWindow(range: string, from: string | undefined, to: string | undefined, now: number = Date.now()): StatsWindow {
  if (range === 'abs') {
    if (!from || !to) throw new Error('Give both ends of the absolute range.')
    const a = parseTimeInput(from)
    const b = parseTimeInput(to)
    if (a === null) throw new Error(`"${from}" is not a valid start time (YYYY-MM-DD HH:MM:SS, 24-hour).`)
    if (b === null) throw new Error(`"${to}" is not a valid end time (YYYY-MM-DD HH:MM:SS, 24-hour).`)
    if (a >= b) throw new Error('The start of the range must be before its end.')
    return { from: toIsoMicros(a), to: toIsoMicros(b), minBucket: bucketFor(b - a) }
  }
  const quick = STATS_RANGES.find((r) => r.value === range)
  if (!quick) throw new Error(`"${range}" is not a known range.`)
  return { from: toIsoMicros(now - quick.ms), to: toIsoMicros(now), minBucket: quick.bucket }
}
