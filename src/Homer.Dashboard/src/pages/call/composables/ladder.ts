import { endpoint, messageKind, type MessageKind } from '@/pages/search/composables/rows'
import type { SipMessage } from '@/pages/search/api'
import { epochMicros, formatDelta, formatTimestamp } from '@/utils/time'
import type { CallFlow, FlowEvent, FlowMarker } from '../api'

/** Leg colours: distinct in both themes and for the common colour-vision deficiencies (Okabe–Ito order). */
export const LEG_COLORS = ['#2f6fde', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#8a5cf6', '#7a7a00']

export interface LadderOptions {
  columnWidth: number
  rowHeight: number
  headerHeight: number
  /** Room on the left for the time column. */
  gutter: number
  timeZone?: string
  /** The width the view has: columns widen (up to maxColumnWidth) and the drawing fills it, so marker pills have room. */
  availableWidth?: number
  maxColumnWidth: number
}

export const DEFAULT_LADDER: LadderOptions = { columnWidth: 190, rowHeight: 34, headerHeight: 52, gutter: 150, maxColumnWidth: 340 }

/** Width of one character of a marker's 10.5 px monospace text, a little generous so the text never overruns its pill. */
export const MARKER_CHAR_WIDTH = 6.6

export interface LadderColumn {
  id: string
  x: number
  title: string
  subtitle: string
}

export interface LadderArrow {
  type: 'arrow'
  index: number
  event: FlowEvent
  y: number
  x1: number
  x2: number
  /** Same source and destination column: drawn as a loop. */
  self: boolean
  label: string
  color: string
  kind: MessageKind
  time: string
  delta: string
}

export interface LadderMarkerRow {
  type: 'marker'
  marker: FlowMarker
  y: number
  time: string
  color: string
  /** The pill: from the first host's lifeline to at most the drawing's right edge, its text cut to fit (title: full). */
  pillX: number
  pillWidth: number
  /** "LOG · text", cut with "…" when longer than the pill. */
  text: string
  full: string
}

export interface LadderLayout {
  columns: LadderColumn[]
  rows: (LadderArrow | LadderMarkerRow)[]
  arrows: LadderArrow[]
  width: number
  height: number
  legs: { callId: string; color: string }[]
}

/** "INVITE (SDP) (AUTH)": the server's label plus the marks its flags call for, never twice. */
export function arrowLabel(e: Pick<FlowEvent, 'label' | 'hasSdp' | 'hasAuth'>): string {
  let label = e.label
  if (e.hasSdp && !/\(SDP\)/i.test(label)) label += ' (SDP)'
  if (e.hasAuth && !/\(AUTH\)/i.test(label)) label += ' (AUTH)'
  return label
}

function timeOnly(iso: string, timeZone?: string): string {
  return formatTimestamp(iso, timeZone).slice(11)
}

/** Positions every column, arrow and marker of a call flow; pure, so the drawing is tested without a browser. */
export function layoutLadder(flow: CallFlow, options: Partial<LadderOptions> = {}): LadderLayout {
  const o = { ...DEFAULT_LADDER, ...options }
  const hostCount = Math.max(1, new Set([...flow.hosts.map((h) => h.id), ...flow.events.flatMap((e) => [e.fromHost, e.toHost])]).size)
  if (o.availableWidth && o.availableWidth > 0) {
    const fit = Math.floor((o.availableWidth - o.gutter - 20) / hostCount)
    o.columnWidth = Math.max(o.columnWidth, Math.min(o.maxColumnWidth, fit))
  }
  const width = Math.max(o.gutter + hostCount * o.columnWidth + 20, Math.floor(o.availableWidth ?? 0))
  const columnIndex = new Map<string, number>()
  const columns: LadderColumn[] = []
  const addColumn = (id: string, alias: string | null, ip: string, port: number) => {
    if (columnIndex.has(id)) return
    columnIndex.set(id, columns.length)
    columns.push({
      id,
      x: o.gutter + columns.length * o.columnWidth + o.columnWidth / 2,
      title: alias ?? ip,
      subtitle: alias ? endpoint(ip, port) : `port ${port}`,
    })
  }
  for (const h of flow.hosts) addColumn(h.id, h.alias, h.ip, h.port)
  // Hosts an event names but the host list missed still get a column rather than an arrow to nowhere.
  for (const e of flow.events) {
    for (const id of [e.fromHost, e.toHost]) {
      if (!columnIndex.has(id)) {
        const at = id.lastIndexOf(':')
        addColumn(id, null, id.slice(0, at).replace(/^\[|\]$/g, ''), Number(id.slice(at + 1)))
      }
    }
  }

  const legOrder = flow.callIds.length ? [...flow.callIds] : []
  for (const e of flow.events) if (!legOrder.includes(e.callId)) legOrder.push(e.callId)
  const colorOf = (callId: string, legIndex?: number) =>
    LEG_COLORS[(legIndex ?? Math.max(0, legOrder.indexOf(callId))) % LEG_COLORS.length]!

  type Item = { t: number; order: number; event?: FlowEvent; marker?: FlowMarker }
  const items: Item[] = [
    ...flow.events.map((event, order) => ({ t: epochMicros(event.timestamp) ?? 0, order, event })),
    ...flow.markers.map((marker, order) => ({ t: epochMicros(marker.timestamp) ?? 0, order: flow.events.length + order, marker })),
  ]
  // Events keep the server's order (it knows ties better); markers slot in by time after same-time events.
  items.sort((a, b) => (a.event && b.event ? a.order - b.order : a.t - b.t || a.order - b.order))

  const rows: (LadderArrow | LadderMarkerRow)[] = []
  const arrows: LadderArrow[] = []
  let previous: number | null = null
  items.forEach((item, i) => {
    const y = o.headerHeight + i * o.rowHeight + o.rowHeight / 2
    if (item.event) {
      const e = item.event
      const x1 = columns[columnIndex.get(e.fromHost)!]!.x
      const x2 = columns[columnIndex.get(e.toHost)!]!.x
      const deltaMicros = previous === null ? 0 : item.t - previous
      previous = item.t
      const arrow: LadderArrow = {
        type: 'arrow',
        index: arrows.length,
        event: e,
        y,
        x1,
        x2,
        self: x1 === x2,
        label: arrowLabel(e),
        color: colorOf(e.callId, e.legIndex),
        kind: messageKind(e),
        time: timeOnly(e.timestamp, o.timeZone),
        delta: formatDelta(deltaMicros),
      }
      rows.push(arrow)
      arrows.push(arrow)
    } else if (item.marker) {
      const full = `${item.marker.kind} · ${item.marker.text}`
      const pillX = (columns[0]?.x ?? o.gutter) - 6
      const room = width - 10 - pillX
      const fits = Math.floor((room - 20) / MARKER_CHAR_WIDTH)
      const text = full.length <= fits ? full : `${full.slice(0, Math.max(1, fits - 1))}…`
      const pillWidth = Math.min(room, text.length * MARKER_CHAR_WIDTH + 20)
      rows.push({ type: 'marker', marker: item.marker, y, time: timeOnly(item.marker.timestamp, o.timeZone), color: colorOf(item.marker.callId), pillX, pillWidth, text, full })
    }
  })

  return {
    columns,
    rows,
    arrows,
    width,
    height: o.headerHeight + rows.length * o.rowHeight + 16,
    legs: legOrder.map((callId) => ({ callId, color: colorOf(callId) })),
  }
}

// ---- a flow from stored messages, for nodes whose API has no callFlow field ------------------------------

function header(payload: string, name: RegExp): string | null {
  for (const line of payload.split(/\r?\n/)) {
    if (line === '') break
    const m = /^([^:]+):\s*(.*)$/.exec(line)
    if (m && name.test(m[1]!.trim())) return m[2]!.trim()
  }
  return null
}

export function hasSdpBody(payload: string): boolean {
  const type = header(payload, /^(content-type|c)$/i)
  return (type !== null && /application\/sdp/i.test(type)) || /\r?\n\r?\nv=0/.test(payload)
}

export function hasAuthHeader(payload: string): boolean {
  return header(payload, /^(proxy-)?authorization$/i) !== null
}

/**
 * Builds the call flow the API's callFlow field would give from the messages themselves: hosts in order of
 * appearance, labels from the start line, (SDP)/(AUTH) from the payload, and retransmissions as byte-identical
 * repeats of an earlier message.
 */
export function flowFromMessages(messages: readonly SipMessage[], callIds: readonly string[]): CallFlow {
  const sorted = messages
    .map((m, i) => ({ m, i, t: epochMicros(m.timestamp) ?? 0 }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
  const hosts: CallFlow['hosts'] = []
  const seenHost = new Set<string>()
  const order = [...callIds]
  const seenPayload = new Set<string>()
  const events: FlowEvent[] = []
  let previous: number | null = null
  for (const { m, t } of sorted) {
    const from = endpoint(m.srcIp, m.srcPort)
    const to = endpoint(m.dstIp, m.dstPort)
    for (const [id, ip, port] of [[from, m.srcIp, m.srcPort], [to, m.dstIp, m.dstPort]] as const) {
      if (!seenHost.has(id)) {
        seenHost.add(id)
        hosts.push({ id, ip, port, alias: null })
      }
    }
    const callId = m.callId ?? ''
    if (!order.includes(callId)) order.push(callId)
    const key = `${from}>${to}\n${m.payload}`
    const retransmission = seenPayload.has(key)
    seenPayload.add(key)
    const sdp = hasSdpBody(m.payload)
    const base = m.method ?? (m.statusCode !== null ? `${m.statusCode}${m.reason ? ` ${m.reason}` : ''}` : '?')
    const cseq = header(m.payload, /^cseq$/i)
    const branch = /branch=([^;,\s]+)/i.exec(header(m.payload, /^(via|v)$/i) ?? '')?.[1] ?? null
    events.push({
      messageId: m.id,
      callId,
      legIndex: order.indexOf(callId),
      timestamp: m.timestamp,
      deltaMs: previous === null ? 0 : (t - previous) / 1000,
      fromHost: from,
      toHost: to,
      label: sdp ? `${base} (SDP)` : base,
      method: m.method,
      statusCode: m.statusCode,
      cseq,
      transactionId: branch ? `${branch} ${cseq?.split(/\s+/)[1] ?? ''}`.trim() : null,
      retransmission,
      hasSdp: sdp,
      hasAuth: hasAuthHeader(m.payload),
    })
    previous = t
  }
  return { callIds: order, hosts, events, markers: [] }
}
