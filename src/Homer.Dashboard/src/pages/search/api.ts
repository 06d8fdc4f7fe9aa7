import { gql, request, type RequestOptions } from '@/api/graphql'
import type * as Schema from '@/api/schema.generated'

/** The server's `MessageFilter` input: every field optional, combined with AND. */
export type MessageFilter = Schema.MessageFilter

export type MessageProfile = Schema.MessageProfile

// The fields a results row shows and filters on, written once: LIST_FIELDS joins them, SipMessage picks them.
const LIST_FIELD_NAMES = [
  'id', 'timestamp', 'method', 'statusCode', 'reason', 'callId', 'fromUser', 'toUser', 'ruriUser', 'userAgent', 'srcIp', 'srcPort', 'dstIp',
  'dstPort', 'captureId', 'node', 'transport', 'cseq', 'cseqMethod',
] as const satisfies readonly (keyof Schema.Message)[]

/** What every message has, wherever it came from (a search, a call's messages, a share link's JSON). */
type MessageCore = 'id' | 'timestamp' | 'method' | 'statusCode' | 'callId' | 'fromUser' | 'toUser' | 'srcIp' | 'srcPort' | 'dstIp' | 'dstPort' | 'captureId'

/**
 * A message as a search lists it. The other list fields may be absent (a share link's JSON has fewer), as may what
 * only a call's own messages ask for (MESSAGE_FIELDS: headers, protocol type), the declared fields and a header
 * chosen as a results column (`column`).
 */
export type SipMessage = Pick<Schema.Message, MessageCore> &
  Partial<Pick<Schema.Message, Exclude<(typeof LIST_FIELD_NAMES)[number], MessageCore> | 'protocolType' | 'headers' | 'fields'>> & {
    /** Typed as the views use it (the schema's is nullable: a viewer's, without payload rights). */
    payload: string
    column?: Schema.Message['header']
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
export const LIST_FIELDS = LIST_FIELD_NAMES.join(' ')
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

export type HeaderField = Pick<Schema.HeaderField, 'name' | 'header' | 'part'>

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

export type DialogFilter = Schema.DialogFilter

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

export type CaptureNode = Pick<Schema.CaptureNode, 'node' | 'captureId' | 'lastSeen' | 'messages24h'>

export const NODES_QUERY = gql<{ nodes: CaptureNode[] }>(
  `query Nodes { nodes { node captureId lastSeen messages24h } }`,
  'Nodes',
)
