import { gql, request, type RequestOptions } from '@/api/graphql'

/** Mirrors the server's `MessageFilter` input: every field optional, combined with AND. */
export interface MessageFilter {
  callId?: string
  /** ISO-8601 with microseconds, inclusive. */
  from?: string
  /** ISO-8601 with microseconds, inclusive. */
  to?: string
}

export interface SipMessage {
  id: string
  timestamp: string
  /** Null for responses. */
  method: string | null
  /** Null for requests. */
  statusCode: number | null
  callId: string | null
  fromUser: string | null
  toUser: string | null
  srcIp: string
  srcPort: number
  dstIp: string
  dstPort: number
  captureId: number
  payload: string
}

export interface MessagesData {
  messages: { totalCount: number; nodes: SipMessage[] }
}

export interface MessagesVariables {
  filter: MessageFilter
  first?: number
}

export const MESSAGES_QUERY = gql<MessagesData, MessagesVariables>(
  `query Messages($filter: MessageFilter!, $first: Int) {
  messages(filter: $filter, first: $first) {
    totalCount
    nodes { id timestamp method statusCode callId fromUser toUser srcIp srcPort dstIp dstPort captureId payload }
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
