import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { parseTimeInput, toIsoMicros } from '@/utils/time'
import type { DialogFilter, MessageFilter, MessageProfile } from '../api'

/** Quick ranges, relative to the moment the search runs; "abs" uses from/to; "" searches all stored time. */
export const QUICK_RANGES = [
  { value: '', label: 'Any time' },
  { value: '5m', label: 'Last 5 minutes', ms: 5 * 60_000 },
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 24 * 3_600_000 },
  { value: '90d', label: 'Last 90 days', ms: 90 * 24 * 3_600_000 },
  { value: 'abs', label: 'Absolute…' },
] as const

export type TransactionKind = '' | 'call' | 'registration' | 'other'

/** What the search form holds: text as typed (the URL keeps it verbatim), turned into filters on search. */
export interface SearchForm {
  range?: string | null
  from?: Date | string | null
  to?: Date | string | null
  callId?: string | null
  ruriUser?: string | null
  fromUser?: string | null
  toUser?: string | null
  userAgent?: string | null
  /** Methods and/or status codes, comma or space separated: "INVITE BYE 486". */
  method?: string | null
  cseq?: string | null
  reason?: string | null
  diversion?: string | null
  srcIp?: string | null
  srcPort?: string | number | null
  dstIp?: string | null
  dstPort?: string | number | null
  kind?: TransactionKind | string | null
  node?: string | null
  captureId?: string | number | null
  payload?: string | null
  limit?: string | number | null
  /** Conditions on any SIP header, one per line: "P-Asserted-Identity: *+4930*" (name, colon, whole value). */
  headers?: string | null
  /** Conditions on declared header fields (the server's headerFields), one per line: "pai_user: +4930*". */
  fields?: string | null
  /** A header shown as a column of the results. */
  column?: string | null
}

export const FORM_KEYS = [
  'range', 'from', 'to', 'callId', 'ruriUser', 'fromUser', 'toUser', 'userAgent', 'method', 'cseq', 'reason',
  'diversion', 'srcIp', 'srcPort', 'dstIp', 'dstPort', 'kind', 'node', 'captureId', 'payload', 'limit', 'headers', 'fields',
  'column',
] as const satisfies readonly (keyof SearchForm)[]

export interface BuiltSearch {
  filter: MessageFilter
  first: number
}

export class FilterError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FilterError'
  }
}

export const DEFAULT_LIMIT = 1000
export const MAX_LIMIT = 10_000

/**
 * The transaction type is the server's table family (profile), filed by CSeq method so replies follow their
 * request: calls (INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, REFER, INFO, NOTIFY), registrations, everything else.
 */
export const PROFILE_OF_KIND: Record<Exclude<TransactionKind, ''>, MessageProfile> = {
  call: 'CALL',
  registration: 'REGISTRATION',
  other: 'DEFAULT',
}

const text = (v: unknown): string | undefined => {
  const s = v === null || v === undefined ? '' : String(v).trim()
  return s ? s : undefined
}

function port(v: unknown, name: string): number | undefined {
  const s = text(v)
  if (s === undefined) return undefined
  const n = Number(s)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new FilterError(`${name} must be a port number (0–65535), was "${s}"`)
  return n
}

/** Resolves the time range against `now`, in UTC microsecond ISO form. */
export function resolveRange(form: SearchForm, now: Date = new Date()): { from?: string; to?: string } {
  const range = text(form.range) ?? (text(form.from) || text(form.to) ? 'abs' : '')
  if (range === '') return {}
  if (range === 'abs') {
    const from = toApiTime(form.from, 'from')
    const to = toApiTime(form.to, 'to')
    if (from && to && from > to) throw new FilterError('The start of the time range is after its end')
    return { ...(from ? { from } : {}), ...(to ? { to } : {}) }
  }
  const quick = QUICK_RANGES.find((r) => r.value === range && 'ms' in r)
  if (!quick || !('ms' in quick)) throw new FilterError(`"${range}" is not a known time range`)
  return { from: toIsoMicros(now.getTime() - quick.ms), to: toIsoMicros(now) }
}

/**
 * Turns the form into the API's filter: trims text, drops empty fields (an empty string would match nothing
 * rather than everything) and normalises times to the microsecond ISO form the API prints.
 */
export function buildMessageFilter(form: SearchForm, now: Date = new Date()): MessageFilter {
  return buildSearch(form, now).filter
}

export function buildSearch(form: SearchForm, now: Date = new Date()): BuiltSearch {
  const filter: MessageFilter = { ...resolveRange(form, now) }
  const set = <K extends keyof MessageFilter>(key: K, value: MessageFilter[K] | undefined) => {
    if (value !== undefined) filter[key] = value
  }
  set('callId', text(form.callId))
  set('ruriUser', text(form.ruriUser))
  set('fromUser', text(form.fromUser))
  set('toUser', text(form.toUser))
  set('userAgent', text(form.userAgent))
  set('srcIp', text(form.srcIp))
  set('dstIp', text(form.dstIp))
  set('srcPort', port(form.srcPort, 'Source port'))
  set('dstPort', port(form.dstPort, 'Destination port'))
  set('node', text(form.node))
  set('payloadContains', text(form.payload))
  const capture = text(form.captureId)
  if (capture !== undefined) {
    if (!/^\d+$/.test(capture)) throw new FilterError(`Capture id must be a number, was "${capture}"`)
    filter.captureId = Number(capture)
  }
  const { methods, statusCodes } = parseMethods(form.method)
  if (methods.length) filter.methods = methods
  if (statusCodes.length) filter.statusCodes = statusCodes

  const cseq = text(form.cseq)
  if (cseq !== undefined) {
    // The server parses it too; checking here says what is wrong before a round trip, next to the field.
    if (!/^(\d+(\s+[A-Za-z][\w.!%~+'-]*)?|[A-Za-z][\w.!%~+'-]*)$/.test(cseq))
      throw new FilterError(`CSeq must be a number, a method or both (e.g. "102 INVITE"), was "${cseq}"`)
    filter.cseq = cseq.replace(/\s+/g, ' ')
  }
  set('reason', text(form.reason))
  set('diversion', text(form.diversion))
  const headers = conditions(form.headers, 'Header')
  if (headers.length) {
    // The server reads the payloads of the range: it refuses a header search without one, so say it here first.
    if (!filter.from || !filter.to) throw new FilterError('A header search needs a time range with a start and an end')
    filter.headers = headers
  }
  const fields = conditions(form.fields, 'Field')
  if (fields.length) filter.fields = fields
  const kind = text(form.kind)
  if (kind === 'call' || kind === 'registration' || kind === 'other') filter.profiles = [PROFILE_OF_KIND[kind]]
  else if (kind) throw new FilterError(`"${kind}" is not a transaction type`)

  const limitText = text(form.limit)
  let first = DEFAULT_LIMIT
  if (limitText !== undefined) {
    first = Number(limitText)
    if (!Number.isInteger(first) || first < 1 || first > MAX_LIMIT)
      throw new FilterError(`Limit must be between 1 and ${MAX_LIMIT}, was "${limitText}"`)
  }
  return { filter, first }
}

export interface Condition {
  name: string
  value: string
}

/** The editor's rows of a conditions text ("Name: value" per line), blank ones included. */
export function conditionRows(value: string | null | undefined): Condition[] {
  if (!value) return []
  return value.split('\n').map((line) => {
    const colon = line.indexOf(':')
    return colon < 0 ? { name: line.trim(), value: '' } : { name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() }
  })
}

/** The rows back as the form's text (and the URL's). */
export function conditionText(rows: readonly Condition[]): string {
  return rows.map((r) => `${r.name}: ${r.value}`).join('\n')
}

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/

/** The filled-in rows as API conditions; a row with a value needs a valid name, a row with a name a value. */
export function conditions(value: string | null | undefined, what: 'Header' | 'Field'): Condition[] {
  const out: Condition[] = []
  for (const row of conditionRows(value)) {
    if (!row.name && !row.value) continue
    if (!TOKEN.test(row.name)) throw new FilterError(`${what} name "${row.name}" is not a valid name`)
    if (!row.value) throw new FilterError(`${what} "${row.name}" needs a value (use * for any value)`)
    out.push(row)
  }
  return out
}

/** "INVITE, bye 486 5xx" → methods [INVITE, BYE], status codes [486]; a class such as 5xx expands to 500–599. */
export function parseMethods(value: string | null | undefined): { methods: string[]; statusCodes: number[] } {
  const methods: string[] = []
  const statusCodes: number[] = []
  for (const token of (value ?? '').split(/[\s,;]+/).filter(Boolean)) {
    if (/^\d{3}$/.test(token)) statusCodes.push(Number(token))
    else if (/^[1-6]xx$/i.test(token)) {
      const base = Number(token[0]) * 100
      for (let c = base; c < base + 100; c++) statusCodes.push(c)
    } else if (/^[A-Za-z][A-Za-z-]*$/.test(token)) methods.push(token.toUpperCase())
    else throw new FilterError(`"${token}" is neither a SIP method nor a status code`)
  }
  return { methods: [...new Set(methods)], statusCodes: [...new Set(statusCodes)] }
}

const MESSAGE_ONLY: readonly [keyof SearchForm, string][] = [
  ['userAgent', 'user agent'], ['method', 'method'], ['cseq', 'CSeq'], ['reason', 'reason'], ['diversion', 'Diversion'],
  ['srcPort', 'source port'], ['dstPort', 'destination port'], ['captureId', 'capture id'], ['payload', 'payload'],
  ['headers', 'header conditions'], ['fields', 'declared fields'],
]

/** The filled-in fields a call search cannot use (a dialog row has no such column), as labels for a notice. */
export function ignoredInCallSearch(form: SearchForm): string[] {
  const ignored = MESSAGE_ONLY.filter(([k]) => text(form[k]) !== undefined && !(k === 'method' && /^[\d\sx,;]+$/i.test(String(form[k]))))
    .map(([, label]) => label)
  // One address filters calls (caller or callee); with both, the destination is left out.
  if (text(form.srcIp) && text(form.dstIp)) ignored.push('destination IP')
  return ignored
}

/** The same form as a call (dialog) search; fields that have no dialog counterpart are ignored. */
export function buildDialogFilter(form: SearchForm, now: Date = new Date()): DialogFilter {
  const built = buildSearch(form, now)
  const f = built.filter
  const out: DialogFilter = {}
  if (f.from) out.from = f.from
  if (f.to) out.to = f.to
  if (f.callId) out.callId = f.callId
  if (f.fromUser) out.fromUser = f.fromUser
  if (f.toUser) out.toUser = f.toUser
  if (f.ruriUser) out.ruriUser = f.ruriUser
  if (f.srcIp ?? f.dstIp) out.ip = (f.srcIp ?? f.dstIp)!
  if (f.node) out.node = f.node
  if (f.statusCodes?.length) out.finalStatus = f.statusCodes
  const kind = text(form.kind)
  if (kind) out.kind = kind === 'call' ? 'CALL' : kind === 'registration' ? 'REGISTRATION' : 'OTHER'
  return out
}

function toApiTime(value: Date | string | null | undefined, name: string): string | undefined {
  if (value === null || value === undefined || value === '') return undefined
  // Typed in the picker: 24-hour, in the zone it shows (or with an explicit offset, as in older links).
  const ms = typeof value === 'string' ? parseTimeInput(value) : value.getTime()
  if (ms === null || Number.isNaN(ms)) throw new FilterError(`"${String(value)}" is not a valid ${name} time (YYYY-MM-DD HH:MM:SS, 24-hour)`)
  return toIsoMicros(ms)
}

export function hasCriteria(filter: MessageFilter): boolean {
  return Object.keys(filter).length > 0
}

/** Reads the search from the URL so a reload or a shared link repeats it. */
export function formFromQuery(query: LocationQuery): SearchForm {
  const first = (v: LocationQuery[string] | undefined) => (Array.isArray(v) ? v[0] : v) ?? undefined
  const form: SearchForm = { callId: '' }
  for (const key of FORM_KEYS) {
    const v = first(query[key])
    if (v !== undefined && v !== null) form[key] = v
  }
  return form
}

/** The form as URL parameters: only what is filled in, as typed, so quick ranges stay relative on reload. */
export function queryFromForm(form: SearchForm): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  for (const key of FORM_KEYS) {
    const v = form[key]
    const s = v instanceof Date ? v.toISOString() : text(v)
    if (s !== undefined) query[key] = s
  }
  if (query.range !== 'abs') {
    delete query.from
    delete query.to
  }
  return query
}

export function queryFromFilter(filter: MessageFilter): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  if (filter.callId) query.callId = filter.callId
  if (filter.from) query.from = filter.from
  if (filter.to) query.to = filter.to
  return query
}
