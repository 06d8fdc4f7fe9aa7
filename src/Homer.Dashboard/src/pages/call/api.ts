import { gql } from '@/api/graphql'
import type * as Schema from '@/api/schema.generated'

// The call flow query selects every field of the flow's types: they are the schema's.
export type FlowHost = Schema.FlowHost
export type FlowEvent = Schema.FlowEvent
export type FlowMarker = Schema.FlowMarker
export type CallFlow = Schema.CallFlow

export const CALL_FLOW_QUERY = gql<{ callFlow: CallFlow }, { callIds: string[]; includeLegs?: boolean }>(
  `query CallFlow($callIds: [String!]!, $includeLegs: Boolean) {
  callFlow(callIds: $callIds, includeLegs: $includeLegs) {
    callIds
    hosts { id ip port alias }
    events { messageId callId legIndex timestamp deltaMs fromHost toHost label method statusCode cseq transactionId retransmission hasSdp hasAuth }
    markers { timestamp callId kind text }
  }
}`,
  'CallFlow',
)

/** A QoS point; the packet counts are absent on nodes from before they existed. */
export type QosPoint = Omit<Schema.QosPoint, 'packetsSent' | 'packetsReceived' | 'packetsLost'> &
  Partial<Pick<Schema.QosPoint, 'packetsSent' | 'packetsReceived' | 'packetsLost'>>

export type QosStream = Omit<Schema.QosStream, 'points'> & { points: QosPoint[] }

export const QOS_QUERY = gql<{ qos: QosStream[] }, { callIds: string[] }>(
  `query Qos($callIds: [String!]!) {
  qos(callIds: $callIds) { callId source ssrc direction reporter points { timestamp mos packetLossPct jitterMs delayMs packetsLost packetsSent packetsReceived } }
}`,
  'Qos',
)

/** What DIALOG_QUERY selects, typed from the schema (src/api/schema.generated.ts). */
export type DialogDetail = Pick<
  Schema.Dialog,
  | 'callId' | 'kind' | 'state' | 'messageCount' | 'retransmissions' | 'firstSeen' | 'lastSeen' | 'startedAt' | 'answeredAt'
  | 'endedAt' | 'pddMs' | 'setupMs' | 'durationMs' | 'finalStatus' | 'finalReason' | 'q850Cause' | 'hangupBy' | 'endedByTimeout'
  | 'fromUser' | 'toUser' | 'ruriUser' | 'correlationGroup'
> & {
  transactions: Pick<Schema.Transaction, 'method' | 'cseq' | 'branch' | 'finalStatus' | 'state' | 'requests' | 'responses' | 'client' | 'server'>[]
  legs: Pick<Schema.Leg, 'callId'>[]
  qosReports: Pick<Schema.QosReport, 'source' | 'timestamp' | 'mosLq' | 'mosCq' | 'packetLossPct' | 'jitterMs' | 'reporter'>[]
  logs: Pick<Schema.LogEntry, 'timestamp' | 'text'>[]
}

export const DIALOG_QUERY = gql<{ dialog: DialogDetail | null }, { callId: string }>(
  `query DialogDetail($callId: String!) {
  dialog(callId: $callId) {
    callId kind state messageCount retransmissions firstSeen lastSeen startedAt answeredAt endedAt pddMs setupMs durationMs
    finalStatus finalReason q850Cause hangupBy endedByTimeout fromUser toUser ruriUser correlationGroup
    transactions { method cseq branch finalStatus state requests responses client server }
    legs { callId }
    qosReports { source timestamp mosLq mosCq packetLossPct jitterMs reporter }
    logs { timestamp text }
  }
}`,
  'DialogDetail',
)

export const SHARE_LINK_MUTATION = gql<{ createShareLink: { path: string; expiresAt: string } }, { callIds: string[]; expiresInMinutes?: number }>(
  `mutation ShareLink($callIds: [String!], $expiresInMinutes: Int) { createShareLink(callIds: $callIds, expiresInMinutes: $expiresInMinutes) { path expiresAt } }`,
  'ShareLink',
)

/** The node's API path of a share link (`/api/share/<token>`) as the dashboard's read-only page for it. */
export function sharedPageUrl(apiPath: string, origin: string): string {
  const token = apiPath.slice(apiPath.lastIndexOf('/') + 1)
  return new URL(`/shared/${encodeURIComponent(token)}`, origin).toString()
}

/** A link to the call view with these sessions: colleagues with an account open it (through the login if needed). */
export function callViewUrl(callIds: readonly string[], origin: string): string {
  const query = new URLSearchParams()
  for (const id of callIds) query.append('callId', id)
  return new URL(`/call?${query.toString()}`, origin).toString()
}
