import type { SipMessage } from '@/pages/search/api'

export const CALL_ID = 'f81d4fae-7dec-11d0-a765@pc33.example.com'

function sip(startLine: string, cseq: string, extra = ''): string {
  return [
    startLine,
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds',
    'From: "Alice" <sip:alice@example.com>;tag=1928301774',
    'To: <sip:bob@example.com>',
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${cseq}`,
    'Content-Length: 0',
    '',
    extra,
  ].join('\r\n')
}

export function message(over: Partial<SipMessage> & Pick<SipMessage, 'id' | 'timestamp'>): SipMessage {
  return {
    method: null,
    statusCode: null,
    callId: CALL_ID,
    fromUser: 'alice',
    toUser: 'bob',
    srcIp: '10.0.0.1',
    srcPort: 5060,
    dstIp: '10.0.0.2',
    dstPort: 5060,
    captureId: 2001,
    payload: sip('SIP/2.0 200 OK', '1 INVITE'),
    ...over,
  }
}

/** A small call as the server returns it; deliberately not in time order. */
export const CALL: SipMessage[] = [
  message({ id: '3', timestamp: '2026-11-27T10:00:00.400250Z', statusCode: 180, srcIp: '10.0.0.2', dstIp: '10.0.0.1', payload: sip('SIP/2.0 180 Ringing', '1 INVITE') }),
  message({ id: '1', timestamp: '2026-11-27T10:00:00.123456Z', method: 'INVITE', payload: sip('INVITE sip:bob@example.com SIP/2.0', '1 INVITE') }),
  message({ id: '2', timestamp: '2026-11-27T10:00:00.130999Z', statusCode: 100, srcIp: '10.0.0.2', dstIp: '10.0.0.1', payload: sip('SIP/2.0 100 Trying', '1 INVITE') }),
  message({ id: '4', timestamp: '2026-11-27T10:00:02.000001Z', statusCode: 200, srcIp: '10.0.0.2', dstIp: '10.0.0.1' }),
  message({ id: '5', timestamp: '2026-11-27T10:00:02.010000Z', method: 'ACK', payload: sip('ACK sip:bob@example.com SIP/2.0', '1 ACK') }),
]

/** A fetch stand-in that answers like the node's /graphql endpoint. */
export function graphqlResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/graphql-response+json; charset=utf-8' },
  })
}
