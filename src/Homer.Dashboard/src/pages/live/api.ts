import { gql } from '@/api/graphql'
import type * as Schema from '@/api/schema.generated'

export type CallEventType = Schema.CallEventType

// Each type picks from the schema the fields its subscription selects (written once).
const CALL_EVENT_FIELDS = ['type', 'callId', 'timestamp', 'kind', 'state', 'finalStatus', 'finalReason', 'fromUser', 'toUser', 'ruriUser', 'durationMs', 'endedByTimeout', 'legCallId', 'mosLq', 'dropped', 'skipped'] as const satisfies readonly (keyof Schema.CallEvent)[]
export type CallEvent = Pick<Schema.CallEvent, (typeof CALL_EVENT_FIELDS)[number]>

export type CallEventFilter = Schema.CallEventFilter

export const CALL_EVENTS_SUBSCRIPTION = gql<{ callEvents: CallEvent }, { filter: CallEventFilter; maxPerSecond?: number }>(
  `subscription LiveCalls($filter: CallEventFilter, $maxPerSecond: Int) {
  callEvents(filter: $filter, maxPerSecond: $maxPerSecond) { ${CALL_EVENT_FIELDS.join(' ')} }
}`,
  'LiveCalls',
)

const LIVE_MESSAGE_FIELDS = ['type', 'dropped', 'skipped', 'timestamp', 'callId', 'method', 'statusCode', 'reason', 'fromUser', 'toUser', 'srcIp', 'srcPort', 'dstIp', 'dstPort', 'payload'] as const satisfies readonly (keyof Schema.LiveMessage)[]
export type LiveMessage = Pick<Schema.LiveMessage, (typeof LIVE_MESSAGE_FIELDS)[number]>

export type LiveMessageFilter = Schema.LiveMessageFilter

export const LIVE_MESSAGES_SUBSCRIPTION = gql<{ messages: LiveMessage }, { filter: LiveMessageFilter; maxPerSecond?: number }>(
  `subscription LiveTail($filter: LiveMessageFilter, $maxPerSecond: Int) {
  messages(filter: $filter, maxPerSecond: $maxPerSecond) { ${LIVE_MESSAGE_FIELDS.join(' ')} }
}`,
  'LiveTail',
)
