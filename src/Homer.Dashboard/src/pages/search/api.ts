import { gql, request, type RequestOptions } from '@/api/graphql'

/** Mirrors the server's `MessageFilter` input: every field optional, combined with AND. */
export interface MessageFilter {
  callId?: string
  callIds?: string[]
  /** ISO-8601 with microseconds, inclusive. */
  from?: string
  /** ISO-8601 with microseconds, inclusive. */
  to?: string
  methods?: string[]
  statusCodes?: number[]
  fromUser?: string
  toUser?: string
  ruriUser?: string
  userAgent?: string
  srcIp?: string
  dstIp?: string
  anyIp?: string
  srcPort?: number
  dstPort?: number
  captureId?: number
  node?: string
  protocolTypes?: number[]
  payloadContains?: string
}

export interface SipMessage {
  id: string
  timestamp: string
  /** Null for responses. */
  method: string | null
  /** Null for requests. */
  statusCode: number | null
  reason?: string | null
  callId: string | null
  fromUser: string | null
  toUser: string | null
  ruriUser?: string | null
  userAgent?: string | null
  srcIp: string
  srcPort: number
  dstIp: string
  dstPort: number
  captureId: number
  node?: string | null
  transport?: string | null
  protocolType?: number
  cseq?: number | null
  cseqMethod?: string | null
  headers?: string | null
  payload: string
}

export interface MessagesData {
  messages: { totalCount: number; nodes: SipMessage[] }
}

export interface MessagesVariables {
  filter: MessageFilter
  first?: number
}

export const MESSAGE_FIELDS =
  'id timestamp method statusCode reason callId fromUser toUser ruriUser userAgent srcIp srcPort dstIp dstPort captureId node transport protocolType cseq cseqMethod headers payload'

export const MESSAGES_QUERY = gql<MessagesData, MessagesVariables>(
  `query Messages($filter: MessageFilter!, $first: Int) {
  messages(filter: $filter, first: $first) {
    totalCount
    nodes { ${MESSAGE_FIELDS} }
  }
}`,
  'Messages',
)

/** The server's cap on one page; a call with more messages than this is shown truncated, with the total. */
export const MAX_PAGE_SIZE = 10_000
export const DEFAULT_PAGE_SIZE = 1_000

export async function fetchMessages(
  filter: MessageFilter,
  first: number = DEFAULT_PAGE_SIZE,
  options?: RequestOptions,
): Promise<MessagesData['messages']> {
  const data = await request(MESSAGES_QUERY, { filter, first }, options)
  return data.messages
}

// ---- call search over dialogs (contract field `dialogs`) --------------------------------------------------

export interface DialogFilter {
  from?: string
  to?: string
  callId?: string
  kind?: string
  states?: string[]
  fromUser?: string
  toUser?: string
  ruriUser?: string
  anyUser?: string
  ip?: string
  finalStatus?: number[]
  minDurationMs?: number
  maxDurationMs?: number
  minMos?: number
  maxMos?: number
  node?: string
}

export interface DialogSummary {
  callId: string
  kind: string
  state: string
  fromUser: string | null
  toUser: string | null
  ruriUser: string | null
  callerIp: string | null
  calleeIp: string | null
  startedAt: string
  answeredAt: string | null
  endedAt: string | null
  pddMs: number | null
  setupMs: number | null
  durationMs: number | null
  finalStatus: number | null
  finalReason: string | null
  mosMin: number | null
  mosAvg: number | null
  messageCount: number
  correlationGroup: string | null
  node: string | null
}

export interface DialogsData {
  dialogs: { totalCount: number; nodes: DialogSummary[] }
}

export const DIALOGS_QUERY = gql<DialogsData, { filter: DialogFilter; first?: number }>(
  `query Dialogs($filter: DialogFilter!, $first: Int) {
  dialogs(filter: $filter, first: $first) {
    totalCount
    nodes { callId kind state fromUser toUser ruriUser callerIp calleeIp startedAt answeredAt endedAt pddMs setupMs durationMs finalStatus finalReason mosMin mosAvg messageCount correlationGroup node }
  }
}`,
  'Dialogs',
)

export async function fetchDialogs(filter: DialogFilter, first: number, options?: RequestOptions) {
  return (await request(DIALOGS_QUERY, { filter, first }, options)).dialogs
}

// ---- capture nodes (contract field `nodes`), for the node picker ------------------------------------------

export interface CaptureNode {
  node: string | null
  captureId: number
  lastSeen: string
  messages24h: number
}

export const NODES_QUERY = gql<{ nodes: CaptureNode[] }>(
  `query Nodes { nodes { node captureId lastSeen messages24h } }`,
  'Nodes',
)
