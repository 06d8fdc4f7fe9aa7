/** Pure helpers of TimeChart.vue. */

/**
 * Indices of values with no value on either side: with gaps not spanned, a line has nothing to draw there, so
 * these are drawn as points (a lone bucket with data must not vanish).
 */
export function isolatedPoints(values: readonly (number | null | undefined)[]): number[] {
  const out: number[] = []
  for (let i = 0; i < values.length; i++) {
    if (values[i] == null) continue
    if ((i === 0 || values[i - 1] == null) && (i === values.length - 1 || values[i + 1] == null)) out.push(i)
  }
  return out
}

/** Whether any series has a value to draw. */
export function hasValues(series: readonly { values: readonly (number | null | undefined)[] }[]): boolean {
  return series.some((s) => s.values.some((v) => v != null))
}

/**
 * Labels of the time axis in the dashboard's one time format (24/12-hour and zone as the user chose): "HH:MM"
 * (with seconds when ticks are closer than a minute), and the date above the first tick and wherever it changes.
 */
export function axisLabels(splits: readonly number[], format: (ms: number, precision: 's' | 'min') => string): string[] {
  const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 60
  const precision = step < 60 ? 's' : 'min'
  let lastDate = ''
  return splits.map((sec) => {
    const text = format(sec * 1000, precision)
    const date = text.slice(0, 10)
    const time = text.slice(11)
    const label = date !== lastDate ? `${time}\n${date}` : time
    lastDate = date
    return label
  })
}

/**
 * The x axis (seconds) of a call's QoS charts: the call's own span (first to last message) with the samples in it,
 * padded a little, so one report sits where it happened in the call instead of alone on an axis two minutes wide.
 * Without the call's span: the samples' span, or 10 s around a single sample.
 */
export function callAxis(times: readonly number[], span?: readonly [number, number] | null): [number, number] | undefined {
  if (!times.length && !span) return undefined
  let from = Math.min(...times, ...(span ? [span[0]] : []))
  let to = Math.max(...times, ...(span ? [span[1]] : []))
  if (to - from < 10) {
    const middle = (from + to) / 2
    from = middle - 5
    to = middle + 5
  }
  const pad = (to - from) * 0.03
  return [from - pad, to + pad]
}
