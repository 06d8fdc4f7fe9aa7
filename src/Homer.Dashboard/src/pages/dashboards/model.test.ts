import { describe, expect, it } from 'vitest'
import { layoutSpans, moveWidget, newWidget, nudgeWidget, parseWidgets, serializeWidgets, type Widget } from './model'

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
