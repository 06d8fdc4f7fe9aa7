import { MAX_ROWS, ROW_LAYOUTS } from './api'

export const WIDGET_TYPES = [
  { type: 'quick-search', label: 'Quick search' },
  { type: 'results', label: 'Search results' },
  { type: 'stats', label: 'Stats chart' },
  { type: 'live-calls', label: 'Live calls' },
  { type: 'alarms', label: 'Alarms' },
  { type: 'clock', label: 'Clock' },
  { type: 'markdown', label: 'Markdown note' },
] as const
export type WidgetType = (typeof WIDGET_TYPES)[number]['type']

export interface Widget {
  id: string
  type: WidgetType
  /** Index of the layout cell it sits in, counted row by row ("12/6-6": 0 is the top row, 1 and 2 the columns below). */
  column: number
  title: string
  config: Record<string, unknown>
}

/**
 * "12/4-4-4" → [[12], [4, 4, 4]]: each row's column spans on a 12-column grid; anything unknown falls back to one
 * full-width column.
 */
export function layoutRows(layout: string): number[][] {
  const rows = layout.split('/')
  if (rows.length > MAX_ROWS || !rows.every((r) => (ROW_LAYOUTS as readonly string[]).includes(r))) return [[12]]
  return rows.map((r) => r.split('-').map(Number))
}

/** The cells' spans in order, row by row: "4-8" → [4, 8], "12/6-6" → [12, 6, 6]. */
export function layoutSpans(layout: string): number[] {
  return layoutRows(layout).flat()
}

/** The layout text of rows given as their structures ("12", "6-6", …). */
export function joinRows(rows: readonly string[]): string {
  return rows.join('/')
}

/** Where each cell is: its row and its column within the row. */
export function cellPositions(layout: string): { row: number; column: number; span: number }[] {
  return layoutRows(layout).flatMap((spans, row) => spans.map((span, column) => ({ row, column, span })))
}

/**
 * Keeps widgets where they were when the layout changes: same row and column when the new layout has them, else the
 * nearest (the last row, the row's last column), so changing one row does not shuffle the widgets of the others.
 */
export function remapWidgets(widgets: readonly Widget[], from: string, to: string): Widget[] {
  const before = cellPositions(from)
  const rows = layoutRows(to)
  const start = rows.map((_, r) => rows.slice(0, r).reduce((n, x) => n + x.length, 0))
  return widgets.map((w) => {
    const at = before[Math.min(w.column, before.length - 1)] ?? { row: 0, column: 0 }
    const row = Math.min(at.row, rows.length - 1)
    return { ...w, column: start[row]! + Math.min(at.column, rows[row]!.length - 1) }
  })
}

export function defaultConfig(type: WidgetType): Record<string, unknown> {
  switch (type) {
    case 'quick-search':
      return { fields: ['callId', 'fromUser', 'toUser'] }
    case 'results':
      return { query: 'range=1h', limit: 50 }
    case 'stats':
      return { metric: 'calls', range: '1h' }
    case 'live-calls':
      return { user: '', max: 10 }
    case 'alarms':
      return { state: 'ACTIVE' }
    case 'clock':
      return { zones: 'UTC' }
    case 'markdown':
      return { text: '## Notes\n\nWrite **markdown** here.' }
  }
}

export function newWidget(type: WidgetType, column: number, id: string = randomId()): Widget {
  return { id, type, column, title: WIDGET_TYPES.find((w) => w.type === type)!.label, config: defaultConfig(type) }
}

function randomId(): string {
  return globalThis.crypto?.randomUUID?.().slice(0, 8) ?? Math.random().toString(36).slice(2, 10)
}

/**
 * Reads the API's opaque widgets JSON. Unknown types and broken entries are dropped (a dashboard saved by a newer
 * dashboard must still open), and widgets in a column the layout no longer has move to its last column.
 */
export function parseWidgets(json: string, columns: number): Widget[] {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    return []
  }
  if (!Array.isArray(raw)) return []
  const known = new Set<string>(WIDGET_TYPES.map((w) => w.type))
  return raw
    .filter((w): w is Widget => !!w && typeof w === 'object' && typeof w.id === 'string' && known.has(w.type))
    .map((w) => ({
      id: w.id,
      type: w.type,
      column: Number.isInteger(w.column) ? Math.min(Math.max(w.column, 0), columns - 1) : 0,
      title: typeof w.title === 'string' ? w.title : WIDGET_TYPES.find((t) => t.type === w.type)!.label,
      config: w.config && typeof w.config === 'object' ? w.config : defaultConfig(w.type),
    }))
}

export function serializeWidgets(widgets: readonly Widget[]): string {
  return JSON.stringify(widgets)
}

/** Moves a widget to `column`, before the widget `beforeId` (or to the column's end). Order is array order. */
export function moveWidget(widgets: readonly Widget[], id: string, column: number, beforeId: string | null = null): Widget[] {
  const moving = widgets.find((w) => w.id === id)
  if (!moving || id === beforeId) return [...widgets]
  const rest = widgets.filter((w) => w.id !== id)
  const moved = { ...moving, column }
  let at = beforeId ? rest.findIndex((w) => w.id === beforeId) : -1
  if (at < 0) {
    // After the last widget of that column, or at the end.
    const lastInColumn = rest.map((w, i) => (w.column === column ? i : -1)).filter((i) => i >= 0).pop()
    at = lastInColumn === undefined ? rest.length : lastInColumn + 1
  }
  return [...rest.slice(0, at), moved, ...rest.slice(at)]
}

/** Keyboard moves: up/down within the column, left/right to the neighbouring column's end. */
export function nudgeWidget(widgets: readonly Widget[], id: string, dir: 'up' | 'down' | 'left' | 'right', columns: number): Widget[] {
  const w = widgets.find((x) => x.id === id)
  if (!w) return [...widgets]
  if (dir === 'left' || dir === 'right') {
    const column = Math.min(Math.max(w.column + (dir === 'left' ? -1 : 1), 0), columns - 1)
    return column === w.column ? [...widgets] : moveWidget(widgets, id, column)
  }
  const same = widgets.filter((x) => x.column === w.column)
  const at = same.findIndex((x) => x.id === id)
  if (dir === 'up') return at > 0 ? moveWidget(widgets, id, w.column, same[at - 1]!.id) : [...widgets]
  if (at >= same.length - 1) return [...widgets]
  const after = same[at + 2]
  return moveWidget(widgets, id, w.column, after ? after.id : null)
}
