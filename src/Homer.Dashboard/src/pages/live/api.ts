import { gql } from '@/api/graphql'

export type CallEventType = 'DIALOG_STARTED' | 'STATE_CHANGED' | 'QOS_ATTACHED' | 'LEG_LINKED' | 'DIALOG_ENDED' | 'ALARM' | 'OTHER' | 'DROPPED'

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
}

export interface CallEventFilter {
  callId?: string
  user?: string
  kind?: string
  state?: string
  types?: CallEventType[]
}

export const CALL_EVENTS_SUBSCRIPTION = gql<{ callEvents: CallEvent }, { filter: CallEventFilter }>(
  `subscription LiveCalls($filter: CallEventFilter) {
  callEvents(filter: $filter) { type callId timestamp kind state finalStatus finalReason fromUser toUser ruriUser durationMs endedByTimeout legCallId mosLq dropped }
}`,
  'LiveCalls',
)

export interface LiveMessage {
  type: string
  dropped: number | null
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

export const LIVE_MESSAGES_SUBSCRIPTION = gql<{ messages: LiveMessage }, { filter: LiveMessageFilter }>(
  `subscription LiveTail($filter: LiveMessageFilter) {
  messages(filter: $filter) { type dropped timestamp callId method statusCode reason fromUser toUser srcIp srcPort dstIp dstPort payload }
}`,
  'LiveTail',
)
