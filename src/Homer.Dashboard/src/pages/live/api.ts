import { gql } from '@/api/graphql'

export type CallEventType = 'DIALOG_STARTED' | 'STATE_CHANGED' | 'QOS_ATTACHED' | 'LEG_LINKED' | 'DIALOG_ENDED' | 'ALARM' | 'OTHER' | 'DROPPED' | 'SKIPPED'

export interface CallEvent {
  type: CallEventType
  callId: string | null
  timestamp: string | null
  kind: string | null
  state: string | null
  finalStatus: number | null
  finalReason: string | null
  fromUser: string | null
  toUser: string | null
  ruriUser: string | null
  durationMs: number | null
  endedByTimeout: boolean | null
  legCallId: string | null
  mosLq: number | null
  dropped: number | null
  /** Events the subscription's rate limit skipped since the previous item (SKIPPED notices carry only this). */
  skipped: number | null
}

export interface CallEventFilter {
  callId?: string
  user?: string
  kind?: string
  state?: string
  types?: CallEventType[]
}

export const CALL_EVENTS_SUBSCRIPTION = gql<{ callEvents: CallEvent }, { filter: CallEventFilter; maxPerSecond?: number }>(
  `subscription LiveCalls($filter: CallEventFilter, $maxPerSecond: Int) {
  callEvents(filter: $filter, maxPerSecond: $maxPerSecond) { type callId timestamp kind state finalStatus finalReason fromUser toUser ruriUser durationMs endedByTimeout legCallId mosLq dropped skipped }
}`,
  'LiveCalls',
)

export interface LiveMessage {
  /** MESSAGE, or a DROPPED / SKIPPED notice. */
  type: string
  dropped: number | null
  /** Messages the subscription's rate limit skipped since the previous item. */
  skipped: number | null
  timestamp: string | null
  callId: string | null
  method: string | null
  statusCode: number | null
  reason: string | null
  fromUser: string | null
  toUser: string | null
  srcIp: string | null
  srcPort: number | null
  dstIp: string | null
  dstPort: number | null
  payload: string | null
}

export interface LiveMessageFilter {
  callId?: string
  user?: string
  method?: string
  ip?: string
  protocolType?: number
}

export const LIVE_MESSAGES_SUBSCRIPTION = gql<{ messages: LiveMessage }, { filter: LiveMessageFilter; maxPerSecond?: number }>(
  `subscription LiveTail($filter: LiveMessageFilter, $maxPerSecond: Int) {
  messages(filter: $filter, maxPerSecond: $maxPerSecond) { type dropped skipped timestamp callId method statusCode reason fromUser toUser srcIp srcPort dstIp dstPort payload }
}`,
  'LiveTail',
)
