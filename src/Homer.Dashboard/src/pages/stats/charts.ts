import type { ChartSeries } from '@/components/TimeChart.vue'
import { epochMicros } from '@/utils/time'
import { BUCKET_SECONDS, type Stats, type StatsPoint } from './api'

export const STATS_METRICS = [
  { value: 'requests', label: 'Requests by method', unit: 'msgs' },
  { value: 'responses', label: 'Responses by class', unit: 'msgs' },
  { value: 'calls', label: 'Call outcomes', unit: 'calls' },
  { value: 'asr', label: 'ASR / NER', unit: '%' },
  { value: 'pdd', label: 'Post-dial delay', unit: 'ms' },
  { value: 'registrations', label: 'Registrations', unit: 'count' },
] as const
export type StatsMetric = (typeof STATS_METRICS)[number]['value']

const PALETTE = ['#2f6fde', '#17a34a', '#e69f00', '#d55e00', '#cc79a7', '#56b4e9', '#8a5cf6', '#7a7a00', '#999999']

/** A slot per bucket of the range: the point the answer has for it, or null where it has none (a gap). */
type Slot = StatsPoint | null

function byKey(points: Slot[], pick: (p: StatsPoint) => { key: string; count: number }[], top = 8): ChartSeries[] {
  const totals = new Map<string, number>()
  for (const p of points) if (p) for (const k of pick(p)) totals.set(k.key, (totals.get(k.key) ?? 0) + k.count)
  const keys = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k]) => k)
  return keys.map((key, i) => ({
    label: key,
    color: PALETTE[i % PALETTE.length]!,
    values: points.map((p) => (p ? (pick(p).find((k) => k.key === key)?.count ?? 0) : null)),
  }))
}

/** More buckets than this are not laid out slot by slot (a range the API would refuse anyway). */
const MAX_SLOTS = 10_000

/**
 * Every bucket of the asked range on a seconds axis, whether the answer has a point for it or not, and the span to
 * draw: the range asked from the start of its first bucket (so the axis covers what was asked, not only where data is).
 */
export function statsSlots(stats: Stats): { times: number[]; slots: Slot[]; range: [number, number] } {
  const from = (epochMicros(stats.from) ?? 0) / 1e6
  const to = (epochMicros(stats.to) ?? 0) / 1e6
  const step = BUCKET_SECONDS[stats.bucket] ?? 60
  const byTime = new Map(stats.points.map((p) => [(epochMicros(p.bucket) ?? 0) / 1e6, p]))
  const first = Math.floor(from / step) * step
  if (!(to > from) || (to - first) / step > MAX_SLOTS) {
    const times = [...byTime.keys()].sort((a, b) => a - b)
    return { times, slots: times.map((t) => byTime.get(t)!), range: [Math.min(from, times[0] ?? from), Math.max(to, times[times.length - 1] ?? to)] }
  }
  const times: number[] = []
  for (let t = first; t < to; t += step) times.push(t)
  // A point off the grid (another bucket width) still shows, in time order.
  for (const t of byTime.keys()) if ((t - first) % step !== 0 || t < first || t >= to) times.push(t)
  times.sort((a, b) => a - b)
  // From the start of the bucket the range starts in, so that bucket's point is on the chart.
  return { times, slots: times.map((t) => byTime.get(t) ?? null), range: [Math.min(first, times[0] ?? first), Math.max(to, times[times.length - 1] ?? to)] }
}

/**
 * Time axis (seconds) and series for one metric of a stats answer, one value per bucket of the range: null where
 * the bucket has no data (drawn as a gap), zero where the bucket exists and the count is zero. Pure so it is
 * unit-tested.
 */
export function statsSeries(stats: Stats, metric: StatsMetric): { times: number[]; series: ChartSeries[]; unit: string; range: [number, number] } {
  const { times, slots: points, range } = statsSlots(stats)
  const unit = STATS_METRICS.find((m) => m.value === metric)!.unit
  const line = (label: string, color: string, values: (number | null)[], bars = false): ChartSeries => ({ label, color, values, bars })
  const of = (pick: (p: StatsPoint) => number | null) => points.map((p) => (p ? pick(p) : null))
  switch (metric) {
    case 'requests':
      return { times, range, unit, series: byKey(points, (p) => p.requests) }
    case 'responses': {
      const classes = ['1xx', '2xx', '3xx', '4xx', '5xx', '6xx']
      const colors = ['#8d98a8', '#17a34a', '#8a5cf6', '#e69f00', '#d55e00', '#c0262d']
      return {
        times,
        range,
        unit,
        series: classes.map((c, i) =>
          line(c, colors[i]!, of((p) => p.responses.filter((r) => r.key.startsWith(c[0]!)).reduce((s, r) => s + r.count, 0))),
        ),
      }
    }
    case 'calls':
      return {
        times,
        range,
        unit,
        series: [
          line('attempts', '#2f6fde', of((p) => p.callAttempts)),
          line('answered', '#17a34a', of((p) => p.callsAnswered)),
          line('4xx', '#e69f00', of((p) => p.callsFailed4xx)),
          line('5xx', '#d55e00', of((p) => p.callsFailed5xx)),
          line('6xx', '#c0262d', of((p) => p.callsFailed6xx)),
          line('cancelled', '#8d98a8', of((p) => p.callsCancelled)),
        ],
      }
    case 'asr':
      return { times, range, unit, series: [line('ASR', '#17a34a', of((p) => p.asr)), line('NER', '#2f6fde', of((p) => p.ner))] }
    case 'pdd':
      return { times, range, unit, series: [line('p50', '#2f6fde', of((p) => p.pddP50Ms)), line('p95', '#d55e00', of((p) => p.pddP95Ms))] }
    case 'registrations':
      return {
        times,
        range,
        unit,
        series: [
          line('registrations', '#2f6fde', of((p) => p.registrations)),
          line('failures', '#c0262d', of((p) => p.registrationFailures)),
          line('challenges', '#e69f00', of((p) => p.registrationChallenges)),
        ],
      }
  }
}
