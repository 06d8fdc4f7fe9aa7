import { describe, expect, it } from 'vitest'
import type { SipMessage } from '@/pages/search/api'
import { mediaSummaries, parseSdp } from './media'

const offer = ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0', 'm=audio 40000 RTP/AVP 0 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n')
const answer = ['v=0', 'o=- 2 2 IN IP4 198.51.100.20', 's=-', 't=0 0', 'm=audio 50000 RTP/AVP 8 101', 'c=IN IP4 198.51.100.20', 'a=rtpmap:8 PCMA/8000', 'm=video 0 RTP/AVP 96', ''].join('\r\n')

function sip(id: string, start: string, sdp: string, over: Partial<SipMessage>): SipMessage {
  return { id, timestamp: `2026-11-27T10:00:0${id}.000000Z`, method: null, statusCode: null, callId: 'a@x', fromUser: null, toUser: null, srcIp: '192.0.2.10', srcPort: 5060, dstIp: '198.51.100.20', dstPort: 5062, captureId: 1, protocolType: 1, payload: `${start}\r\nContent-Type: application/sdp\r\n\r\n${sdp}`, ...over }
}

describe('media summary', () => {
  it('reads the RTP address, port and codecs of each m= line, static payload types by name', () => {
    expect(parseSdp(offer)).toEqual([{ media: 'audio', rtp: '192.0.2.10:40000', port: 40000, protocol: 'RTP/AVP', codecs: ['PCMU/8000', 'PCMA/8000', 'telephone-event/8000'], direction: 'sendrecv' }])
    expect(parseSdp(answer).map((l) => [l.media, l.rtp])).toEqual([['audio', '198.51.100.20:50000'], ['video', '?:0']])
  })

  it('lists each side once (retransmissions skipped) and takes the codec from the answer', () => {
    const messages = [
      sip('1', 'INVITE sip:bob@x SIP/2.0', offer, { method: 'INVITE' }),
      sip('2', 'INVITE sip:bob@x SIP/2.0', offer, { method: 'INVITE' }),
      sip('3', 'SIP/2.0 200 OK', answer, { statusCode: 200, reason: 'OK', srcIp: '198.51.100.20', srcPort: 5062, dstIp: '192.0.2.10', dstPort: 5060 }),
    ]
    const [summary] = mediaSummaries(messages)
    expect(summary!.codec).toBe('PCMA/8000')
    expect(summary!.sides.map((s) => [s.role, s.label, s.sender, s.media[0]!.rtp])).toEqual([
      ['offer', 'INVITE', '192.0.2.10:5060', '192.0.2.10:40000'],
      ['answer', '200 OK', '198.51.100.20:5062', '198.51.100.20:50000'],
    ])
  })
})
