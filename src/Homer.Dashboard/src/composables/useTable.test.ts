import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { compareValues, parseTableFilter, useTable, visibleRange, type Column } from './useTable'

interface Row {
  n: number
  name: string | null
}
const columns: Column<Row>[] = [
  { key: 'n', label: 'Number', width: '1fr', value: (r) => r.n },
  { key: 'name', label: 'Name', width: '1fr', value: (r) => r.name },
]

describe('useTable', () => {
  it('filters by words, by column and by exclusion, case-insensitively', () => {
    const rows = ref<Row[]>([{ n: 1, name: 'INVITE' }, { n: 2, name: 'BYE' }, { n: 12, name: 'invite' }])
    const t = useTable(rows, columns)
    t.filterText.value = 'invite'
    expect(t.view.value.map((r) => r.n)).toEqual([1, 12])
    t.filterText.value = 'number:1'
    expect(t.view.value.map((r) => r.n)).toEqual([1, 12])
    t.filterText.value = 'invite -12'
    expect(t.view.value.map((r) => r.n)).toEqual([1])
  })

  it('sorts ascending, descending, then back to server order; numbers numerically, empty last', () => {
    const rows = ref<Row[]>([{ n: 10, name: 'b' }, { n: 9, name: null }, { n: 100, name: 'a' }])
    const t = useTable(rows, columns)
    t.toggleSort('n')
    expect(t.view.value.map((r) => r.n)).toEqual([9, 10, 100])
    t.toggleSort('n')
    expect(t.view.value.map((r) => r.n)).toEqual([100, 10, 9])
    t.toggleSort('n')
    expect(t.view.value.map((r) => r.n)).toEqual([10, 9, 100])
    t.toggleSort('name')
    expect(t.view.value.map((r) => r.name)).toEqual(['a', 'b', null])
  })

  it('sorts and filters 10 000 rows quickly', () => {
    const rows = ref<Row[]>(Array.from({ length: 10_000 }, (_, i) => ({ n: (i * 7919) % 10_000, name: `user${i % 97}` })))
    const t = useTable(rows, columns)
    const start = performance.now()
    t.toggleSort('n')
    expect(t.view.value[0]!.n).toBe(0)
    t.filterText.value = 'user5'
    expect(t.view.value.length).toBeGreaterThan(0)
    expect(performance.now() - start).toBeLessThan(1500)
  })
})

describe('helpers', () => {
  it('compares like a voice engineer expects', () => {
    expect(compareValues('sip2', 'sip10')).toBeLessThan(0)
    expect(compareValues(null, 'a')).toBeGreaterThan(0)
    expect(compareValues(2, 10)).toBeLessThan(0)
  })

  it('parses the filter syntax', () => {
    expect(parseTableFilter(' a  -b c:d ')).toEqual([
      { term: 'a', negate: false },
      { term: 'b', negate: true },
      { column: 'c', term: 'd', negate: false },
    ])
  })

  it('renders only the visible rows plus a margin', () => {
    expect(visibleRange(0, 520, 26, 10_000)).toEqual({ start: 0, end: 40 })
    expect(visibleRange(26 * 5000, 520, 26, 10_000)).toEqual({ start: 4990, end: 5030 })
    expect(visibleRange(26 * 9990, 520, 26, 10_000)).toEqual({ start: 9980, end: 10_000 })
  })
})
