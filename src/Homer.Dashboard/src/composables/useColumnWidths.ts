import { ref, watch, type Ref } from 'vue'

/** Narrowest a dragged column may get: the sort arrow and a couple of characters still show. */
export const MIN_COLUMN_WIDTH = 36
const PREFIX = 'homer.columnWidths.'

function load(id: string): Record<string, number> {
  try {
    const saved = JSON.parse(localStorage.getItem(PREFIX + id) ?? '{}') as unknown
    if (!saved || typeof saved !== 'object') return {}
    return Object.fromEntries(
      Object.entries(saved as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] >= MIN_COLUMN_WIDTH),
    )
  } catch {
    return {}
  }
}

// One map per table, shared by every instance: a table re-created for a new search keeps the widths its reader set.
const tables = new Map<string, Ref<Record<string, number>>>()

/**
 * Column widths the reader dragged, per table id, kept in the browser: a resized column stays so across searches
 * and reloads. Columns without an entry keep their default track.
 */
export function useColumnWidths(id: string) {
  let widths = tables.get(id)
  if (!widths) {
    const created = ref<Record<string, number>>(typeof localStorage === 'undefined' ? {} : load(id))
    watch(created, (w) => {
      try {
        localStorage.setItem(PREFIX + id, JSON.stringify(w))
      } catch {
        // Storage full or disabled: the widths last for this page only.
      }
    }, { deep: true })
    tables.set(id, created)
    widths = created
  }
  const state = widths
  return {
    widths: state,
    set(key: string, px: number): void {
      state.value = { ...state.value, [key]: Math.max(MIN_COLUMN_WIDTH, Math.round(px)) }
    },
    reset(key: string): void {
      const { [key]: _, ...rest } = state.value
      state.value = rest
    },
  }
}
