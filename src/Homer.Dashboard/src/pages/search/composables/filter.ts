import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { toIsoMicros } from '@/utils/time'
import type { MessageFilter } from '../api'

/** What the search form holds; loose on purpose (text boxes, date pickers) until turned into a filter. */
export interface SearchForm {
  callId?: string | null
  from?: Date | string | null
  to?: Date | string | null
}

export class FilterError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FilterError'
  }
}

/**
 * Turns the form into the API's filter: trims text, drops empty fields (an empty string would match nothing
 * rather than everything) and normalises times to the microsecond ISO form the API prints.
 */
export function buildMessageFilter(form: SearchForm): MessageFilter {
  const filter: MessageFilter = {}
  const callId = form.callId?.trim()
  if (callId) filter.callId = callId
  const from = toApiTime(form.from, 'from')
  const to = toApiTime(form.to, 'to')
  if (from) filter.from = from
  if (to) filter.to = to
  if (from && to && from > to) throw new FilterError('The start of the time range is after its end')
  return filter
}

function toApiTime(value: Date | string | null | undefined, name: string): string | undefined {
  if (value === null || value === undefined || value === '') return undefined
  const date = typeof value === 'string' ? new Date(value) : value
  if (Number.isNaN(date.getTime())) throw new FilterError(`"${String(value)}" is not a valid ${name} time`)
  return toIsoMicros(date)
}

export function hasCriteria(filter: MessageFilter): boolean {
  return Boolean(filter.callId || filter.from || filter.to)
}

/** Reads the search from the URL so a reload or a shared link repeats it. */
export function formFromQuery(query: LocationQuery): SearchForm {
  const first = (v: LocationQuery[string] | undefined) => (Array.isArray(v) ? v[0] : v) ?? undefined
  return { callId: first(query.callId) ?? '', from: first(query.from), to: first(query.to) }
}

export function queryFromFilter(filter: MessageFilter): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  if (filter.callId) query.callId = filter.callId
  if (filter.from) query.from = filter.from
  if (filter.to) query.to = filter.to
  return query
}
