import { epochMicros, formatDelta, formatTimestamp } from '@/utils/time'
import type { SipMessage } from '../api'

export type MessageKind = 'request' | 'provisional' | 'success' | 'redirect' | 'client-error' | 'server-error' | 'global-error'

/** One table row, computed once per result so rendering stays cheap on large calls. */
export interface MessageRow {
  message: SipMessage
  micros: number | null
  time: string
  /** Offset from the first message of the result. */
  delta: string
  label: string
  kind: MessageKind
  source: string
  destination: string
}

export function messageLabel(m: Pick<SipMessage, 'method' | 'statusCode'>): string {
  if (m.method) return m.method
  if (m.statusCode !== null && m.statusCode !== undefined) return String(m.statusCode)
  return '?'
}

export function messageKind(m: Pick<SipMessage, 'method' | 'statusCode'>): MessageKind {
  if (m.method || m.statusCode === null || m.statusCode === undefined) return 'request'
  const klass = Math.floor(m.statusCode / 100)
  switch (klass) {
    case 1:
      return 'provisional'
    case 2:
      return 'success'
    case 3:
      return 'redirect'
    case 4:
      return 'client-error'
    case 5:
      return 'server-error'
    default:
      return 'global-error'
  }
}

/** IPv6 addresses need brackets before a port, as in SIP URIs. */
export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/**
 * Orders by capture time (stable on id for equal stamps) whatever order the server used, because a call is
 * read top to bottom as a sequence.
 */
export function toRows(messages: readonly SipMessage[], timeZone?: string): MessageRow[] {
  const withTime = messages.map((message, index) => ({ message, index, micros: epochMicros(message.timestamp) }))
  withTime.sort((a, b) => {
    if (a.micros !== null && b.micros !== null && a.micros !== b.micros) return a.micros - b.micros
    return a.index - b.index
  })
  const start = withTime.find((r) => r.micros !== null)?.micros ?? null
  return withTime.map(({ message, micros }) => ({
    message,
    micros,
    time: formatTimestamp(message.timestamp, timeZone),
    delta: micros !== null && start !== null ? formatDelta(micros - start) : '',
    label: messageLabel(message),
    kind: messageKind(message),
    source: endpoint(message.srcIp, message.srcPort),
    destination: endpoint(message.dstIp, message.dstPort),
  }))
}
