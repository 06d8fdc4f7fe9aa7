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
