import { gql, request, type RequestOptions } from '@/api/graphql'
import type * as Schema from '@/api/schema.generated'

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
  /** Table family; for SIP the transaction type by CSeq method. */
  profiles?: MessageProfile[]
  /** "102 INVITE", "102" or "INVITE", as in the header; replies carry their request's CSeq. */
  cseq?: string
  /** Response reason phrase contains this, case-insensitive; * and ? are wildcards. */
  reason?: string
  /** Diversion URI: a user ("900"), or user@host; * and ? are wildcards. */
  diversion?: string
  /** Any SIP header by name (any case, compact forms folded); the whole value, * and ? wildcards; needs from and to. */
  headers?: { name: string; value: string }[]
  /** Declared header fields (headerFields) by name; exact, or * and ? wildcards. */
  fields?: { name: string; value: string }[]
}

export type MessageProfile = 'CALL' | 'REGISTRATION' | 'DEFAULT' | 'QOS' | 'RTCP' | 'LOG' | 'GENERIC'

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
  /** Declared header fields found at ingest, as a JSON object. */
  fields?: string | null
  /** The values of the header chosen as a results column. */
  column?: string[] | null
}

export interface MessagesData {
  messages: { totalCount: number; nodes: SipMessage[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
}

export interface MessagesVariables {
  filter: MessageFilter
  first?: number
  after?: string | null
}

/** What a results row shows and filters on; the payload is fetched when a message is opened. */
export const LIST_FIELDS =
  'id timestamp method statusCode reason callId fromUser toUser ruriUser userAgent srcIp srcPort dstIp dstPort captureId node transport cseq cseqMethod'
/** Everything, for a call's own messages (ladder, message view, diff). */
export const MESSAGE_FIELDS = `${LIST_FIELDS} protocolType headers payload`

export function messagesQuery(fields: string) {
  return gql<MessagesData, MessagesVariables>(
    `query Messages($filter: MessageFilter!, $first: Int, $after: String) {
  messages(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${fields} }
  }
}`,
    'Messages',
  )
}

export const MESSAGES_QUERY = messagesQuery(LIST_FIELDS)

/** The list fields plus a chosen header's values as `column`. */
export function listFieldsWith(column: string | null | undefined): string {
  const name = column?.trim()
  return name ? `${LIST_FIELDS} column: header(name: ${JSON.stringify(name)})` : LIST_FIELDS
}

export interface HeaderField {
  name: string
  header: string
  part: string | null
}

export const HEADER_FIELDS_QUERY = gql<{ headerFields: HeaderField[] }>(
  `query HeaderFields { headerFields { name header part } }`,
  'HeaderFields',
)

/** The server's cap on what one search shows; more is reachable by narrowing the search. */
export const MAX_PAGE_SIZE = 10_000
export const DEFAULT_PAGE_SIZE = 1_000

/**
 * The API prices a query at about (fields per node × page size) and refuses more than 20 000 (its default
 * HOMER_GRAPHQL_MAX_COMPLEXITY), so large results come as several keyset pages sized to stay under it.
 */
export function pageSizeFor(fields: string, budget = 19_000): number {
  const count = fields.trim().split(/\s+/).length
  return Math.max(50, Math.floor(budget / count / 50) * 50)
}

export async function fetchMessages(
  filter: MessageFilter,
  limit: number = DEFAULT_PAGE_SIZE,
  options: RequestOptions & { fields?: string; onPage?: (nodes: SipMessage[], totalCount: number) => void } = {},
): Promise<{ totalCount: number; nodes: SipMessage[] }> {
  const fields = options.fields ?? LIST_FIELDS
  const document = messagesQuery(fields)
  const page = pageSizeFor(fields)
  const nodes: SipMessage[] = []
  let after: string | null = null
  let totalCount = 0
  do {
    const first = Math.min(page, limit - nodes.length)
    const data: MessagesData = await request(document, { filter, first, ...(after ? { after } : {}) }, options)
    nodes.push(...data.messages.nodes)
    totalCount = data.messages.totalCount
    after = data.messages.pageInfo.hasNextPage ? data.messages.pageInfo.endCursor : null
    options.onPage?.(nodes.slice(), totalCount)
  } while (after && nodes.length < limit)
  return { totalCount, nodes }
}

const PAYLOAD_QUERY = gql<{ messages: { nodes: Pick<SipMessage, 'id' | 'payload' | 'headers' | 'protocolType'>[] } }, { filter: MessageFilter }>(
  `query MessagePayload($filter: MessageFilter!) { messages(filter: $filter, first: 50) { nodes { id payload headers protocolType } } }`,
  'MessagePayload',
)

/** The raw payload of one listed message: looked up by its Call-ID and exact capture time, then by id. */
export async function fetchPayload(m: SipMessage, options?: RequestOptions): Promise<SipMessage> {
  const filter: MessageFilter = { from: m.timestamp, to: m.timestamp, ...(m.callId ? { callId: m.callId } : { srcIp: m.srcIp, dstIp: m.dstIp }) }
  const data = await request(PAYLOAD_QUERY, { filter }, options)
  const found = data.messages.nodes.find((n) => n.id === m.id)
  if (!found) throw new Error('The message is no longer stored (retention) or could not be found.')
  return { ...m, ...found }
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

// The fields the call search asks for, written once: the query selects them, the type picks them from the schema.
const DIALOG_FIELD_NAMES = [
  'callId', 'kind', 'state', 'fromUser', 'toUser', 'ruriUser', 'callerIp', 'calleeIp', 'startedAt', 'answeredAt', 'endedAt',
  'pddMs', 'setupMs', 'durationMs', 'finalStatus', 'finalReason', 'mosMin', 'mosAvg', 'messageCount', 'correlationGroup', 'node',
] as const satisfies readonly (keyof Schema.DialogSummary)[]

export type DialogSummary = Pick<Schema.DialogSummary, (typeof DIALOG_FIELD_NAMES)[number]>

export interface DialogsData {
  dialogs: { totalCount: number; nodes: DialogSummary[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
}

const DIALOG_FIELDS = DIALOG_FIELD_NAMES.join(' ')

export const DIALOGS_QUERY = gql<DialogsData, { filter: DialogFilter; first?: number; after?: string | null }>(
  `query Dialogs($filter: DialogFilter!, $first: Int, $after: String) {
  dialogs(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${DIALOG_FIELDS} }
  }
}`,
  'Dialogs',
)

/** Newest calls first, in pages sized under the API's complexity limit (see pageSizeFor). */
export async function fetchDialogs(filter: DialogFilter, limit: number, options?: RequestOptions) {
  const page = pageSizeFor(DIALOG_FIELDS)
  const nodes: DialogSummary[] = []
  let after: string | null = null
  let totalCount = 0
  do {
    const data: DialogsData = await request(DIALOGS_QUERY, { filter, first: Math.min(page, limit - nodes.length), ...(after ? { after } : {}) }, options)
    nodes.push(...data.dialogs.nodes)
    totalCount = data.dialogs.totalCount
    after = data.dialogs.pageInfo.hasNextPage ? data.dialogs.pageInfo.endCursor : null
  } while (after && nodes.length < limit)
  return { totalCount, nodes }
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
