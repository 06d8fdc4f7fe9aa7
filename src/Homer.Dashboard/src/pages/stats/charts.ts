import type { ChartSeries } from '@/components/TimeChart.vue'
import { epochMicros } from '@/utils/time'
import type { Stats, StatsPoint } from './api'

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

function byKey(points: StatsPoint[], pick: (p: StatsPoint) => { key: string; count: number }[], top = 8): ChartSeries[] {
  const totals = new Map<string, number>()
  for (const p of points) for (const k of pick(p)) totals.set(k.key, (totals.get(k.key) ?? 0) + k.count)
  const keys = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k]) => k)
  return keys.map((key, i) => ({ label: key, color: PALETTE[i % PALETTE.length]!, values: points.map((p) => pick(p).find((k) => k.key === key)?.count ?? 0) }))
}

/** Time axis (seconds) and series for one metric of a stats answer; pure so it is unit-tested. */
export function statsSeries(stats: Stats, metric: StatsMetric): { times: number[]; series: ChartSeries[]; unit: string } {
  const points = stats.points
  const times = points.map((p) => (epochMicros(p.bucket) ?? 0) / 1e6)
  const unit = STATS_METRICS.find((m) => m.value === metric)!.unit
  const line = (label: string, color: string, values: (number | null)[], bars = false): ChartSeries => ({ label, color, values, bars })
  switch (metric) {
    case 'requests':
      return { times, unit, series: byKey(points, (p) => p.requests) }
    case 'responses': {
      const classes = ['1xx', '2xx', '3xx', '4xx', '5xx', '6xx']
      const colors = ['#8d98a8', '#17a34a', '#8a5cf6', '#e69f00', '#d55e00', '#c0262d']
      return {
        times,
        unit,
        series: classes.map((c, i) =>
          line(c, colors[i]!, points.map((p) => p.responses.filter((r) => r.key.startsWith(c[0]!)).reduce((s, r) => s + r.count, 0))),
        ),
      }
    }
    case 'calls':
      return {
        times,
        unit,
        series: [
          line('attempts', '#2f6fde', points.map((p) => p.callAttempts)),
          line('answered', '#17a34a', points.map((p) => p.callsAnswered)),
          line('4xx', '#e69f00', points.map((p) => p.callsFailed4xx)),
          line('5xx', '#d55e00', points.map((p) => p.callsFailed5xx)),
          line('6xx', '#c0262d', points.map((p) => p.callsFailed6xx)),
          line('cancelled', '#8d98a8', points.map((p) => p.callsCancelled)),
        ],
      }
    case 'asr':
      return { times, unit, series: [line('ASR', '#17a34a', points.map((p) => p.asr)), line('NER', '#2f6fde', points.map((p) => p.ner))] }
    case 'pdd':
      return { times, unit, series: [line('p50', '#2f6fde', points.map((p) => p.pddP50Ms)), line('p95', '#d55e00', points.map((p) => p.pddP95Ms))] }
    case 'registrations':
      return {
        times,
        unit,
        series: [
          line('registrations', '#2f6fde', points.map((p) => p.registrations)),
          line('failures', '#c0262d', points.map((p) => p.registrationFailures)),
          line('challenges', '#e69f00', points.map((p) => p.registrationChallenges)),
        ],
      }
  }
}
