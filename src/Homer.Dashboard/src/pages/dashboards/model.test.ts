import { describe, expect, it } from 'vitest'
import { cellPositions, layoutRows, layoutSpans, remapWidgets, moveWidget, newWidget, nudgeWidget, parseWidgets, serializeWidgets, type Widget } from './model'

const w = (id: string, column: number): Widget => ({ ...newWidget('clock', column, id) })

describe('dashboard model', () => {
  it('reads layouts as 12-column spans', () => {
    expect(layoutSpans('12')).toEqual([12])
    expect(layoutSpans('4-8')).toEqual([4, 8])
    expect(layoutSpans('4-4-4')).toEqual([4, 4, 4])
    expect(layoutSpans('7-5')).toEqual([12])
  })

  it('round-trips widgets and drops what it cannot show', () => {
    const widgets = [w('a', 0), newWidget('markdown', 1, 'b')]
    expect(parseWidgets(serializeWidgets(widgets), 2)).toEqual(widgets)
    expect(parseWidgets('[{"id":"x","type":"future-widget","column":0},{"id":"y","type":"clock","column":5}]', 2)).toEqual([
      { id: 'y', type: 'clock', column: 1, title: 'Clock', config: { zones: 'UTC' } },
    ])
    expect(parseWidgets('not json', 2)).toEqual([])
    expect(parseWidgets('{"a":1}', 2)).toEqual([])
  })

  it('moves a widget before another or to the end of a column', () => {
    const list = [w('a', 0), w('b', 0), w('c', 1)]
    expect(moveWidget(list, 'c', 0, 'a').map((x) => `${x.id}${x.column}`)).toEqual(['c0', 'a0', 'b0'])
    expect(moveWidget(list, 'a', 1).map((x) => `${x.id}${x.column}`)).toEqual(['b0', 'c1', 'a1'])
    expect(moveWidget(list, 'b', 0, 'b')).toEqual(list)
  })

  it('nudges with the keyboard within and across columns', () => {
    const list = [w('a', 0), w('b', 0), w('c', 0)]
    expect(nudgeWidget(list, 'a', 'down', 2).map((x) => x.id)).toEqual(['b', 'a', 'c'])
    expect(nudgeWidget(list, 'c', 'up', 2).map((x) => x.id)).toEqual(['a', 'c', 'b'])
    expect(nudgeWidget(list, 'a', 'up', 2).map((x) => x.id)).toEqual(['a', 'b', 'c'])
    expect(nudgeWidget(list, 'b', 'right', 2).find((x) => x.id === 'b')!.column).toBe(1)
    expect(nudgeWidget(list, 'b', 'left', 2).find((x) => x.id === 'b')!.column).toBe(0)
  })
})

describe('multi-row layouts', () => {
  it('reads rows separated by "/" as the HOMER 5 seed writes them, cells counted row by row', () => {
    expect(layoutRows('12/4-4-4')).toEqual([[12], [4, 4, 4]])
    expect(layoutSpans('12/6-6/12')).toEqual([12, 6, 6, 12])
    expect(cellPositions('12/6-6/12').map((p) => `${p.row}.${p.column}`)).toEqual(['0.0', '1.0', '1.1', '2.0'])
    for (const bad of ['12/', '12/5-7', '/12', '12/12/12/12/12/12/12']) expect(layoutRows(bad)).toEqual([[12]])
  })

  it('keeps widgets in their row and column when one row changes, and moves a removed row’s widgets up', () => {
    const widgets = [w('top', 0), w('left', 1), w('right', 2), w('bottom', 3)]
    // The middle row becomes 4-4-4: the bottom widget follows its row to cell 4.
    expect(remapWidgets(widgets, '12/6-6/12', '12/4-4-4/12').map((x) => x.column)).toEqual([0, 1, 2, 4])
    // The middle row becomes one column: both its widgets go there.
    expect(remapWidgets(widgets, '12/6-6/12', '12/12/12').map((x) => x.column)).toEqual([0, 1, 1, 2])
    // The last row is removed: its widget goes to the row above, in the same column (its first).
    expect(remapWidgets(widgets, '12/6-6/12', '12/6-6').map((x) => x.column)).toEqual([0, 1, 2, 1])
  })
})
