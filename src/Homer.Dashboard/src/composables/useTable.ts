import { computed, ref, shallowRef, type Ref } from 'vue'

export interface Column<R> {
  key: string
  label: string
  /** CSS grid track, e.g. "9rem" or "minmax(8rem, 1fr)". */
  width: string
  /** What sorting compares; numbers sort numerically, null last. */
  value: (row: R) => string | number | null | undefined
  /** What the cell shows (defaults to value). */
  text?: (row: R) => string
  mono?: boolean
  align?: 'right'
  title?: string
}

export type SortDirection = 'asc' | 'desc'

export function cellText<R>(column: Column<R>, row: R): string {
  if (column.text) return column.text(row)
  const v = column.value(row)
  return v === null || v === undefined ? '' : String(v)
}

export function compareValues(a: unknown, b: unknown): number {
  const aNull = a === null || a === undefined || a === ''
  const bNull = b === null || b === undefined || b === ''
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? 1 : -1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' })
}

/**
 * Words of the filter must all appear in the row (any column, case-insensitive); "-word" excludes rows with it
 * and "col:value" looks in one column (by key or label), so "method:invite -200" reads as expected.
 */
export function parseTableFilter(text: string): { column?: string; term: string; negate: boolean }[] {
  return text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => {
      const negate = word.startsWith('-') && word.length > 1
      const body = negate ? word.slice(1) : word
      const colon = body.indexOf(':')
      return colon > 0 && colon < body.length - 1
        ? { column: body.slice(0, colon).toLowerCase(), term: body.slice(colon + 1).toLowerCase(), negate }
        : { term: body.toLowerCase(), negate }
    })
}

/** Sorting and filtering of an in-memory result: index arrays over the rows, so 10 000 rows stay cheap. */
export function useTable<R>(rows: Ref<readonly R[]>, columns: Ref<readonly Column<R>[]> | readonly Column<R>[]) {
  const cols = computed(() => ('value' in columns ? columns.value : columns) as readonly Column<R>[])
  const sortKey = ref<string | null>(null)
  const sortDir = ref<SortDirection>('asc')
  const filterText = ref('')

  // Lower-cased text per row and column, computed once per result rather than on every keystroke.
  const haystack = computed(() =>
    rows.value.map((row) => cols.value.map((c) => cellText(c, row).toLowerCase())),
  )

  const filtered = computed<number[]>(() => {
    const terms = parseTableFilter(filterText.value)
    const all = rows.value.map((_, i) => i)
    if (!terms.length) return all
    const colIndex = (name: string) =>
      cols.value.findIndex((c) => c.key.toLowerCase() === name || c.label.toLowerCase() === name)
    return all.filter((i) => {
      const cells = haystack.value[i]!
      return terms.every((t) => {
        const at = t.column ? colIndex(t.column) : -1
        const hit = at >= 0 ? cells[at]!.includes(t.term) : cells.some((c) => c.includes(t.term))
        return t.negate ? !hit : hit
      })
    })
  })

  const order = shallowRef<number[]>([])
  const view = computed<R[]>(() => {
    const idx = [...filtered.value]
    const col = cols.value.find((c) => c.key === sortKey.value)
    if (col) {
      const values = rows.value.map((r) => col.value(r))
      const dir = sortDir.value === 'asc' ? 1 : -1
      // Stable: equal values keep the server's (time) order.
      idx.sort((a, b) => compareValues(values[a], values[b]) * dir || a - b)
    }
    order.value = idx
    return idx.map((i) => rows.value[i]!)
  })

  function toggleSort(key: string): void {
    if (sortKey.value !== key) {
      sortKey.value = key
      sortDir.value = 'asc'
    } else if (sortDir.value === 'asc') sortDir.value = 'desc'
    else sortKey.value = null
  }

  return { view, sortKey, sortDir, filterText, toggleSort }
}

/** The slice of rows to render for a scroll position: what is visible plus a margin on both sides. */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 10) {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan)
  const count = Math.ceil(viewportHeight / rowHeight) + 2 * overscan
  return { start: first, end: Math.min(total, first + count) }
}
